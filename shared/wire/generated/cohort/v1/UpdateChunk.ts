// Original file: proto/cohort/v1/cohort.proto


export interface UpdateChunk {
  /**
   * 0, 1, … in order.
   */
  'index'?: (number);
  /**
   * Little-endian float32 values of w_local - w_global, all finite (masked: uint32 words).
   */
  'data'?: (Buffer | Uint8Array | string);
}

export interface UpdateChunk__Output {
  /**
   * 0, 1, … in order.
   */
  'index': (number);
  /**
   * Little-endian float32 values of w_local - w_global, all finite (masked: uint32 words).
   */
  'data': (Buffer);
}
