// Original file: proto/cohort/v1/cohort.proto

import type { SignedSurvivors as _cohort_v1_SignedSurvivors, SignedSurvivors__Output as _cohort_v1_SignedSurvivors__Output } from '../../cohort/v1/SignedSurvivors.js';

export interface UnmaskRequest {
  'survivors'?: (string)[];
  'signatures'?: (_cohort_v1_SignedSurvivors)[];
  'dropouts'?: (string)[];
}

export interface UnmaskRequest__Output {
  'survivors': (string)[];
  'signatures': (_cohort_v1_SignedSurvivors__Output)[];
  'dropouts': (string)[];
}
