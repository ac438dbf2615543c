// Original file: proto/cohort/v1/cohort.proto


/**
 * A node's two X25519 public keys, signed (advert data above). The sender is
 * the caller's certificate name when a node sends it.
 */
export interface AdvertiseKeys {
  'sender'?: (string);
  'cPublicKey'?: (Buffer | Uint8Array | string);
  'sPublicKey'?: (Buffer | Uint8Array | string);
  'signature'?: (Buffer | Uint8Array | string);
}

/**
 * A node's two X25519 public keys, signed (advert data above). The sender is
 * the caller's certificate name when a node sends it.
 */
export interface AdvertiseKeys__Output {
  'sender': (string);
  'cPublicKey': (Buffer);
  'sPublicKey': (Buffer);
  'signature': (Buffer);
}
