// Original file: proto/cohort/trainer/v1/trainer.proto

import type { Long } from '@grpc/proto-loader';

/**
 * Train from the weights that follow; answer with TrainResult (or Failure).
 */
export interface TrainRequest {
  /**
   * Echoed in the answer and in every TensorChunk; increases with each request.
   */
  'request'?: (number | string | Long);
  'round'?: (number | string | Long);
  /**
   * The round's settings from the operator. The trainer should follow them; the
   * daemon cannot check that it does.
   */
  'epochs'?: (number);
  'batchSize'?: (number);
  'learningRate'?: (number | string);
  /**
   * Seed for the trainer's shuffling and augmentation, so a round is reproducible.
   */
  'seed'?: (number);
  /**
   * Free-form settings from `cohort round launch --config KEY=VALUE`.
   */
  'options'?: ({[key: string]: string});
  /**
   * Unix milliseconds by which the answer must be complete (see SESSION).
   */
  'deadlineMs'?: (number | string | Long);
  /**
   * The federation model's manifest hash (cohort.v1 ModelSpec.manifest_sha256).
   */
  'manifestSha256'?: (string);
  /**
   * No weights follow: they are those of the previous request (see TENSOR DATA).
   */
  'sameWeights'?: (boolean);
}

/**
 * Train from the weights that follow; answer with TrainResult (or Failure).
 */
export interface TrainRequest__Output {
  /**
   * Echoed in the answer and in every TensorChunk; increases with each request.
   */
  'request': (number);
  'round': (number);
  /**
   * The round's settings from the operator. The trainer should follow them; the
   * daemon cannot check that it does.
   */
  'epochs': (number);
  'batchSize': (number);
  'learningRate': (number);
  /**
   * Seed for the trainer's shuffling and augmentation, so a round is reproducible.
   */
  'seed': (number);
  /**
   * Free-form settings from `cohort round launch --config KEY=VALUE`.
   */
  'options': ({[key: string]: string});
  /**
   * Unix milliseconds by which the answer must be complete (see SESSION).
   */
  'deadlineMs': (number);
  /**
   * The federation model's manifest hash (cohort.v1 ModelSpec.manifest_sha256).
   */
  'manifestSha256': (string);
  /**
   * No weights follow: they are those of the previous request (see TENSOR DATA).
   */
  'sameWeights': (boolean);
}
