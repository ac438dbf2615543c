/**
 * The mask PRG: a 32-byte seed keys AES-128-CTR (first 16 bytes the key, last 16 the
 * initial counter block) and the keystream, read as little-endian uint32 words, is the
 * mask. Masks are streamed block by block into the destination, so the memory beyond
 * the output vector is O(block), never O(d) per seed.
 */
import { createCipheriv, type Cipher } from 'node:crypto';
import { CohortError } from '../errors.js';
import { BLOCK_WORDS, blockAccumulator } from './word-ops.js';

/** Bytes of a mask seed. */
export const SEED_BYTES = 32;

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const ZEROS = Buffer.alloc(BLOCK_WORDS * 4);

/** One mask to add into a vector: PRG(seed) times sign. */
export interface MaskTerm {
  readonly seed: Uint8Array;
  readonly sign: 1 | -1;
}

const TWO_128 = 1n << 128n;

/** The counter block `blocks` AES blocks after the seed's initial one (CTR counts the whole 128 bits, big-endian). */
function counterAt(iv: Uint8Array, blocks: number): Uint8Array {
  if (blocks === 0) return iv;
  const start = BigInt('0x' + Buffer.from(iv.buffer, iv.byteOffset, iv.byteLength).toString('hex'));
  const hex = ((start + BigInt(blocks)) % TWO_128).toString(16).padStart(32, '0');
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

function keystream(seed: Uint8Array, startWord = 0): Cipher {
  if (!LITTLE_ENDIAN) throw new CohortError('internal', 'secure aggregation masks need a little-endian platform');
  if (!(seed instanceof Uint8Array) || seed.length !== SEED_BYTES) {
    throw new CohortError('invalid_argument', `mask seed must be ${SEED_BYTES} bytes`);
  }
  return createCipheriv('aes-128-ctr', seed.subarray(0, 16), counterAt(seed.subarray(16, 32), startWord / 4));
}

/**
 * acc += Σ sign·PRG(seed) (mod 2^32) over all terms, in one streaming pass over `acc`.
 * `startWord` (a multiple of 4: one AES block) says which word of each mask `acc[0]`
 * lines up with, so a vector can be unmasked in independent slices.
 */
export function addMasks(acc: Uint32Array, terms: readonly MaskTerm[], forceScalar = false, startWord = 0): void {
  if (terms.length === 0) return;
  if (!Number.isSafeInteger(startWord) || startWord < 0 || startWord % 4 !== 0) throw new CohortError('invalid_argument', 'mask offset must be a multiple of 4 words');
  // All ciphers advance together, so each block of `acc` is loaded and stored once.
  const streams = terms.map((t) => keystream(t.seed, startWord));
  const block = blockAccumulator(forceScalar);
  for (let off = 0; off < acc.length; off += BLOCK_WORDS) {
    const end = Math.min(acc.length, off + BLOCK_WORDS);
    const zeros = ZEROS.subarray(0, (end - off) * 4);
    block.begin(acc.subarray(off, end));
    for (let i = 0; i < streams.length; i++) {
      block.apply((streams[i] as Cipher).update(zeros), (terms[i] as MaskTerm).sign);
    }
    block.end();
  }
}

/** acc += sign·PRG(seed) (mod 2^32). */
export function addMask(acc: Uint32Array, seed: Uint8Array, sign: 1 | -1): void {
  addMasks(acc, [{ seed, sign }]);
}

/** The first `d` words of PRG(seed), in `out` when given. */
export function expandMask(seed: Uint8Array, d: number, out?: Uint32Array): Uint32Array {
  const words = out ?? new Uint32Array(d);
  if (words.length !== d) throw new CohortError('invalid_argument', `output has ${words.length} words, expected ${d}`);
  words.fill(0);
  addMasks(words, [{ seed, sign: 1 }]);
  return words;
}

/** An endless stream of PRG(seed) words, for small deterministic draws (graph permutations). */
export function wordStream(seed: Uint8Array): () => number {
  const cipher = keystream(seed);
  const refill = ZEROS.subarray(0, 1024);
  let words = new Uint32Array(0);
  let pos = 0;
  return () => {
    if (pos === words.length) {
      const bytes = cipher.update(refill);
      words = new Uint32Array(new Uint8Array(bytes).buffer);
      pos = 0;
    }
    return words[pos++] as number;
  };
}
