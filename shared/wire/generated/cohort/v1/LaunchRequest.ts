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
   * Seconds to wait for min_nodes to be connected before a round starts.
   */
  'waitForNodesMs'?: (number);
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
   * Seconds to wait for min_nodes to be connected before a round starts.
   */
  'waitForNodesMs': (number);
}
