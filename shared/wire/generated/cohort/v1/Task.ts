// Original file: proto/cohort/v1/cohort.proto

import type { TaskKind as _cohort_v1_TaskKind, TaskKind__Output as _cohort_v1_TaskKind__Output } from '../../cohort/v1/TaskKind.js';
import type { ModelSpec as _cohort_v1_ModelSpec, ModelSpec__Output as _cohort_v1_ModelSpec__Output } from '../../cohort/v1/ModelSpec.js';
import type { TrainConfig as _cohort_v1_TrainConfig, TrainConfig__Output as _cohort_v1_TrainConfig__Output } from '../../cohort/v1/TrainConfig.js';
import type { SecAggSetup as _cohort_v1_SecAggSetup, SecAggSetup__Output as _cohort_v1_SecAggSetup__Output } from '../../cohort/v1/SecAggSetup.js';
import type { PrivacyConfig as _cohort_v1_PrivacyConfig, PrivacyConfig__Output as _cohort_v1_PrivacyConfig__Output } from '../../cohort/v1/PrivacyConfig.js';
import type { SignedRevocationList as _cohort_v1_SignedRevocationList, SignedRevocationList__Output as _cohort_v1_SignedRevocationList__Output } from '../../cohort/v1/SignedRevocationList.js';
import type { ModelVersion as _cohort_v1_ModelVersion, ModelVersion__Output as _cohort_v1_ModelVersion__Output } from '../../cohort/v1/ModelVersion.js';
import type { TensorEncoding as _cohort_v1_TensorEncoding, TensorEncoding__Output as _cohort_v1_TensorEncoding__Output } from '../../cohort/v1/TensorEncoding.js';
import type { Long } from '@grpc/proto-loader';

/**
 * A task. Its global model is model_version: use it if you hold it (hash
 * verified), otherwise FETCH it on the bulk channel; never work on weights
 * whose sha256 you have not checked against model_version.sha256.
 */
export interface Task {
  'round'?: (number | string | Long);
  'kind'?: (_cohort_v1_TaskKind);
  'model'?: (_cohort_v1_ModelSpec | null);
  'train'?: (_cohort_v1_TrainConfig | null);
  'numParameters'?: (number);
  /**
   * Unix milliseconds after which the coordinator stops waiting for this task.
   */
  'deadlineMs'?: (number | string | Long);
  /**
   * Seed for the node's local shuffling, so a round is reproducible.
   */
  'seed'?: (number);
  /**
   * Present when the round uses secure aggregation (train tasks only).
   */
  'secagg'?: (_cohort_v1_SecAggSetup | null);
  /**
   * Present when the round is differentially private (train tasks only).
   */
  'privacy'?: (_cohort_v1_PrivacyConfig | null);
  /**
   * Present with secagg: the coordinator's current revocation list. A node
   * refuses the round without it (see SignedRevocationList for every check).
   */
  'revocations'?: (_cohort_v1_SignedRevocationList | null);
  'modelVersion'?: (_cohort_v1_ModelVersion | null);
  /**
   * Train tasks: how the node must encode its UPDATE (F32 unless the round was
   * launched with --compress; secure rounds always F32).
   */
  'updateEncoding'?: (_cohort_v1_TensorEncoding);
}

/**
 * A task. Its global model is model_version: use it if you hold it (hash
 * verified), otherwise FETCH it on the bulk channel; never work on weights
 * whose sha256 you have not checked against model_version.sha256.
 */
export interface Task__Output {
  'round': (number);
  'kind': (_cohort_v1_TaskKind__Output);
  'model': (_cohort_v1_ModelSpec__Output | null);
  'train': (_cohort_v1_TrainConfig__Output | null);
  'numParameters': (number);
  /**
   * Unix milliseconds after which the coordinator stops waiting for this task.
   */
  'deadlineMs': (number);
  /**
   * Seed for the node's local shuffling, so a round is reproducible.
   */
  'seed': (number);
  /**
   * Present when the round uses secure aggregation (train tasks only).
   */
  'secagg': (_cohort_v1_SecAggSetup__Output | null);
  /**
   * Present when the round is differentially private (train tasks only).
   */
  'privacy': (_cohort_v1_PrivacyConfig__Output | null);
  /**
   * Present with secagg: the coordinator's current revocation list. A node
   * refuses the round without it (see SignedRevocationList for every check).
   */
  'revocations': (_cohort_v1_SignedRevocationList__Output | null);
  'modelVersion': (_cohort_v1_ModelVersion__Output | null);
  /**
   * Train tasks: how the node must encode its UPDATE (F32 unless the round was
   * launched with --compress; secure rounds always F32).
   */
  'updateEncoding': (_cohort_v1_TensorEncoding__Output);
}
