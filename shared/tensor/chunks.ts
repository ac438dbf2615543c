/**
 * Tensor codec: float32 vectors travel as little-endian bytes in fixed-size chunks.
 * Decoding copies each chunk into a preallocated vector and checks every value is
 * finite while it copies, so a bad update is refused before it touches an aggregate.
 */
import { endianness } from 'node:os';
import { CohortError } from '../errors.js';

if (endianness() !== 'LE') {
  // Float32Array views use host byte order; the wire format is little-endian.
  throw new Error('Cohort requires a little-endian host');
}

/** Number of chunks needed for `length` float32 values with `chunkBytes` per chunk. */
export function chunkCount(length: number, chunkBytes: number): number {
  return Math.max(1, Math.ceil((length * 4) / chunkBytes));
}

/** Zero-copy byte views of `vector`, `chunkBytes` at a time (the last may be shorter). */
export function toChunks(vector: Float32Array, chunkBytes: number): Buffer[] {
  if (chunkBytes % 4 !== 0 || chunkBytes <= 0) throw new RangeError('chunkBytes must be a positive multiple of 4');
  const total = vector.length * 4;
  const chunks: Buffer[] = [];
  for (let off = 0; off < total || chunks.length === 0; off += chunkBytes) {
    chunks.push(Buffer.from(vector.buffer, vector.byteOffset + off, Math.min(chunkBytes, total - off)));
  }
  return chunks;
}

/** Index of the first NaN or ±Infinity in `v[from, to)`, or -1. */
export function firstNonFinite(v: Float32Array, from = 0, to = v.length): number {
  for (let i = from; i < to; i++) {
    const x = v[i] as number;
    // x - x is NaN exactly for NaN and ±Infinity; cheaper than Number.isFinite per element.
    if (x - x !== 0) return i;
  }
  return -1;
}

/**
 * Reassembles a vector from chunks that must arrive in order, each checked for size and
 * finiteness. Errors are `invalid_argument` with a message that says what was wrong.
 */
export class ChunkAssembler {
  readonly vector: Float32Array;
  private readonly bytes: Uint8Array;
  private nextIndex = 0;
  private filled = 0;

  /**
   * @param length number of float32 values expected
   * @param chunkBytes size of every chunk but the last
   * @param target optional preallocated vector of exactly `length` values (reused buffers)
   * @param checkFinite false for masked secure-aggregation words, where every bit pattern is valid
   */
  constructor(
    readonly length: number,
    readonly chunkBytes: number,
    target?: Float32Array,
    private readonly checkFinite = true,
  ) {
    if (target && target.length !== length) throw new RangeError('target has the wrong length');
    this.vector = target ?? new Float32Array(length);
    this.bytes = new Uint8Array(this.vector.buffer, this.vector.byteOffset, length * 4);
  }

  /** Number of chunks the sender must send. */
  get expectedChunks(): number {
    return chunkCount(this.length, this.chunkBytes);
  }

  /** True once every value has arrived. */
  get complete(): boolean {
    return this.filled === this.length * 4;
  }

  /** Copy chunk `index` into place after checking its position, size and values. */
  accept(index: number, data: Uint8Array): void {
    if (index !== this.nextIndex) {
      throw new CohortError('invalid_argument', `chunk ${index} arrived out of order (expected chunk ${this.nextIndex})`);
    }
    // Checked by count, not by remaining bytes: an extra empty chunk must be refused too.
    if (this.nextIndex >= this.expectedChunks) {
      throw new CohortError('invalid_argument', `unexpected chunk ${index}: the vector of ${this.length} values is already complete`);
    }
    const expected = Math.min(this.chunkBytes, this.length * 4 - this.filled);
    if (data.byteLength !== expected) {
      throw new CohortError('invalid_argument', `chunk ${index} has ${data.byteLength} bytes, expected ${expected}`);
    }
    const from = this.filled / 4;
    this.bytes.set(data, this.filled);
    const bad = this.checkFinite ? firstNonFinite(this.vector, from, from + expected / 4) : -1;
    if (bad >= 0) {
      throw new CohortError('invalid_argument', `value ${bad} is ${String(this.vector[bad])}: updates must be finite`);
    }
    this.filled += expected;
    this.nextIndex += 1;
  }

  /** The finished vector; throws if values are missing (a truncated stream). */
  finish(): Float32Array {
    if (!this.complete) {
      throw new CohortError(
        'invalid_argument',
        `vector truncated: received ${this.filled / 4} of ${this.length} values`,
      );
    }
    return this.vector;
  }
}
