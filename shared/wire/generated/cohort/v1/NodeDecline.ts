// Original file: proto/cohort/v1/cohort.proto

import type { TaskKind as _cohort_v1_TaskKind, TaskKind__Output as _cohort_v1_TaskKind__Output } from '../../cohort/v1/TaskKind.js';
import type { DeclineCategory as _cohort_v1_DeclineCategory, DeclineCategory__Output as _cohort_v1_DeclineCategory__Output } from '../../cohort/v1/DeclineCategory.js';

/**
 * One node's decline of one task, as the node reported it.
 */
export interface NodeDecline {
  'node'?: (string);
  'kind'?: (_cohort_v1_TaskKind);
  'category'?: (_cohort_v1_DeclineCategory);
  'reason'?: (string);
}

/**
 * One node's decline of one task, as the node reported it.
 */
export interface NodeDecline__Output {
  'node': (string);
  'kind': (_cohort_v1_TaskKind__Output);
  'category': (_cohort_v1_DeclineCategory__Output);
  'reason': (string);
}
