// Original file: proto/cohort/trainer/v1/trainer.proto

import type { Hello as _cohort_trainer_v1_Hello, Hello__Output as _cohort_trainer_v1_Hello__Output } from '../../../cohort/trainer/v1/Hello.js';
import type { TrainResult as _cohort_trainer_v1_TrainResult, TrainResult__Output as _cohort_trainer_v1_TrainResult__Output } from '../../../cohort/trainer/v1/TrainResult.js';
import type { EvaluateResult as _cohort_trainer_v1_EvaluateResult, EvaluateResult__Output as _cohort_trainer_v1_EvaluateResult__Output } from '../../../cohort/trainer/v1/EvaluateResult.js';
import type { TensorChunk as _cohort_trainer_v1_TensorChunk, TensorChunk__Output as _cohort_trainer_v1_TensorChunk__Output } from '../../../cohort/trainer/v1/TensorChunk.js';
import type { Failure as _cohort_trainer_v1_Failure, Failure__Output as _cohort_trainer_v1_Failure__Output } from '../../../cohort/trainer/v1/Failure.js';

/**
 * Trainer -> daemon.
 */
export interface TrainerMessage {
  'hello'?: (_cohort_trainer_v1_Hello | null);
  'trainResult'?: (_cohort_trainer_v1_TrainResult | null);
  'evaluateResult'?: (_cohort_trainer_v1_EvaluateResult | null);
  'chunk'?: (_cohort_trainer_v1_TensorChunk | null);
  'failure'?: (_cohort_trainer_v1_Failure | null);
  'body'?: "hello"|"trainResult"|"evaluateResult"|"chunk"|"failure";
}

/**
 * Trainer -> daemon.
 */
export interface TrainerMessage__Output {
  'hello'?: (_cohort_trainer_v1_Hello__Output | null);
  'trainResult'?: (_cohort_trainer_v1_TrainResult__Output | null);
  'evaluateResult'?: (_cohort_trainer_v1_EvaluateResult__Output | null);
  'chunk'?: (_cohort_trainer_v1_TensorChunk__Output | null);
  'failure'?: (_cohort_trainer_v1_Failure__Output | null);
  'body'?: "hello"|"trainResult"|"evaluateResult"|"chunk"|"failure";
}
