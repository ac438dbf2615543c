// Original file: proto/cohort/v1/cohort.proto

import type { TaskKind as _cohort_v1_TaskKind, TaskKind__Output as _cohort_v1_TaskKind__Output } from '../../cohort/v1/TaskKind.js';
import type { Long } from '@grpc/proto-loader';

/**
 * A slice of the global weights for the task announced just before (see TENSORS).
 */
export interface WeightsChunk {
  'round'?: (number | string | Long);
  'kind'?: (_cohort_v1_TaskKind);
  'index'?: (number);
  /**
   * Little-endian float32 values.
   */
  'data'?: (Buffer | Uint8Array | string);
}

/**
 * A slice of the global weights for the task announced just before (see TENSORS).
 */
export interface WeightsChunk__Output {
  'round': (number);
  'kind': (_cohort_v1_TaskKind__Output);
  'index': (number);
  /**
   * Little-endian float32 values.
   */
  'data': (Buffer);
}
