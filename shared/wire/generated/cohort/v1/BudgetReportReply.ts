// Original file: proto/cohort/v1/cohort.proto

import type { LedgerEntry as _cohort_v1_LedgerEntry, LedgerEntry__Output as _cohort_v1_LedgerEntry__Output } from '../../cohort/v1/LedgerEntry.js';
import type { UnrecordedRelease as _cohort_v1_UnrecordedRelease, UnrecordedRelease__Output as _cohort_v1_UnrecordedRelease__Output } from '../../cohort/v1/UnrecordedRelease.js';
import type { Long } from '@grpc/proto-loader';

export interface BudgetReportReply {
  'hasBudget'?: (boolean);
  'budgetEpsilon'?: (number | string);
  'delta'?: (number | string);
  'entries'?: (_cohort_v1_LedgerEntry)[];
  /**
   * Head of the hash chain; ledger_verified says the coordinator recomputed it.
   */
  'ledgerHash'?: (string);
  'ledgerVerified'?: (boolean);
  /**
   * False when the coordinator keeps no data dir (the ledger dies with it).
   */
  'durable'?: (boolean);
  'generatedAtMs'?: (number | string | Long);
  'accountant'?: (string);
  'unrecorded'?: (_cohort_v1_UnrecordedRelease)[];
}

export interface BudgetReportReply__Output {
  'hasBudget': (boolean);
  'budgetEpsilon': (number);
  'delta': (number);
  'entries': (_cohort_v1_LedgerEntry__Output)[];
  /**
   * Head of the hash chain; ledger_verified says the coordinator recomputed it.
   */
  'ledgerHash': (string);
  'ledgerVerified': (boolean);
  /**
   * False when the coordinator keeps no data dir (the ledger dies with it).
   */
  'durable': (boolean);
  'generatedAtMs': (number);
  'accountant': (string);
  'unrecorded': (_cohort_v1_UnrecordedRelease__Output)[];
}
