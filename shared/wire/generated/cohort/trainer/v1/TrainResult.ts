// Original file: proto/cohort/trainer/v1/trainer.proto

import type { ResultKind as _cohort_trainer_v1_ResultKind, ResultKind__Output as _cohort_trainer_v1_ResultKind__Output } from '../../../cohort/trainer/v1/ResultKind.js';
import type { Tensor as _cohort_trainer_v1_Tensor, Tensor__Output as _cohort_trainer_v1_Tensor__Output } from '../../../cohort/trainer/v1/Tensor.js';
import type { Long } from '@grpc/proto-loader';

/**
 * The answer to a TrainRequest; its tensors follow as TensorChunk frames.
 */
export interface TrainResult {
  'request'?: (number | string | Long);
  'kind'?: (_cohort_trainer_v1_ResultKind);
  /**
   * Must equal the Hello's tensors (names, shapes and order).
   */
  'tensors'?: (_cohort_trainer_v1_Tensor)[];
  /**
   * Local training examples behind the result (the FedAvg weight), not multiplied by
   * epochs.
   */
  'numExamples'?: (number | string | Long);
  /**
   * Mean training loss of the last local epoch.
   */
  'loss'?: (number | string);
  'metrics'?: ({[key: string]: number | string});
}

/**
 * The answer to a TrainRequest; its tensors follow as TensorChunk frames.
 */
export interface TrainResult__Output {
  'request': (number);
  'kind': (_cohort_trainer_v1_ResultKind__Output);
  /**
   * Must equal the Hello's tensors (names, shapes and order).
   */
  'tensors': (_cohort_trainer_v1_Tensor__Output)[];
  /**
   * Local training examples behind the result (the FedAvg weight), not multiplied by
   * epochs.
   */
  'numExamples': (number);
  /**
   * Mean training loss of the last local epoch.
   */
  'loss': (number);
  'metrics': ({[key: string]: number});
}
