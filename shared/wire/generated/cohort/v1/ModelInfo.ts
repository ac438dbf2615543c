// Original file: proto/cohort/v1/cohort.proto

import type { Long } from '@grpc/proto-loader';

export interface ModelInfo {
  'round'?: (number | string | Long);
  'timeMs'?: (number | string | Long);
  'hasAccuracy'?: (boolean);
  'accuracy'?: (number | string);
  /**
   * Total epsilon spent when the model was committed.
   */
  'hasEpsilon'?: (boolean);
  'epsilon'?: (number | string);
  /**
   * sha256 of the weights file (raw little-endian float32).
   */
  'sha256'?: (string);
  'numParameters'?: (number);
  /**
   * manifest_sha256 of the model (see ModelSpec); "" for checkpoints written before
   * manifests were recorded.
   */
  'manifestSha256'?: (string);
}

export interface ModelInfo__Output {
  'round': (number);
  'timeMs': (number);
  'hasAccuracy': (boolean);
  'accuracy': (number);
  /**
   * Total epsilon spent when the model was committed.
   */
  'hasEpsilon': (boolean);
  'epsilon': (number);
  /**
   * sha256 of the weights file (raw little-endian float32).
   */
  'sha256': (string);
  'numParameters': (number);
  /**
   * manifest_sha256 of the model (see ModelSpec); "" for checkpoints written before
   * manifests were recorded.
   */
  'manifestSha256': (string);
}
