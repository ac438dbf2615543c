// Original file: proto/cohort/v1/cohort.proto

import type { Long } from '@grpc/proto-loader';

export interface UpdateHeader {
  'round'?: (number | string | Long);
  /**
   * Local training examples behind this update (FedAvg weight).
   */
  'numExamples'?: (number);
  'numParameters'?: (number);
  'chunkCount'?: (number);
  /**
   * Mean training loss of the last local epoch.
   */
  'trainLoss'?: (number | string);
  /**
   * Secure aggregation: the chunks are the masked input, uint32 words mod 2^32.
   */
  'masked'?: (boolean);
  /**
   * Adaptive clipping (plain rounds): the update's norm was within the clip norm.
   */
  'withinClip'?: (boolean);
  /**
   * The manifest_sha256 of the model the update follows (the task's). Optional; when
   * set and different from the round's model, the update is refused.
   */
  'manifestSha256'?: (string);
}

export interface UpdateHeader__Output {
  'round': (number);
  /**
   * Local training examples behind this update (FedAvg weight).
   */
  'numExamples': (number);
  'numParameters': (number);
  'chunkCount': (number);
  /**
   * Mean training loss of the last local epoch.
   */
  'trainLoss': (number);
  /**
   * Secure aggregation: the chunks are the masked input, uint32 words mod 2^32.
   */
  'masked': (boolean);
  /**
   * Adaptive clipping (plain rounds): the update's norm was within the clip norm.
   */
  'withinClip': (boolean);
  /**
   * The manifest_sha256 of the model the update follows (the task's). Optional; when
   * set and different from the round's model, the update is refused.
   */
  'manifestSha256': (string);
}
