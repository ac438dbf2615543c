// Original file: proto/cohort/v1/cohort.proto

import type { AdvertiseKeys as _cohort_v1_AdvertiseKeys, AdvertiseKeys__Output as _cohort_v1_AdvertiseKeys__Output } from '../../cohort/v1/AdvertiseKeys.js';

export interface KeyDirectory {
  'adverts'?: (_cohort_v1_AdvertiseKeys)[];
}

export interface KeyDirectory__Output {
  'adverts': (_cohort_v1_AdvertiseKeys__Output)[];
}
