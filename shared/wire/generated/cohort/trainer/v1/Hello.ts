// Original file: proto/cohort/trainer/v1/trainer.proto

import type { Tensor as _cohort_trainer_v1_Tensor, Tensor__Output as _cohort_trainer_v1_Tensor__Output } from '../../../cohort/trainer/v1/Tensor.js';
import type { Long } from '@grpc/proto-loader';

/**
 * The trainer's first message: what it trains.
 */
export interface Hello {
  /**
   * Must be "cohort.trainer.v1".
   */
  'contract'?: (string);
  /**
   * Free text for the node's log, e.g. "pytorch-mnist 1.0" (at most 200 characters).
   */
  'trainer'?: (string);
  /**
   * The tensors the trainer trains, in the order of its tensor data.
   */
  'tensors'?: (_cohort_trainer_v1_Tensor)[];
  /**
   * Examples it trains on and evaluates on (informational: logged by the node).
   */
  'numTrainExamples'?: (number | string | Long);
  'numEvalExamples'?: (number | string | Long);
  /**
   * The trainer keeps the weights of its last request, so the daemon may send
   * same_weights instead of the weights again (see TENSOR DATA).
   */
  'keepsWeights'?: (boolean);
}

/**
 * The trainer's first message: what it trains.
 */
export interface Hello__Output {
  /**
   * Must be "cohort.trainer.v1".
   */
  'contract': (string);
  /**
   * Free text for the node's log, e.g. "pytorch-mnist 1.0" (at most 200 characters).
   */
  'trainer': (string);
  /**
   * The tensors the trainer trains, in the order of its tensor data.
   */
  'tensors': (_cohort_trainer_v1_Tensor__Output)[];
  /**
   * Examples it trains on and evaluates on (informational: logged by the node).
   */
  'numTrainExamples': (number);
  'numEvalExamples': (number);
  /**
   * The trainer keeps the weights of its last request, so the daemon may send
   * same_weights instead of the weights again (see TENSOR DATA).
   */
  'keepsWeights': (boolean);
}
