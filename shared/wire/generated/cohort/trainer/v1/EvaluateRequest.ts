// Original file: proto/cohort/trainer/v1/trainer.proto

import type { Long } from '@grpc/proto-loader';

/**
 * Evaluate the weights that follow on the trainer's held-out data; answer with
 * EvaluateResult (or Failure).
 */
export interface EvaluateRequest {
  'request'?: (number | string | Long);
  'round'?: (number | string | Long);
  'options'?: ({[key: string]: string});
  'deadlineMs'?: (number | string | Long);
  'manifestSha256'?: (string);
  /**
   * No weights follow: they are those of the previous request (see TENSOR DATA).
   */
  'sameWeights'?: (boolean);
}

/**
 * Evaluate the weights that follow on the trainer's held-out data; answer with
 * EvaluateResult (or Failure).
 */
export interface EvaluateRequest__Output {
  'request': (number);
  'round': (number);
  'options': ({[key: string]: string});
  'deadlineMs': (number);
  'manifestSha256': (string);
  /**
   * No weights follow: they are those of the previous request (see TENSOR DATA).
   */
  'sameWeights': (boolean);
}
