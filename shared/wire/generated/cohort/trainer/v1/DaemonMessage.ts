// Original file: proto/cohort/trainer/v1/trainer.proto

import type { TrainRequest as _cohort_trainer_v1_TrainRequest, TrainRequest__Output as _cohort_trainer_v1_TrainRequest__Output } from '../../../cohort/trainer/v1/TrainRequest.js';
import type { EvaluateRequest as _cohort_trainer_v1_EvaluateRequest, EvaluateRequest__Output as _cohort_trainer_v1_EvaluateRequest__Output } from '../../../cohort/trainer/v1/EvaluateRequest.js';
import type { TensorChunk as _cohort_trainer_v1_TensorChunk, TensorChunk__Output as _cohort_trainer_v1_TensorChunk__Output } from '../../../cohort/trainer/v1/TensorChunk.js';
import type { Shutdown as _cohort_trainer_v1_Shutdown, Shutdown__Output as _cohort_trainer_v1_Shutdown__Output } from '../../../cohort/trainer/v1/Shutdown.js';

/**
 * Daemon -> trainer.
 */
export interface DaemonMessage {
  'train'?: (_cohort_trainer_v1_TrainRequest | null);
  'evaluate'?: (_cohort_trainer_v1_EvaluateRequest | null);
  'chunk'?: (_cohort_trainer_v1_TensorChunk | null);
  'shutdown'?: (_cohort_trainer_v1_Shutdown | null);
  'body'?: "train"|"evaluate"|"chunk"|"shutdown";
}

/**
 * Daemon -> trainer.
 */
export interface DaemonMessage__Output {
  'train'?: (_cohort_trainer_v1_TrainRequest__Output | null);
  'evaluate'?: (_cohort_trainer_v1_EvaluateRequest__Output | null);
  'chunk'?: (_cohort_trainer_v1_TensorChunk__Output | null);
  'shutdown'?: (_cohort_trainer_v1_Shutdown__Output | null);
  'body'?: "train"|"evaluate"|"chunk"|"shutdown";
}
