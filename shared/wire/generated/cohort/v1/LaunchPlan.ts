// Original file: proto/cohort/v1/cohort.proto


/**
 * What the privacy budget affords of a launch, before its first round. Only
 * `affordable` rounds are queued; the others are refused at once and take no
 * round numbers.
 */
export interface LaunchPlan {
  'requested'?: (number);
  'affordable'?: (number);
  'hasBudget'?: (boolean);
  'budgetEpsilon'?: (number | string);
  /**
   * Epsilon spent before the launch.
   */
  'spentEpsilon'?: (number | string);
  /**
   * Epsilon after the affordable rounds (and the private rounds queued ahead),
   * assuming each of them completes.
   */
  'epsilonAfter'?: (number | string);
}

/**
 * What the privacy budget affords of a launch, before its first round. Only
 * `affordable` rounds are queued; the others are refused at once and take no
 * round numbers.
 */
export interface LaunchPlan__Output {
  'requested': (number);
  'affordable': (number);
  'hasBudget': (boolean);
  'budgetEpsilon': (number);
  /**
   * Epsilon spent before the launch.
   */
  'spentEpsilon': (number);
  /**
   * Epsilon after the affordable rounds (and the private rounds queued ahead),
   * assuming each of them completes.
   */
  'epsilonAfter': (number);
}
