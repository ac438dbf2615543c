// Original file: proto/cohort/v1/cohort.proto

import type { TaskKind as _cohort_v1_TaskKind, TaskKind__Output as _cohort_v1_TaskKind__Output } from '../../cohort/v1/TaskKind.js';
import type { ModelSpec as _cohort_v1_ModelSpec, ModelSpec__Output as _cohort_v1_ModelSpec__Output } from '../../cohort/v1/ModelSpec.js';
import type { TrainConfig as _cohort_v1_TrainConfig, TrainConfig__Output as _cohort_v1_TrainConfig__Output } from '../../cohort/v1/TrainConfig.js';
import type { SecAggSetup as _cohort_v1_SecAggSetup, SecAggSetup__Output as _cohort_v1_SecAggSetup__Output } from '../../cohort/v1/SecAggSetup.js';
import type { PrivacyConfig as _cohort_v1_PrivacyConfig, PrivacyConfig__Output as _cohort_v1_PrivacyConfig__Output } from '../../cohort/v1/PrivacyConfig.js';
import type { SignedRevocationList as _cohort_v1_SignedRevocationList, SignedRevocationList__Output as _cohort_v1_SignedRevocationList__Output } from '../../cohort/v1/SignedRevocationList.js';
import type { Long } from '@grpc/proto-loader';

/**
 * Announces a task; exactly chunk_count WeightsChunk messages follow, holding the
 * global weights the task is about (num_parameters float32 values in ModelSpec layout).
 * A node that cannot do a task declines it (Decline) rather than letting it time out.
 */
export interface Task {
  'round'?: (number | string | Long);
  'kind'?: (_cohort_v1_TaskKind);
  'model'?: (_cohort_v1_ModelSpec | null);
  'train'?: (_cohort_v1_TrainConfig | null);
  'numParameters'?: (number);
  'chunkCount'?: (number);
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
   * Bytes of every chunk but the last, in both directions (262,144 in this version).
   */
  'chunkBytes'?: (number);
  /**
   * P, in milliseconds. The coordinator starts reading an upload once one of its
   * --upload-slots is free (until then HTTP/2 flow control holds the node's writes, and
   * no time counts against the node). From then on every message of the upload must
   * arrive within P of the previous one (the first within P of the start), and the
   * whole update within P · (1 + ceil(chunk_count / 4)), i.e. at least one chunk per P
   * and on average four; otherwise the upload ends with DEADLINE_EXCEEDED and the node
   * is out of the round. P also bounds how long the node may take to take one message of
   * its Join stream. Default 10,000 (256 KiB in 10 s is 26 KiB/s).
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
}

/**
 * Announces a task; exactly chunk_count WeightsChunk messages follow, holding the
 * global weights the task is about (num_parameters float32 values in ModelSpec layout).
 * A node that cannot do a task declines it (Decline) rather than letting it time out.
 */
export interface Task__Output {
  'round': (number);
  'kind': (_cohort_v1_TaskKind__Output);
  'model': (_cohort_v1_ModelSpec__Output | null);
  'train': (_cohort_v1_TrainConfig__Output | null);
  'numParameters': (number);
  'chunkCount': (number);
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
   * Bytes of every chunk but the last, in both directions (262,144 in this version).
   */
  'chunkBytes': (number);
  /**
   * P, in milliseconds. The coordinator starts reading an upload once one of its
   * --upload-slots is free (until then HTTP/2 flow control holds the node's writes, and
   * no time counts against the node). From then on every message of the upload must
   * arrive within P of the previous one (the first within P of the start), and the
   * whole update within P · (1 + ceil(chunk_count / 4)), i.e. at least one chunk per P
   * and on average four; otherwise the upload ends with DEADLINE_EXCEEDED and the node
   * is out of the round. P also bounds how long the node may take to take one message of
   * its Join stream. Default 10,000 (256 KiB in 10 s is 26 KiB/s).
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
}
