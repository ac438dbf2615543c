// Original file: proto/cohort/v1/cohort.proto


export interface SetBudgetRequest {
  /**
   * The budget epsilon from now on (> 0), unless remove is set.
   */
  'epsilon'?: (number | string);
  /**
   * Remove the budget: rounds are accounted but never refused.
   */
  'remove'?: (boolean);
  /**
   * The delta from now on; 0 keeps the current one.
   */
  'delta'?: (number | string);
  /**
   * Required: why the budget changes. Recorded in the ledger.
   */
  'reason'?: (string);
}

export interface SetBudgetRequest__Output {
  /**
   * The budget epsilon from now on (> 0), unless remove is set.
   */
  'epsilon': (number);
  /**
   * Remove the budget: rounds are accounted but never refused.
   */
  'remove': (boolean);
  /**
   * The delta from now on; 0 keeps the current one.
   */
  'delta': (number);
  /**
   * Required: why the budget changes. Recorded in the ledger.
   */
  'reason': (string);
}
