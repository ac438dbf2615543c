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
 * A task about the global model model_version (num_parameters float32 values in
 * ModelSpec layout): use it if you hold it, hash verified; otherwise FETCH it on the bulk
 * channel. Never work on weights whose sha256 you have not checked against
 * model_version.sha256. A node that cannot do a task declines it (Decline) rather than
 * letting it time out.
 */
export interface Task {
  'round'?: (number | string | Long);
  'kind'?: (_cohort_v1_TaskKind);
  'model'?: (_cohort_v1_ModelSpec | null);
  'train'?: (_cohort_v1_TrainConfig | null);
  'numParameters'?: (number);
  /**
   * Unix milliseconds after which the coordinator stops waiting for this task: a train
   * stage then closes with the updates it has (and sends CancelTask to the rest), an
   * evaluation stage with the reports it has.
   */
  'deadlineMs'?: (number | string | Long);
  /**
   * Seed of the node's local shuffling (see TrainConfig), so a round is reproducible.
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
   * P, in milliseconds: how long the node may take to take one message of its Join
   * stream. The same P bounds uploads and model transfers on the bulk channel
   * (BulkReady.progress_timeout_ms). Default 10,000.
   */
  'progressTimeoutMs'?: (number);
  /**
   * Plain train tasks: an update whose L2 norm exceeds this is scaled down to it by the
   * coordinator before it is averaged (a node may clip it itself). 0 when not set
   * (private rounds use PrivacyConfig.clip_norm, secure rounds FixedPoint.clip_norm).
   */
  'maxUpdateNorm'?: (number | string);
  /**
   * Present with secagg: the coordinator's current revocation list. A node
   * refuses the round without it (see SignedRevocationList for every check).
   */
  'revocations'?: (_cohort_v1_SignedRevocationList | null);
  /**
   * The global model this task is about (see above).
   */
  'modelVersion'?: (_cohort_v1_ModelVersion | null);
  /**
   * Train tasks: how the node must encode its UPDATE (F32 unless the round was launched
   * with --compress; secure rounds always F32).
   */
  'updateEncoding'?: (_cohort_v1_TensorEncoding);
}

/**
 * A task about the global model model_version (num_parameters float32 values in
 * ModelSpec layout): use it if you hold it, hash verified; otherwise FETCH it on the bulk
 * channel. Never work on weights whose sha256 you have not checked against
 * model_version.sha256. A node that cannot do a task declines it (Decline) rather than
 * letting it time out.
 */
export interface Task__Output {
  'round': (number);
  'kind': (_cohort_v1_TaskKind__Output);
  'model': (_cohort_v1_ModelSpec__Output | null);
  'train': (_cohort_v1_TrainConfig__Output | null);
  'numParameters': (number);
  /**
   * Unix milliseconds after which the coordinator stops waiting for this task: a train
   * stage then closes with the updates it has (and sends CancelTask to the rest), an
   * evaluation stage with the reports it has.
   */
  'deadlineMs': (number);
  /**
   * Seed of the node's local shuffling (see TrainConfig), so a round is reproducible.
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
   * P, in milliseconds: how long the node may take to take one message of its Join
   * stream. The same P bounds uploads and model transfers on the bulk channel
   * (BulkReady.progress_timeout_ms). Default 10,000.
   */
  'progressTimeoutMs': (number);
  /**
   * Plain train tasks: an update whose L2 norm exceeds this is scaled down to it by the
   * coordinator before it is averaged (a node may clip it itself). 0 when not set
   * (private rounds use PrivacyConfig.clip_norm, secure rounds FixedPoint.clip_norm).
   */
  'maxUpdateNorm': (number);
  /**
   * Present with secagg: the coordinator's current revocation list. A node
   * refuses the round without it (see SignedRevocationList for every check).
   */
  'revocations': (_cohort_v1_SignedRevocationList__Output | null);
  /**
   * The global model this task is about (see above).
   */
  'modelVersion': (_cohort_v1_ModelVersion__Output | null);
  /**
   * Train tasks: how the node must encode its UPDATE (F32 unless the round was launched
   * with --compress; secure rounds always F32).
   */
  'updateEncoding': (_cohort_v1_TensorEncoding__Output);
}
