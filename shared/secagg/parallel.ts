/**
 * Unmasking on two cores. The coordinator's accumulator lives in a SharedArrayBuffer; a
 * worker thread adds the masks of the upper half while this thread adds those of the
 * lower half (AES-CTR can start anywhere in the stream), and this thread waits for it
 * with `Atomics.wait`, so the call stays synchronous. Where the worker is unavailable or
 * not yet started, everything runs on this thread.
 */
import { Worker } from 'node:worker_threads';
import { CohortError } from '../errors.js';
import { addMasks, type MaskTerm } from './prg.js';
import { BLOCK_WORDS } from './word-ops.js';

/** Vectors shorter than this are not worth a hand-off. */
export const MIN_PARALLEL_WORDS = 1 << 18;
const WAIT_MS = 120_000;

interface MaskWorker {
  readonly worker: Worker | undefined;
  readonly ready: Int32Array;
  /** Settles with true once the worker can take work, false if it failed to start. */
  readonly started: Promise<boolean>;
  failed: boolean;
}

let shared: MaskWorker | undefined;

/** Start the worker ahead of need (it takes tens of milliseconds), e.g. when a round begins. */
export function warmMaskWorker(): void {
  if (shared !== undefined) return;
  const ready = new Int32Array(new SharedArrayBuffer(4));
  try {
    const worker = new Worker(new URL('./mask-worker.js', import.meta.url), { workerData: { ready } });
    worker.unref(); // never keeps the process alive
    let settle: (ok: boolean) => void = () => undefined;
    const entry: MaskWorker = { worker, ready, failed: false, started: new Promise<boolean>((resolve) => (settle = resolve)) };
    const fail = (): void => {
      entry.failed = true;
      settle(false);
    };
    worker.once('message', () => settle(true)); // the worker's "ready"
    worker.on('error', fail);
    worker.on('exit', fail);
    shared = entry;
  } catch {
    shared = { worker: undefined, ready, failed: true, started: Promise.resolve(false) };
  }
}

/** Start the worker if needed and resolve once it can take work (false if it cannot start). */
export function whenMaskWorkerReady(): Promise<boolean> {
  warmMaskWorker();
  return (shared as MaskWorker).started;
}

/** True once the worker has started and can take work. */
export function maskWorkerReady(): boolean {
  return shared !== undefined && !shared.failed && Atomics.load(shared.ready, 0) === 1;
}

/** A vector in shared memory, which `addMasksParallel` can split across threads. */
export function sharedWords(length: number): Uint32Array {
  return new Uint32Array(new SharedArrayBuffer(length * 4));
}

/** acc += Σ sign·PRG(seed), split over two threads when `acc` is shared and long enough. */
export function addMasksParallel(acc: Uint32Array, terms: readonly MaskTerm[]): void {
  const w = shared;
  const worker = maskWorkerReady() ? w?.worker : undefined;
  if (w === undefined || worker === undefined || !(acc.buffer instanceof SharedArrayBuffer) || acc.length < MIN_PARALLEL_WORDS || terms.length === 0) {
    addMasks(acc, terms);
    return;
  }
  const mid = Math.floor(acc.length / 2 / BLOCK_WORDS) * BLOCK_WORDS;
  const done = new Int32Array(new SharedArrayBuffer(4));
  worker.postMessage({
    buffer: acc.buffer,
    byteOffset: acc.byteOffset + mid * 4,
    length: acc.length - mid,
    startWord: mid,
    terms: terms.map((t) => ({ seed: t.seed, sign: t.sign })),
    done,
  });
  addMasks(acc.subarray(0, mid), terms);
  Atomics.wait(done, 0, 0, WAIT_MS);
  if (Atomics.load(done, 0) !== 1) {
    // The upper half may be partly masked: the vector is unusable, and the caller aborts.
    w.failed = true;
    throw new CohortError('internal', 'the mask worker did not finish');
  }
}
