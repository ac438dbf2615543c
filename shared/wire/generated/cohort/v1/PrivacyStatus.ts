// Original file: proto/cohort/v1/cohort.proto


export interface PrivacyStatus {
  /**
   * False when the coordinator runs without a privacy budget.
   */
  'hasBudget'?: (boolean);
  'budgetEpsilon'?: (number | string);
  'delta'?: (number | string);
  'spentEpsilon'?: (number | string);
  /**
   * Entries in the ledger: released models and budget changes.
   */
  'ledgerEntries'?: (number);
}

export interface PrivacyStatus__Output {
  /**
   * False when the coordinator runs without a privacy budget.
   */
  'hasBudget': (boolean);
  'budgetEpsilon': (number);
  'delta': (number);
  'spentEpsilon': (number);
  /**
   * Entries in the ledger: released models and budget changes.
   */
  'ledgerEntries': (number);
}
