// Original file: proto/cohort/trainer/v1/trainer.proto

import type { Long } from '@grpc/proto-loader';

/**
 * A slice of the tensor data of the request or result with this id.
 */
export interface TensorChunk {
  'request'?: (number | string | Long);
  'data'?: (Buffer | Uint8Array | string);
}

/**
 * A slice of the tensor data of the request or result with this id.
 */
export interface TensorChunk__Output {
  'request': (number);
  'data': (Buffer);
}
