// Original file: proto/cohort/v1/cohort.proto

import type { Long } from '@grpc/proto-loader';

/**
 * The evaluation of a round's new global model on the node's held-out split. Refused
 * with INVALID_ARGUMENT (and the node is out of the evaluation) unless num_examples is
 * in [1, 10,000,000], accuracy in [0, 1] and loss finite and >= 0. The round reports the
 * example-weighted means, with the same cap on one node's share as training.
 */
export interface EvaluationResult {
  'round'?: (number | string | Long);
  'numExamples'?: (number);
  /**
   * Fraction of held-out examples whose arg-max logit is their label.
   */
  'accuracy'?: (number | string);
  /**
   * Mean softmax cross-entropy over the held-out examples.
   */
  'loss'?: (number | string);
}

/**
 * The evaluation of a round's new global model on the node's held-out split. Refused
 * with INVALID_ARGUMENT (and the node is out of the evaluation) unless num_examples is
 * in [1, 10,000,000], accuracy in [0, 1] and loss finite and >= 0. The round reports the
 * example-weighted means, with the same cap on one node's share as training.
 */
export interface EvaluationResult__Output {
  'round': (number);
  'numExamples': (number);
  /**
   * Fraction of held-out examples whose arg-max logit is their label.
   */
  'accuracy': (number);
  /**
   * Mean softmax cross-entropy over the held-out examples.
   */
  'loss': (number);
}
