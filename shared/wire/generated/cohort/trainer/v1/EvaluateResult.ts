// Original file: proto/cohort/trainer/v1/trainer.proto

import type { Long } from '@grpc/proto-loader';

/**
 * The answer to an EvaluateRequest.
 */
export interface EvaluateResult {
  'request'?: (number | string | Long);
  'numExamples'?: (number | string | Long);
  /**
   * Fraction of held-out examples predicted correctly, in [0, 1].
   */
  'accuracy'?: (number | string);
  'loss'?: (number | string);
  'metrics'?: ({[key: string]: number | string});
}

/**
 * The answer to an EvaluateRequest.
 */
export interface EvaluateResult__Output {
  'request': (number);
  'numExamples': (number);
  /**
   * Fraction of held-out examples predicted correctly, in [0, 1].
   */
  'accuracy': (number);
  'loss': (number);
  'metrics': ({[key: string]: number});
}
