// Original file: proto/cohort/v1/bulk.proto

import type { Long } from '@grpc/proto-loader';

/**
 * One committed global model: the round that committed it (0 for the coordinator's initial
 * weights) and the sha256 of its weights as little-endian float32 values (32 bytes). The
 * hash, not the round, identifies the weights: a coordinator restarted without its data dir
 * starts again at round 0 with other weights.
 */
export interface ModelVersion {
  'round'?: (number | string | Long);
  'sha256'?: (Buffer | Uint8Array | string);
}

/**
 * One committed global model: the round that committed it (0 for the coordinator's initial
 * weights) and the sha256 of its weights as little-endian float32 values (32 bytes). The
 * hash, not the round, identifies the weights: a coordinator restarted without its data dir
 * starts again at round 0 with other weights.
 */
export interface ModelVersion__Output {
  'round': (number);
  'sha256': (Buffer);
}
