// Original file: proto/cohort/v1/cohort.proto

import type { Long } from '@grpc/proto-loader';

export interface LedgerEntry {
  'round'?: (number | string | Long);
  'timeMs'?: (number | string | Long);
  'sampleRate'?: (number | string);
  'noiseMultiplier'?: (number | string);
  'clipNorm'?: (number | string);
  'minSurvivors'?: (number);
  'survivors'?: (number);
  'epsilonAfter'?: (number | string);
  'delta'?: (number | string);
  'accountant'?: (string);
  'noise'?: (string);
  /**
   * This entry's hash in the ledger's chain ("" for an in-memory ledger).
   */
  'hash'?: (string);
}

export interface LedgerEntry__Output {
  'round': (number);
  'timeMs': (number);
  'sampleRate': (number);
  'noiseMultiplier': (number);
  'clipNorm': (number);
  'minSurvivors': (number);
  'survivors': (number);
  'epsilonAfter': (number);
  'delta': (number);
  'accountant': (string);
  'noise': (string);
  /**
   * This entry's hash in the ledger's chain ("" for an in-memory ledger).
   */
  'hash': (string);
}
