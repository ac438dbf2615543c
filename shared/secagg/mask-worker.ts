/** Worker thread for `addMasksParallel`: adds the masks of one slice of a shared vector. */
import { parentPort, workerData } from 'node:worker_threads';
import { addMasks, type MaskTerm } from './prg.js';

/** One job: the slice of a shared vector, where it starts in the mask streams, and the masks. */
export interface MaskJob {
  readonly buffer: SharedArrayBuffer;
  readonly byteOffset: number;
  readonly length: number;
  readonly startWord: number;
  readonly terms: readonly MaskTerm[];
  /** 0 while running; the worker stores 1 on success, 2 on failure, and notifies. */
  readonly done: Int32Array;
}

const ready = (workerData as { ready: Int32Array }).ready;

parentPort?.on('message', (job: MaskJob) => {
  let status = 1;
  try {
    addMasks(new Uint32Array(job.buffer, job.byteOffset, job.length), job.terms, false, job.startWord);
  } catch {
    status = 2;
  }
  Atomics.store(job.done, 0, status);
  Atomics.notify(job.done, 0);
});

Atomics.store(ready, 0, 1);
parentPort?.postMessage('ready');
