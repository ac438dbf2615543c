// Original file: proto/cohort/v1/bulk.proto

import type { TensorEncoding as _cohort_v1_TensorEncoding, TensorEncoding__Output as _cohort_v1_TensorEncoding__Output } from '../../cohort/v1/TensorEncoding.js';
import type { Long } from '@grpc/proto-loader';

/**
 * Node -> coordinator: one update for `round`. P as the encoding implies.
 */
export interface BulkUpdate {
  'round'?: (number | string | Long);
  /**
   * Local training examples behind this update (FedAvg weight), in [1, 10,000,000].
   */
  'numExamples'?: (number);
  'numParameters'?: (number);
  /**
   * Mean training loss of the last local epoch; finite, >= 0.
   */
  'trainLoss'?: (number | string);
  /**
   * Secure aggregation: the payload is the masked input, n uint32 words mod 2^32 (F32 layout).
   */
  'masked'?: (boolean);
  /**
   * Adaptive clipping (plain rounds): the update's norm was within the clip norm.
   */
  'withinClip'?: (boolean);
  'encoding'?: (_cohort_v1_TensorEncoding);
  /**
   * The manifest_sha256 of the model the update follows (the task's). Optional; when set
   * and different from the round's model, the update is refused (invalid_argument).
   */
  'manifestSha256'?: (string);
}

/**
 * Node -> coordinator: one update for `round`. P as the encoding implies.
 */
export interface BulkUpdate__Output {
  'round': (number);
  /**
   * Local training examples behind this update (FedAvg weight), in [1, 10,000,000].
   */
  'numExamples': (number);
  'numParameters': (number);
  /**
   * Mean training loss of the last local epoch; finite, >= 0.
   */
  'trainLoss': (number);
  /**
   * Secure aggregation: the payload is the masked input, n uint32 words mod 2^32 (F32 layout).
   */
  'masked': (boolean);
  /**
   * Adaptive clipping (plain rounds): the update's norm was within the clip norm.
   */
  'withinClip': (boolean);
  'encoding': (_cohort_v1_TensorEncoding__Output);
  /**
   * The manifest_sha256 of the model the update follows (the task's). Optional; when set
   * and different from the round's model, the update is refused (invalid_argument).
   */
  'manifestSha256': (string);
}
