// Original file: proto/cohort/v1/cohort.proto

import type { SealedShare as _cohort_v1_SealedShare, SealedShare__Output as _cohort_v1_SealedShare__Output } from '../../cohort/v1/SealedShare.js';

export interface ShareKeys {
  'shares'?: (_cohort_v1_SealedShare)[];
}

export interface ShareKeys__Output {
  'shares': (_cohort_v1_SealedShare__Output)[];
}
