// Original file: proto/cohort/v1/cohort.proto

import type { LedgerEntry as _cohort_v1_LedgerEntry, LedgerEntry__Output as _cohort_v1_LedgerEntry__Output } from '../../cohort/v1/LedgerEntry.js';

export interface SetBudgetReply {
  /**
   * The ledger entry that records the change.
   */
  'entry'?: (_cohort_v1_LedgerEntry | null);
  /**
   * The budget before the change.
   */
  'hadBudget'?: (boolean);
  'previousEpsilon'?: (number | string);
  'previousDelta'?: (number | string);
  /**
   * Epsilon spent so far (at the new delta).
   */
  'spentEpsilon'?: (number | string);
}

export interface SetBudgetReply__Output {
  /**
   * The ledger entry that records the change.
   */
  'entry': (_cohort_v1_LedgerEntry__Output | null);
  /**
   * The budget before the change.
   */
  'hadBudget': (boolean);
  'previousEpsilon': (number);
  'previousDelta': (number);
  /**
   * Epsilon spent so far (at the new delta).
   */
  'spentEpsilon': (number);
}
