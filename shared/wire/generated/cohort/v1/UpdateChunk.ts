// Original file: proto/cohort/v1/cohort.proto


export interface UpdateChunk {
  'index'?: (number);
  /**
   * Little-endian float32 values of w_local - w_global.
   */
  'data'?: (Buffer | Uint8Array | string);
}

export interface UpdateChunk__Output {
  'index': (number);
  /**
   * Little-endian float32 values of w_local - w_global.
   */
  'data': (Buffer);
}
