// Original file: proto/cohort/v1/cohort.proto

import type { TaskKind as _cohort_v1_TaskKind, TaskKind__Output as _cohort_v1_TaskKind__Output } from '../../cohort/v1/TaskKind.js';
import type { ModelSpec as _cohort_v1_ModelSpec, ModelSpec__Output as _cohort_v1_ModelSpec__Output } from '../../cohort/v1/ModelSpec.js';
import type { TrainConfig as _cohort_v1_TrainConfig, TrainConfig__Output as _cohort_v1_TrainConfig__Output } from '../../cohort/v1/TrainConfig.js';
import type { SecAggSetup as _cohort_v1_SecAggSetup, SecAggSetup__Output as _cohort_v1_SecAggSetup__Output } from '../../cohort/v1/SecAggSetup.js';
import type { PrivacyConfig as _cohort_v1_PrivacyConfig, PrivacyConfig__Output as _cohort_v1_PrivacyConfig__Output } from '../../cohort/v1/PrivacyConfig.js';
import type { Long } from '@grpc/proto-loader';

/**
 * Announces a task; exactly chunk_count WeightsChunk messages follow.
 */
export interface Task {
  'round'?: (number | string | Long);
  'kind'?: (_cohort_v1_TaskKind);
  'model'?: (_cohort_v1_ModelSpec | null);
  'train'?: (_cohort_v1_TrainConfig | null);
  'numParameters'?: (number);
  'chunkCount'?: (number);
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
  'chunkBytes'?: (number);
  'progressTimeoutMs'?: (number);
  'maxUpdateNorm'?: (number | string);
}

/**
 * Announces a task; exactly chunk_count WeightsChunk messages follow.
 */
export interface Task__Output {
  'round': (number);
  'kind': (_cohort_v1_TaskKind__Output);
  'model': (_cohort_v1_ModelSpec__Output | null);
  'train': (_cohort_v1_TrainConfig__Output | null);
  'numParameters': (number);
  'chunkCount': (number);
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
  'chunkBytes': (number);
  'progressTimeoutMs': (number);
  'maxUpdateNorm': (number);
}
