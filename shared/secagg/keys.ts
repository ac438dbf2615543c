/**
 * Key agreement and share encryption (Bonawitz et al. 2017, §4): X25519 between two
 * nodes' advertised keys, HKDF-SHA256 bound to the round, the two node ids in canonical
 * order and the purpose ('mask' for pairwise masks from the s-keys, 'enc' for share
 * encryption from the c-keys), and AES-256-GCM whose associated data binds round,
 * sender, receiver and stage, so a ciphertext replayed elsewhere fails to decrypt.
 */
import { createCipheriv, createDecipheriv, createPrivateKey, createPublicKey, diffieHellman, hkdfSync, type KeyObject } from 'node:crypto';
import { CohortError } from '../errors.js';
import type { RandomSource } from '../random.js';
import { compareIds, encodeFields } from './bytes.js';

/** Bytes of a raw X25519 public or private key. */
export const X25519_KEY_BYTES = 32;
/** Bytes of a GCM nonce and tag around every encrypted share. */
export const GCM_NONCE_BYTES = 12;
export const GCM_TAG_BYTES = 16;

const HKDF_SALT = Buffer.from('cohort-secagg-v1');
// JWK import is ~15x faster than DER here. Node requires `x` on a private OKP JWK but
// derives the public key from `d` (the RFC 7748 test vectors check this), so a
// placeholder is passed.
const PLACEHOLDER_X = Buffer.alloc(X25519_KEY_BYTES).toString('base64url');
const privateCache = new WeakMap<Uint8Array, KeyObject>();
const publicCache = new WeakMap<Uint8Array, KeyObject>();

/** A raw X25519 key pair. */
export interface X25519KeyPair {
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

/** What a derived key is for; keys for different purposes are independent. */
export type KeyPurpose = 'mask' | 'enc';

function b64url(raw: Uint8Array): string {
  return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64url');
}

// Key objects are cached per byte array (parsed messages are copies, so an array is
// never mutated after first use); a node reuses its own and each peer's key many times.
function privateKeyObject(raw: Uint8Array): KeyObject {
  if (raw.length !== X25519_KEY_BYTES) throw new CohortError('invalid_argument', 'X25519 private key must be 32 bytes');
  let key = privateCache.get(raw);
  if (key === undefined) {
    key = createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: b64url(raw), x: PLACEHOLDER_X }, format: 'jwk' });
    privateCache.set(raw, key);
  }
  return key;
}

function publicKeyObject(raw: Uint8Array): KeyObject {
  if (raw.length !== X25519_KEY_BYTES) throw new CohortError('invalid_argument', 'X25519 public key must be 32 bytes');
  let key = publicCache.get(raw);
  if (key === undefined) {
    key = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b64url(raw) }, format: 'jwk' });
    publicCache.set(raw, key);
  }
  return key;
}

/** The raw public key of a raw private key. */
export function x25519PublicKey(privateKey: Uint8Array): Uint8Array {
  const jwk = createPublicKey(privateKeyObject(privateKey)).export({ format: 'jwk' });
  if (typeof jwk.x !== 'string') throw new CohortError('internal', 'X25519 public key export failed');
  return new Uint8Array(Buffer.from(jwk.x, 'base64url'));
}

/**
 * A fresh key pair whose private key comes from `rng` (the injected source, so keys
 * follow the same randomness policy as masks; X25519 clamps the scalar itself).
 */
export function generateX25519(rng: RandomSource): X25519KeyPair {
  const privateKey = new Uint8Array(X25519_KEY_BYTES);
  rng.fillBytes(privateKey);
  return { privateKey, publicKey: x25519PublicKey(privateKey) };
}

/** The X25519 shared secret; refuses low-order public keys (all-zero output). */
export function x25519(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  let shared: Buffer;
  try {
    shared = diffieHellman({ privateKey: privateKeyObject(privateKey), publicKey: publicKeyObject(publicKey) });
  } catch (err) {
    throw new CohortError('invalid_argument', 'key agreement failed', { cause: err });
  }
  if (shared.every((b) => b === 0)) throw new CohortError('invalid_argument', 'key agreement failed');
  return new Uint8Array(shared);
}

/** The context a pairwise key is bound to. */
export interface KeyContext {
  readonly roundId: string;
  /** The two node ids, in either order (they are put in canonical order). */
  readonly a: string;
  readonly b: string;
  readonly purpose: KeyPurpose;
}

/** HKDF-SHA256 of a shared secret into a 32-byte key bound to round, pair and purpose. */
export function deriveKey(shared: Uint8Array, ctx: KeyContext): Uint8Array {
  const [lo, hi] = compareIds(ctx.a, ctx.b) <= 0 ? [ctx.a, ctx.b] : [ctx.b, ctx.a];
  const info = encodeFields('cohort-secagg-key', ctx.purpose, ctx.roundId, lo, hi);
  return new Uint8Array(hkdfSync('sha256', shared, HKDF_SALT, info, 32));
}

/** X25519 followed by `deriveKey`. */
export function agreeKey(privateKey: Uint8Array, peerPublicKey: Uint8Array, ctx: KeyContext): Uint8Array {
  return deriveKey(x25519(privateKey, peerPublicKey), ctx);
}

/** Associated data for an encrypted share: round, sender, receiver and stage. */
export function shareAad(roundId: string, sender: string, receiver: string, stage: number): Uint8Array {
  return encodeFields('cohort-secagg-share', roundId, sender, receiver, stage);
}

/** AES-256-GCM: nonce (12, from `rng`) ‖ ciphertext ‖ tag (16). */
export function seal(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array, rng: RandomSource): Uint8Array {
  const nonce = new Uint8Array(GCM_NONCE_BYTES);
  rng.fillBytes(nonce);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const out = new Uint8Array(GCM_NONCE_BYTES + body.length + GCM_TAG_BYTES);
  out.set(nonce, 0);
  out.set(body, GCM_NONCE_BYTES);
  out.set(cipher.getAuthTag(), GCM_NONCE_BYTES + body.length);
  return out;
}

/** Open a box made by `seal`; undefined when the key, the associated data or the bytes are wrong. */
export function open(key: Uint8Array, box: Uint8Array, aad: Uint8Array): Uint8Array | undefined {
  if (box.length < GCM_NONCE_BYTES + GCM_TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, box.subarray(0, GCM_NONCE_BYTES), { authTagLength: GCM_TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(box.subarray(box.length - GCM_TAG_BYTES));
    const body = box.subarray(GCM_NONCE_BYTES, box.length - GCM_TAG_BYTES);
    return new Uint8Array(Buffer.concat([decipher.update(body), decipher.final()]));
  } catch {
    return undefined; // authentication failure: the reason is deliberately not distinguished
  }
}
