/**
 * The FedAvg addition thread. A plain round's train stage is bounded by the coordinator's
 * main thread reading uploads off TLS; adding each update to the float64 sums there
 * (memory-bound, ~2 ms at d = 1M) held the next read back. Here the additions run on
 * another core, one at a time in the order sent, on updates and sums in shared memory.
 */
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { CohortError } from '../../shared/errors.js';
import { deferred, type Deferred } from '../../shared/async.js';
import { addToSums, type SumJob, type SumOffload } from './aggregators.js';

/** Marks the thread this module serves in (a coordinator may itself run in a worker thread). */
const ROLE = 'cohort-fedavg-sums';

interface Posted extends SumJob {
  readonly id: number;
}

/** The coordinator's side: one worker thread, started at the first addition. */
export class SumWorker implements SumOffload {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, Deferred<void>>();
  /**
   * Sums given back, reused by the next round: the thread's views of a round's sums pin
   * them until its own GC, which its few allocations rarely trigger, so fresh sums every
   * round grew the coordinator by 16 MB a round (d = 1M).
   */
  private spare: Float64Array | undefined;

  sums(values: number): Float64Array {
    const s = this.spare;
    if (s?.length === values) {
      this.spare = undefined;
      return s.fill(0);
    }
    return new Float64Array(new SharedArrayBuffer(values * 8));
  }

  giveBack(sums: Float64Array): void {
    this.spare = sums;
  }

  add(job: SumJob): Promise<void> {
    if (!(job.update.buffer instanceof SharedArrayBuffer) || !(job.sums.buffer instanceof SharedArrayBuffer)) {
      return Promise.reject(new RangeError('the FedAvg worker adds only updates and sums in shared memory'));
    }
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    const d = deferred<void>();
    this.waiting.set(id, d);
    const posted: Posted = { id, ...job };
    worker.postMessage(posted);
    return d.promise;
  }

  /** Stop the thread; additions still queued are refused. */
  async close(): Promise<void> {
    const w = this.worker;
    if (!w) return;
    this.fail(w, new Error('coordinator shutting down'));
    await w.terminate();
  }

  private start(): Worker {
    const w = new Worker(new URL('./sum-worker.js', import.meta.url), { workerData: ROLE });
    // Jobs in flight are awaited by rounds; an idle thread must not keep the process alive.
    w.unref();
    w.on('message', (id: number) => {
      const d = this.waiting.get(id);
      this.waiting.delete(id);
      d?.resolve();
    });
    w.on('error', (err) => this.fail(w, err));
    w.on('exit', (code) => this.fail(w, new Error(`exited with code ${code}`)));
    this.worker = w;
    return w;
  }

  /** The thread is gone: what it had not added is refused (the next addition starts a new one). */
  private fail(w: Worker, err: Error): void {
    if (this.worker !== w) return;
    this.worker = undefined;
    const refused = new CohortError('internal', `the FedAvg addition thread failed: ${err.message}`);
    for (const d of this.waiting.values()) d.reject(refused);
    this.waiting.clear();
  }
}

if (workerData === ROLE) {
  parentPort?.on('message', (m: Posted) => {
    addToSums(m.sums, m.capped, m.update, m.weight);
    parentPort?.postMessage(m.id);
  });
}
