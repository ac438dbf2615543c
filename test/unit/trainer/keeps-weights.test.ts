/**
 * Weights sent once (trainer contract, keeps_weights / same_weights), from the trainer's
 * side: a recording trainer process (recording-trainer.ts) logs, per request, whether it
 * was told same_weights and how many weight bytes followed. A trainer that never says
 * keeps_weights must always get the bytes; one that dies halfway through an answer must
 * get them again once restarted.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IncomingTask } from '../../../client/core/agent.js';
import { ProcessTrainer } from '../../../client/trainer/process.js';
import { TrainerWork } from '../../../client/trainer/work.js';
import { ManualClock } from '../../../shared/clock.js';
import { CohortError } from '../../../shared/errors.js';
import { MemoryLogger } from '../../../shared/logger.js';
import { builtinModel } from '../../../shared/model/model.js';

const SCRIPT = fileURLToPath(new URL('./recording-trainer.js', import.meta.url));
const MODEL = builtinModel({ kind: 'logreg', features: 4, classes: 3, hidden: 0 });
const D = MODEL.manifest.numParameters;

interface Logged {
  kind: 'train' | 'evaluate';
  sameWeights: boolean;
  bytes: number;
}

describe('trainer processes: weights sent once (recording trainer, manual clock)', function () {
  const open: ProcessTrainer[] = [];
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cohort-keeps-'));
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((t) => t.close()));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function harness(mode: 'plain' | 'dies-once', logFile: string): { trainer: ProcessTrainer; work: TrainerWork; clock: ManualClock } {
    const log = new MemoryLogger();
    const clock = new ManualClock(1_000_000);
    const command = `"${process.execPath}" "${SCRIPT}" ${mode} '${JSON.stringify(MODEL.manifest.tensors)}' "${logFile}"`;
    const trainer = new ProcessTrainer({ command, nodeName: 'site-a', log, clock, backoff: { initialMs: 100, maxMs: 1000 } });
    open.push(trainer);
    trainer.start();
    return { trainer, work: new TrainerWork(trainer, log), clock };
  }

  function task(clock: ManualClock, kind: 'train' | 'evaluate'): IncomingTask {
    return {
      round: 3,
      kind,
      model: MODEL,
      train: { epochs: 1, batchSize: 8, learningRate: 0.1 },
      numParameters: D,
      modelVersion: { round: 0, sha256: Buffer.alloc(32) },
      updateEncoding: 'f32',
      deadlineMs: clock.now() + 60_000,
      seed: 11,
    };
  }

  function logged(file: string): Logged[] {
    return readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Logged);
  }

  function until(t: ProcessTrainer, pred: () => boolean): Promise<void> {
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

  const g1 = Float32Array.from({ length: D }, (_, i) => i / 8);
  const g2 = Float32Array.from(g1, (w) => w * 3 - 1);

  it('a trainer that never says keeps_weights gets the weights with every request, identical ones too', async function () {
    const file = join(dir, 'plain.jsonl');
    const h = harness('plain', file);
    await h.work.train(task(h.clock, 'train'), g1);
    await h.work.evaluate(task(h.clock, 'evaluate'), g2);
    await h.work.train(task(h.clock, 'train'), g2);
    await h.work.evaluate(task(h.clock, 'evaluate'), g2);
    assert.deepEqual(logged(file), [
      { kind: 'train', sameWeights: false, bytes: 4 * D },
      { kind: 'evaluate', sameWeights: false, bytes: 4 * D },
      { kind: 'train', sameWeights: false, bytes: 4 * D },
      { kind: 'evaluate', sameWeights: false, bytes: 4 * D },
    ]);
    assert.equal(h.trainer.stats.weightsReused, 0);
  });

  it('a trainer that dies halfway through its answer: the task is declined, and the restarted trainer gets the weights again', async function () {
    const file = join(dir, 'dies-once.jsonl');
    const h = harness('dies-once', file);
    await assert.rejects(h.work.train(task(h.clock, 'train'), g1), (err: unknown) => err instanceof CohortError && /the trainer exited with code 1/.test(err.message));
    await until(h.trainer, () => h.trainer.stats.failures === 1);
    h.clock.advance(100);
    await until(h.trainer, () => h.trainer.ready);
    // The same weights as the request the dead process had received: they travel again.
    const update = await h.work.train(task(h.clock, 'train'), g1);
    assert.ok(update.delta.every((x) => x === 0));
    // This process does keep them: the evaluation of the same weights refers to them.
    await h.work.evaluate(task(h.clock, 'evaluate'), g1);
    assert.deepEqual(logged(file), [
      { kind: 'train', sameWeights: false, bytes: 4 * D },
      { kind: 'train', sameWeights: false, bytes: 4 * D },
      { kind: 'evaluate', sameWeights: true, bytes: 0 },
    ]);
    assert.equal(h.trainer.stats.weightsReused, 1);
    assert.equal(h.trainer.stats.starts, 2);
  });
});
