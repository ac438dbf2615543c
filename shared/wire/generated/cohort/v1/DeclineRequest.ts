// Original file: proto/cohort/v1/cohort.proto

import type { TaskKind as _cohort_v1_TaskKind, TaskKind__Output as _cohort_v1_TaskKind__Output } from '../../cohort/v1/TaskKind.js';
import type { DeclineCategory as _cohort_v1_DeclineCategory, DeclineCategory__Output as _cohort_v1_DeclineCategory__Output } from '../../cohort/v1/DeclineCategory.js';
import type { Long } from '@grpc/proto-loader';

export interface DeclineRequest {
  'round'?: (number | string | Long);
  'kind'?: (_cohort_v1_TaskKind);
  /**
   * Short and for operators; the coordinator keeps at most 500 characters. It
   * says only what the category needs (e.g. "data has 8 features, the model
   * expects 784"): no values, row counts or column names of the node's data.
   */
  'reason'?: (string);
  'category'?: (_cohort_v1_DeclineCategory);
}

export interface DeclineRequest__Output {
  'round': (number);
  'kind': (_cohort_v1_TaskKind__Output);
  /**
   * Short and for operators; the coordinator keeps at most 500 characters. It
   * says only what the category needs (e.g. "data has 8 features, the model
   * expects 784"): no values, row counts or column names of the node's data.
   */
  'reason': (string);
  'category': (_cohort_v1_DeclineCategory__Output);
}
