/**
 * Real trainer processes under ProcessTrainer and TrainerWork, as the daemon runs them, on
 * a manual clock: a describe block calls `useTrainerProcesses` once and starts trainers
 * from its tests; every trainer is closed after each test and the scratch dir removed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncomingTask } from '../../client/core/agent.js';
import { ProcessTrainer, type ProcessTrainerOptions } from '../../client/trainer/process.js';
import { TrainerWork } from '../../client/trainer/work.js';
import { ManualClock } from '../../shared/clock.js';
import { MemoryLogger } from '../../shared/logger.js';
import type { FederatedModel } from '../../shared/model/model.js';

/** One supervised trainer process and what a test drives it with. */
export interface TrainerHarness {
  readonly trainer: ProcessTrainer;
  readonly work: TrainerWork;
  readonly log: MemoryLogger;
  readonly clock: ManualClock;
}

/** Restarts 100 ms doubling to 1 s unless a test passes `backoff` (undefined: the defaults). */
const TEST_BACKOFF = { initialMs: 100, maxMs: 1000 };

/** Register the hooks of a describe block that starts trainer processes. */
export function useTrainerProcesses(prefix: string): { dir(): string; start(command: string, extra?: Partial<ProcessTrainerOptions>): TrainerHarness } {
  const open: ProcessTrainer[] = [];
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((t) => t.close()));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  return {
    dir: () => dir,
    start(command, extra = {}) {
      const log = new MemoryLogger();
      const clock = new ManualClock(1_000_000);
      const trainer = new ProcessTrainer({ command, nodeName: 'site-a', log, clock, backoff: TEST_BACKOFF, ...extra });
      open.push(trainer);
      trainer.start();
      return { trainer, work: new TrainerWork(trainer, log), log, clock };
    },
  };
}

/** A task of round 3 for `model`, due `deadlineIn` ms after the clock's now. */
export function trainerTask(model: FederatedModel, clock: ManualClock, kind: 'train' | 'evaluate' = 'train', deadlineIn = 60_000): IncomingTask {
  return {
    round: 3,
    kind,
    model,
    train: { epochs: 2, batchSize: 8, learningRate: 0.1, options: { schedule: 'cosine' } },
    numParameters: model.manifest.numParameters,
    modelVersion: { round: 0, sha256: Buffer.alloc(32) },
    updateEncoding: 'f32',
    deadlineMs: clock.now() + deadlineIn,
    seed: 11,
  };
}

/** Resolve once `pred` holds, re-checked at each change of the supervisor. */
export function untilTrainer(t: ProcessTrainer, pred: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    if (pred()) return resolve();
    const off = t.onChange(() => {
      if (pred()) {
        off();
        resolve();
      }
    });
  });
}
