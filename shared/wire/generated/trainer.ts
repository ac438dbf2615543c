import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { DaemonMessage as _cohort_trainer_v1_DaemonMessage, DaemonMessage__Output as _cohort_trainer_v1_DaemonMessage__Output } from './cohort/trainer/v1/DaemonMessage.js';
import type { EvaluateRequest as _cohort_trainer_v1_EvaluateRequest, EvaluateRequest__Output as _cohort_trainer_v1_EvaluateRequest__Output } from './cohort/trainer/v1/EvaluateRequest.js';
import type { EvaluateResult as _cohort_trainer_v1_EvaluateResult, EvaluateResult__Output as _cohort_trainer_v1_EvaluateResult__Output } from './cohort/trainer/v1/EvaluateResult.js';
import type { Failure as _cohort_trainer_v1_Failure, Failure__Output as _cohort_trainer_v1_Failure__Output } from './cohort/trainer/v1/Failure.js';
import type { Hello as _cohort_trainer_v1_Hello, Hello__Output as _cohort_trainer_v1_Hello__Output } from './cohort/trainer/v1/Hello.js';
import type { Shutdown as _cohort_trainer_v1_Shutdown, Shutdown__Output as _cohort_trainer_v1_Shutdown__Output } from './cohort/trainer/v1/Shutdown.js';
import type { Tensor as _cohort_trainer_v1_Tensor, Tensor__Output as _cohort_trainer_v1_Tensor__Output } from './cohort/trainer/v1/Tensor.js';
import type { TensorChunk as _cohort_trainer_v1_TensorChunk, TensorChunk__Output as _cohort_trainer_v1_TensorChunk__Output } from './cohort/trainer/v1/TensorChunk.js';
import type { TrainRequest as _cohort_trainer_v1_TrainRequest, TrainRequest__Output as _cohort_trainer_v1_TrainRequest__Output } from './cohort/trainer/v1/TrainRequest.js';
import type { TrainResult as _cohort_trainer_v1_TrainResult, TrainResult__Output as _cohort_trainer_v1_TrainResult__Output } from './cohort/trainer/v1/TrainResult.js';
import type { TrainerMessage as _cohort_trainer_v1_TrainerMessage, TrainerMessage__Output as _cohort_trainer_v1_TrainerMessage__Output } from './cohort/trainer/v1/TrainerMessage.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  cohort: {
    trainer: {
      v1: {
        DaemonMessage: MessageTypeDefinition<_cohort_trainer_v1_DaemonMessage, _cohort_trainer_v1_DaemonMessage__Output>
        EvaluateRequest: MessageTypeDefinition<_cohort_trainer_v1_EvaluateRequest, _cohort_trainer_v1_EvaluateRequest__Output>
        EvaluateResult: MessageTypeDefinition<_cohort_trainer_v1_EvaluateResult, _cohort_trainer_v1_EvaluateResult__Output>
        Failure: MessageTypeDefinition<_cohort_trainer_v1_Failure, _cohort_trainer_v1_Failure__Output>
        Hello: MessageTypeDefinition<_cohort_trainer_v1_Hello, _cohort_trainer_v1_Hello__Output>
        ResultKind: EnumTypeDefinition
        Shutdown: MessageTypeDefinition<_cohort_trainer_v1_Shutdown, _cohort_trainer_v1_Shutdown__Output>
        Tensor: MessageTypeDefinition<_cohort_trainer_v1_Tensor, _cohort_trainer_v1_Tensor__Output>
        TensorChunk: MessageTypeDefinition<_cohort_trainer_v1_TensorChunk, _cohort_trainer_v1_TensorChunk__Output>
        TrainRequest: MessageTypeDefinition<_cohort_trainer_v1_TrainRequest, _cohort_trainer_v1_TrainRequest__Output>
        TrainResult: MessageTypeDefinition<_cohort_trainer_v1_TrainResult, _cohort_trainer_v1_TrainResult__Output>
        TrainerMessage: MessageTypeDefinition<_cohort_trainer_v1_TrainerMessage, _cohort_trainer_v1_TrainerMessage__Output>
      }
    }
  }
}

