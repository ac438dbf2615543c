// Original file: proto/cohort/v1/cohort.proto

import type { RevealedShare as _cohort_v1_RevealedShare, RevealedShare__Output as _cohort_v1_RevealedShare__Output } from '../../cohort/v1/RevealedShare.js';

export interface UnmaskResponse {
  'selfMaskShares'?: (_cohort_v1_RevealedShare)[];
  'keyShares'?: (_cohort_v1_RevealedShare)[];
}

export interface UnmaskResponse__Output {
  'selfMaskShares': (_cohort_v1_RevealedShare__Output)[];
  'keyShares': (_cohort_v1_RevealedShare__Output)[];
}
