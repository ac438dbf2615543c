/**
 * Shamir secret sharing (Shamir 1979) over GF(p), p = 2^127 − 1 (a Mersenne prime, so
 * reduction is two shift-and-add folds). A secret is split into 15-byte chunks (< 2^120,
 * so a reconstructed chunk outside that range exposes inconsistent shares); every chunk
 * is an independent polynomial evaluated at the same x-coordinates. Lagrange
 * coefficients depend only on the x-coordinates, so callers reconstructing many secrets
 * from the same holders compute them once (`lagrangeAtZero`) and reuse them.
 */
import { CohortError } from '../errors.js';
import type { RandomSource } from '../random.js';

/** The field modulus 2^127 − 1. */
export const FIELD_PRIME = (1n << 127n) - 1n;
const P = FIELD_PRIME;
const CHUNK_BYTES = 15;
const Y_BYTES = 16;
/** Largest x-coordinate (x is sent as 16 bits). */
export const MAX_X = 65535;

/** One holder's share of one secret. */
export interface ShamirShare {
  /** The holder's x-coordinate, in [1, 65535]. */
  readonly x: number;
  /** Length in bytes of the shared secret (public). */
  readonly secretLength: number;
  /** One field element per 15-byte chunk of the secret. */
  readonly ys: readonly bigint[];
}

/** x mod p for 0 ≤ x < 2^254·2^16 (two folds leave at most p + 2^17, one subtraction ends it). */
function reduce(x: bigint): bigint {
  x = (x & P) + (x >> 127n);
  x = (x & P) + (x >> 127n);
  return x >= P ? x - P : x;
}

function mulmod(a: bigint, b: bigint): bigint {
  return reduce(a * b);
}

function powmod(base: bigint, exp: bigint): bigint {
  let result = 1n;
  let b = base;
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = mulmod(result, b);
    b = mulmod(b, b);
    e >>= 1n;
  }
  return result;
}

function invmod(a: bigint): bigint {
  return powmod(a, P - 2n); // Fermat: p is prime and a ≠ 0
}

/** Big-endian bytes to a bigint (via hex: one parse instead of a shift per byte). */
function fromBytes(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt('0x' + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex'));
}

/** A bigint below 2^(8·length) to `length` big-endian bytes at `out[offset…]`. */
function toBytes(v: bigint, out: Uint8Array, offset: number, length: number): void {
  if (length === 0) return;
  out.set(Buffer.from(v.toString(16).padStart(2 * length, '0'), 'hex'), offset);
}

function randomElement(rng: RandomSource, buf: Uint8Array): bigint {
  for (;;) {
    rng.fillBytes(buf);
    const v = fromBytes(buf) & P; // 127 random bits; reject the single value p itself
    if (v !== P) return v;
  }
}

function chunkCount(secretLength: number): number {
  return Math.max(1, Math.ceil(secretLength / CHUNK_BYTES));
}

function secretChunks(secret: Uint8Array): bigint[] {
  const chunks: bigint[] = [];
  const n = chunkCount(secret.length);
  for (let c = 0; c < n; c++) chunks.push(fromBytes(secret.subarray(c * CHUNK_BYTES, (c + 1) * CHUNK_BYTES)));
  return chunks;
}

function checkXs(xs: readonly number[]): void {
  const seen = new Set<number>();
  for (const x of xs) {
    if (!Number.isInteger(x) || x < 1 || x > MAX_X) throw new CohortError('invalid_argument', `share x-coordinate must be an integer in [1, ${MAX_X}], got ${x}`);
    if (seen.has(x)) throw new CohortError('invalid_argument', `duplicate share x-coordinate ${x}`);
    seen.add(x);
  }
}

/** Split each secret into shares at `xs` with threshold `t`; result[i][j] is secret i's share for xs[j]. */
export function shareMany(secrets: readonly Uint8Array[], t: number, xs: readonly number[], rng: RandomSource): ShamirShare[][] {
  checkXs(xs);
  if (!Number.isInteger(t) || t < 1 || t > xs.length) {
    throw new CohortError('invalid_argument', `threshold must be an integer in [1, ${xs.length}], got ${t}`);
  }
  const buf = new Uint8Array(16);
  const bigXs = xs.map((x) => BigInt(x));
  return secrets.map((secret) => {
    if (secret.length > MAX_X) throw new CohortError('invalid_argument', 'secret too long');
    // One polynomial per chunk: the constant term is the chunk, the rest uniform.
    const polys = secretChunks(secret).map((c) => {
      const coeffs = [c];
      for (let i = 1; i < t; i++) coeffs.push(randomElement(rng, buf));
      return coeffs;
    });
    return bigXs.map((x, j) => ({
      x: xs[j] as number,
      secretLength: secret.length,
      ys: polys.map((coeffs) => {
        let y = 0n;
        for (let i = coeffs.length - 1; i >= 0; i--) y = reduce(y * x + (coeffs[i] as bigint));
        return y;
      }),
    }));
  });
}

/** Split `secret` into one share per x in `xs`, any `t` of which reconstruct it. */
export function share(secret: Uint8Array, t: number, xs: readonly number[], rng: RandomSource): ShamirShare[] {
  return shareMany([secret], t, xs, rng)[0] as ShamirShare[];
}

/** Lagrange coefficients λ_i with f(0) = Σ λ_i·f(x_i), for distinct x-coordinates. */
export function lagrangeAtZero(xs: readonly number[]): bigint[] {
  checkXs(xs);
  const bx = xs.map((x) => BigInt(x));
  const nums: bigint[] = [];
  const dens: bigint[] = [];
  bx.forEach((xi, i) => {
    let num = 1n;
    let den = 1n;
    bx.forEach((xj, j) => {
      if (j === i) return;
      num = mulmod(num, xj);
      den = mulmod(den, reduce(xj - xi + P));
    });
    nums.push(num);
    dens.push(den);
  });
  // Montgomery's trick: one inversion for all denominators.
  const prefix: bigint[] = [];
  let acc = 1n;
  for (const d of dens) {
    prefix.push(acc);
    acc = mulmod(acc, d);
  }
  let inv = invmod(acc);
  const out = new Array<bigint>(dens.length);
  for (let i = dens.length - 1; i >= 0; i--) {
    out[i] = mulmod(nums[i] as bigint, mulmod(inv, prefix[i] as bigint));
    inv = mulmod(inv, dens[i] as bigint);
  }
  return out;
}

/**
 * Reconstruct from shares whose x-coordinates are exactly those `coefficients` were
 * computed for (same order). Throws `invalid_argument` when the shares disagree on
 * shape or when a reconstructed chunk is out of range (inconsistent or too few shares).
 */
export function reconstructWith(shares: readonly ShamirShare[], coefficients: readonly bigint[]): Uint8Array {
  if (shares.length !== coefficients.length || shares.length === 0) {
    throw new CohortError('invalid_argument', 'one Lagrange coefficient per share is needed');
  }
  const first = shares[0] as ShamirShare;
  const n = chunkCount(first.secretLength);
  for (const s of shares) {
    if (s.secretLength !== first.secretLength || s.ys.length !== n) throw new CohortError('invalid_argument', 'shares of different secrets cannot be combined');
  }
  const out = new Uint8Array(first.secretLength);
  for (let c = 0; c < n; c++) {
    let v = 0n;
    for (let i = 0; i < shares.length; i++) v += (coefficients[i] as bigint) * ((shares[i] as ShamirShare).ys[c] as bigint);
    v = reduce(v); // two folds suffice: the sum is below t·2^254 with t < 2^16
    const len = Math.min(CHUNK_BYTES, first.secretLength - c * CHUNK_BYTES);
    if (len <= 0 ? v !== 0n : v >> BigInt(8 * len) !== 0n) {
      throw new CohortError('invalid_argument', 'shares are inconsistent: the reconstructed value is out of range');
    }
    toBytes(v, out, c * CHUNK_BYTES, Math.max(0, len));
  }
  return out;
}

/** Reconstruct the secret from any `t` of its shares (uses the first `t`); fewer are refused. */
export function reconstruct(shares: readonly ShamirShare[], t: number): Uint8Array {
  if (!Number.isInteger(t) || t < 1) throw new CohortError('invalid_argument', `threshold must be an integer ≥ 1, got ${t}`);
  if (shares.length < t) throw new CohortError('invalid_argument', `need at least ${t} shares to reconstruct, got ${shares.length}`);
  const used = shares.slice(0, t);
  return reconstructWith(used, lagrangeAtZero(used.map((s) => s.x)));
}

/** Serialise a share: x (u16 BE) ‖ secret length (u16 BE) ‖ 16-byte BE field elements. */
export function encodeShare(s: ShamirShare): Uint8Array {
  const out = new Uint8Array(4 + Y_BYTES * s.ys.length);
  const view = new DataView(out.buffer);
  view.setUint16(0, s.x);
  view.setUint16(2, s.secretLength);
  s.ys.forEach((y, c) => toBytes(y, out, 4 + c * Y_BYTES, Y_BYTES));
  return out;
}

/** Parse a serialised share, checking its length, x-coordinate and field range; undefined when malformed. */
export function decodeShare(bytes: Uint8Array): ShamirShare | undefined {
  if (!(bytes instanceof Uint8Array) || bytes.length < 4) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const x = view.getUint16(0);
  const secretLength = view.getUint16(2);
  const n = chunkCount(secretLength);
  if (x < 1 || bytes.length !== 4 + Y_BYTES * n) return undefined;
  const ys: bigint[] = [];
  for (let c = 0; c < n; c++) {
    const v = fromBytes(bytes.subarray(4 + c * Y_BYTES, 4 + (c + 1) * Y_BYTES));
    if (v >= P) return undefined;
    ys.push(v);
  }
  return { x, secretLength, ys };
}

/** Bytes of an encoded share of a `secretLength`-byte secret. */
export function encodedShareBytes(secretLength: number): number {
  return 4 + Y_BYTES * chunkCount(secretLength);
}
