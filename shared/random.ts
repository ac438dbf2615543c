/**
 * Randomness, injected separately from the clock. `secureRandom` (the OS CSPRNG) is
 * the only source allowed for keys, masks, noise and node sampling; `SeededRandom` is
 * for reproducible training shuffles, data splits and tests.
 */
import { randomFillSync } from 'node:crypto';

/** A source of uniform random values. */
export interface RandomSource {
  /** Uniform float in [0, 1) with 53 random bits. */
  nextFloat(): number;
  /** Uniform integer in [0, n), without modulo bias. `n` must be in [1, 2^32]. */
  nextInt(n: number): number;
  /** Fill `out` with uniform random bytes. */
  fillBytes(out: Uint8Array): void;
}

function uniformInt(next32: () => number, n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > 2 ** 32) throw new RangeError(`nextInt bound must be an integer in [1, 2^32], got ${n}`);
  // Rejection sampling: discard the top sliver that would bias the modulo.
  const limit = 2 ** 32 - (2 ** 32 % n);
  for (;;) {
    const x = next32();
    if (x < limit) return x % n;
  }
}

const POOL_WORDS = 1024;

/** The OS CSPRNG, buffered to amortise the syscall. */
class SecureRandom implements RandomSource {
  private readonly pool = new Uint32Array(POOL_WORDS);
  private pos = POOL_WORDS;

  private next32(): number {
    if (this.pos === POOL_WORDS) {
      randomFillSync(this.pool);
      this.pos = 0;
    }
    return this.pool[this.pos++] as number;
  }

  nextFloat(): number {
    return ((this.next32() >>> 5) * 67108864 + (this.next32() >>> 6)) / 9007199254740992;
  }

  nextInt(n: number): number {
    return uniformInt(() => this.next32(), n);
  }

  fillBytes(out: Uint8Array): void {
    randomFillSync(out);
  }
}

/** The process-wide cryptographically secure source. */
export const secureRandom: RandomSource = new SecureRandom();

/** xoshiro128** (Blackman & Vigna): fast, seeded, NOT for anything secret. */
export class SeededRandom implements RandomSource {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number) {
    // splitmix32 expands the seed so that nearby seeds give unrelated streams.
    let x = seed >>> 0;
    const mix = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = mix();
    this.s1 = mix();
    this.s2 = mix();
    this.s3 = mix();
  }

  /** Next uniform 32-bit unsigned integer. */
  next32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    this.s0 >>>= 0;
    this.s1 >>>= 0;
    this.s2 >>>= 0;
    return result;
  }

  nextFloat(): number {
    return ((this.next32() >>> 5) * 67108864 + (this.next32() >>> 6)) / 9007199254740992;
  }

  nextInt(n: number): number {
    return uniformInt(() => this.next32(), n);
  }

  fillBytes(out: Uint8Array): void {
    for (let i = 0; i < out.length; i += 4) {
      const w = this.next32();
      for (let j = 0; j < 4 && i + j < out.length; j++) out[i + j] = (w >>> (8 * j)) & 0xff;
    }
  }

  /** A new generator derived from this one, for independent sub-streams. */
  fork(): SeededRandom {
    return new SeededRandom(this.next32());
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** Fisher–Yates shuffle of `items` in place. */
export function shuffleInPlace<T>(items: T[] | Uint32Array | Int32Array, rng: RandomSource): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    const tmp = items[i] as T;
    items[i] = items[j] as T;
    items[j] = tmp;
  }
}
