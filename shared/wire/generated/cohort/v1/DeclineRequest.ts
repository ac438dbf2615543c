// Original file: proto/cohort/v1/cohort.proto

import type { TaskKind as _cohort_v1_TaskKind, TaskKind__Output as _cohort_v1_TaskKind__Output } from '../../cohort/v1/TaskKind.js';
import type { Long } from '@grpc/proto-loader';

export interface DeclineRequest {
  'round'?: (number | string | Long);
  'kind'?: (_cohort_v1_TaskKind);
  'reason'?: (string);
}

export interface DeclineRequest__Output {
  'round': (number);
  'kind': (_cohort_v1_TaskKind__Output);
  'reason': (string);
}
