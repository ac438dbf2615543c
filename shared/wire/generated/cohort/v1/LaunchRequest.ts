// Original file: proto/cohort/v1/cohort.proto

import type { TrainConfig as _cohort_v1_TrainConfig, TrainConfig__Output as _cohort_v1_TrainConfig__Output } from '../../cohort/v1/TrainConfig.js';

export interface LaunchRequest {
  'rounds'?: (number);
  'minNodes'?: (number);
  /**
   * Poisson sampling rate q in (0, 1].
   */
  'sampleRate'?: (number | string);
  'detach'?: (boolean);
  /**
   * Zero fields keep the coordinator's defaults.
   */
  'train'?: (_cohort_v1_TrainConfig | null);
  'trainTimeoutMs'?: (number);
  'evalTimeoutMs'?: (number);
  /**
   * Milliseconds to wait for min_nodes to be connected before a round starts.
   */
  'waitForNodesMs'?: (number);
  /**
   * Secure aggregation (SecAgg+): the coordinator sees only the survivors' sum.
   */
  'secureAggregation'?: (boolean);
  /**
   * Shamir threshold and neighbours per node; 0 = chosen from n and dropout rate.
   */
  'threshold'?: (number);
  'neighbours'?: (number);
  /**
   * L2 bound of each update: plain rounds scale larger updates down to it, secure and
   * private rounds require nodes to clip to it (fixed-point range, DP sensitivity);
   * 0 = default.
   */
  'clipNorm'?: (number | string);
  /**
   * Milliseconds per secure-aggregation stage after training; 0 = default.
   */
  'secaggStageTimeoutMs'?: (number);
  /**
   * Differential privacy: noise multiplier sigma (0 = the coordinator's default).
   */
  'noiseMultiplier'?: (number | string);
  /**
   * "distributed" or "central" ("" = default).
   */
  'noise'?: (string);
  /**
   * Adaptive clipping (Andrew et al. 2021): clip_norm is the starting value.
   */
  'adaptiveClip'?: (boolean);
  'clipQuantile'?: (number | string);
  'clipLearningRate'?: (number | string);
  /**
   * Plain rounds: "fedavg" (example-weighted, capped shares), "trimmed-mean" or "median"
   * (coordinate-wise, unweighted; they keep every update: nodes × d × 4 bytes, at most
   * 256 MiB). "" = the coordinator's default.
   */
  'aggregator'?: (string);
  /**
   * Trimmed mean: fraction of values dropped at each end of every coordinate, in
   * (0, 0.5); 0 = the coordinator's default (0.1).
   */
  'trimFraction'?: (number | string);
  /**
   * Update compression for plain rounds: "int8", "fp16" or "" (none). Refused with
   * secure aggregation or differential privacy. Nodes send their updates quantised
   * (bulk.proto TensorEncoding), and the round's global update is quantised the same
   * way before it is committed, so nodes holding the previous model receive the new one
   * as that quantised delta.
   */
  'compress'?: (string);
  /**
   * Over-selection for plain, non-private rounds: the train stage closes as soon as this
   * many valid updates are in; the other selected nodes get CancelTask, and an upload of
   * theirs still in progress is answered with bulk ERROR failed_precondition (its payload
   * is read and dropped, the connection stays open). 0 = wait for every selected node (until
   * the train deadline). Must be at least min_nodes; refused with secure aggregation or
   * differential privacy, whose participants are fixed when the round starts.
   */
  'targetUpdates'?: (number);
}

export interface LaunchRequest__Output {
  'rounds': (number);
  'minNodes': (number);
  /**
   * Poisson sampling rate q in (0, 1].
   */
  'sampleRate': (number);
  'detach': (boolean);
  /**
   * Zero fields keep the coordinator's defaults.
   */
  'train': (_cohort_v1_TrainConfig__Output | null);
  'trainTimeoutMs': (number);
  'evalTimeoutMs': (number);
  /**
   * Milliseconds to wait for min_nodes to be connected before a round starts.
   */
  'waitForNodesMs': (number);
  /**
   * Secure aggregation (SecAgg+): the coordinator sees only the survivors' sum.
   */
  'secureAggregation': (boolean);
  /**
   * Shamir threshold and neighbours per node; 0 = chosen from n and dropout rate.
   */
  'threshold': (number);
  'neighbours': (number);
  /**
   * L2 bound of each update: plain rounds scale larger updates down to it, secure and
   * private rounds require nodes to clip to it (fixed-point range, DP sensitivity);
   * 0 = default.
   */
  'clipNorm': (number);
  /**
   * Milliseconds per secure-aggregation stage after training; 0 = default.
   */
  'secaggStageTimeoutMs': (number);
  /**
   * Differential privacy: noise multiplier sigma (0 = the coordinator's default).
   */
  'noiseMultiplier': (number);
  /**
   * "distributed" or "central" ("" = default).
   */
  'noise': (string);
  /**
   * Adaptive clipping (Andrew et al. 2021): clip_norm is the starting value.
   */
  'adaptiveClip': (boolean);
  'clipQuantile': (number);
  'clipLearningRate': (number);
  /**
   * Plain rounds: "fedavg" (example-weighted, capped shares), "trimmed-mean" or "median"
   * (coordinate-wise, unweighted; they keep every update: nodes × d × 4 bytes, at most
   * 256 MiB). "" = the coordinator's default.
   */
  'aggregator': (string);
  /**
   * Trimmed mean: fraction of values dropped at each end of every coordinate, in
   * (0, 0.5); 0 = the coordinator's default (0.1).
   */
  'trimFraction': (number);
  /**
   * Update compression for plain rounds: "int8", "fp16" or "" (none). Refused with
   * secure aggregation or differential privacy. Nodes send their updates quantised
   * (bulk.proto TensorEncoding), and the round's global update is quantised the same
   * way before it is committed, so nodes holding the previous model receive the new one
   * as that quantised delta.
   */
  'compress': (string);
  /**
   * Over-selection for plain, non-private rounds: the train stage closes as soon as this
   * many valid updates are in; the other selected nodes get CancelTask, and an upload of
   * theirs still in progress is answered with bulk ERROR failed_precondition (its payload
   * is read and dropped, the connection stays open). 0 = wait for every selected node (until
   * the train deadline). Must be at least min_nodes; refused with secure aggregation or
   * differential privacy, whose participants are fixed when the round starts.
   */
  'targetUpdates': (number);
}
