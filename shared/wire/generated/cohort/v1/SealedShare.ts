// Original file: proto/cohort/v1/cohort.proto


/**
 * An encrypted pair of Shamir shares between two neighbours; `peer` is the
 * receiver when a node sends it and the sender when it is delivered.
 */
export interface SealedShare {
  'peer'?: (string);
  'ciphertext'?: (Buffer | Uint8Array | string);
}

/**
 * An encrypted pair of Shamir shares between two neighbours; `peer` is the
 * receiver when a node sends it and the sender when it is delivered.
 */
export interface SealedShare__Output {
  'peer': (string);
  'ciphertext': (Buffer);
}
