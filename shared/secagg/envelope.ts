/** The plaintext of a stage-2 box: one node's two shares (self-mask seed and s-key) for one neighbour. */
import { decodeFields, encodeFields } from './bytes.js';
import { GCM_NONCE_BYTES, GCM_TAG_BYTES, X25519_KEY_BYTES } from './keys.js';
import { SEED_BYTES } from './prg.js';
import { decodeShare, encodeShare, encodedShareBytes, type ShamirShare } from './shamir.js';

/** The two shares a neighbour holds for one node. */
export interface ShareBundle {
  /** Share of the self-mask seed b (revealed if the owner survives). */
  readonly selfMask: ShamirShare;
  /** Share of the s private key (revealed if the owner dropped). */
  readonly key: ShamirShare;
}

/** Exact size of a stage-2 box, so the coordinator can refuse malformed ones before routing. */
export const SHARE_BOX_BYTES = GCM_NONCE_BYTES + 8 + encodedShareBytes(SEED_BYTES) + encodedShareBytes(X25519_KEY_BYTES) + GCM_TAG_BYTES;

/** Serialise a bundle for encryption. */
export function packShares(bundle: ShareBundle): Uint8Array {
  return encodeFields(encodeShare(bundle.selfMask), encodeShare(bundle.key));
}

/** Parse a decrypted bundle, requiring both shares to be at `x` and of 32-byte secrets. */
export function unpackShares(plaintext: Uint8Array, x: number): ShareBundle | undefined {
  const fields = decodeFields(plaintext);
  if (fields?.length !== 2) return undefined;
  const selfMask = decodeShare(fields[0] as Uint8Array);
  const key = decodeShare(fields[1] as Uint8Array);
  if (selfMask?.x !== x || key?.x !== x || selfMask.secretLength !== SEED_BYTES || key.secretLength !== X25519_KEY_BYTES) return undefined;
  return { selfMask, key };
}
