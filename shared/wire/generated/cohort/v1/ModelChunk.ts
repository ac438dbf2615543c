// Original file: proto/cohort/v1/cohort.proto

import type { ModelInfo as _cohort_v1_ModelInfo, ModelInfo__Output as _cohort_v1_ModelInfo__Output } from '../../cohort/v1/ModelInfo.js';

/**
 * One ModelInfo header, then the weights as little-endian float32 chunks, in the
 * layout of the model's manifest (ListModelsReply.model; ModelInfo.manifest_sha256).
 */
export interface ModelChunk {
  'info'?: (_cohort_v1_ModelInfo | null);
  'data'?: (Buffer | Uint8Array | string);
  'body'?: "info"|"data";
}

/**
 * One ModelInfo header, then the weights as little-endian float32 chunks, in the
 * layout of the model's manifest (ListModelsReply.model; ModelInfo.manifest_sha256).
 */
export interface ModelChunk__Output {
  'info'?: (_cohort_v1_ModelInfo__Output | null);
  'data'?: (Buffer);
  'body'?: "info"|"data";
}
