/** TrainerWork's checks and reordering, with in-process fake trainers. */
import assert from 'node:assert/strict';
import type { IncomingTask } from '../../../client/core/agent.js';
import type { EvalOutput, Trainer, TrainerDescription, TrainOutput } from '../../../client/trainer/trainer.js';
import { TrainerWork } from '../../../client/trainer/work.js';
import { CohortError } from '../../../shared/errors.js';
import { MemoryLogger } from '../../../shared/logger.js';
import { parseManifest, type TensorSpec } from '../../../shared/model/manifest.js';
import { tensorModel } from '../../../shared/model/model.js';

const MODEL = tensorModel(parseManifest([{ name: 'a', shape: [2] }, { name: 'b', shape: [3] }], 'test'));

function task(kind: 'train' | 'evaluate' = 'train'): IncomingTask {
  return { round: 1, kind, model: MODEL, train: { epochs: 1, batchSize: 4, learningRate: 0.1 }, numParameters: 5, modelVersion: { round: 0, sha256: Buffer.alloc(32) }, updateEncoding: 'f32', deadlineMs: Date.now() + 60_000, seed: 1 };
}

/** A trainer that declares `tensors` and answers with what `answer` makes of the weights it got. */
class FakeTrainer implements Trainer {
  received: Float32Array | undefined;
  constructor(
    private readonly tensors: TensorSpec[],
    private readonly answer: (w: Float32Array) => Partial<TrainOutput>,
    private readonly evalAnswer: EvalOutput = { numExamples: 3, accuracy: 0.5, loss: 1 },
  ) {}
  describe(): Promise<TrainerDescription> {
    return Promise.resolve({ trainer: 'fake', tensors: this.tensors, trainExamples: 1, evalExamples: 1 });
  }
  train(_r: unknown, w: Float32Array): Promise<TrainOutput> {
    this.received = w.slice();
    return Promise.resolve({ kind: 'weights', tensors: this.tensors, values: w.slice(), numExamples: 4, loss: 0.1, ...this.answer(w) });
  }
  evaluate(): Promise<EvalOutput> {
    return Promise.resolve(this.evalAnswer);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

async function refused(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof CohortError && pattern.test(e.message), `expected ${pattern}`);
}

describe('TrainerWork: the daemon\'s checks on any trainer', () => {
  const global = Float32Array.from([1, 2, 3, 4, 5]);

  it('reorders weights to the trainer\'s tensor order and the result back to the model\'s', async () => {
    const trainer = new FakeTrainer([{ name: 'b', shape: [3] }, { name: 'a', shape: [2] }], (w) => ({ values: Float32Array.from(w, (x) => x * 2) }));
    const work = new TrainerWork(trainer, new MemoryLogger());
    const update = await work.train(task(), global);
    assert.deepEqual([...(trainer.received as Float32Array)], [3, 4, 5, 1, 2]);
    assert.deepEqual([...update.delta], [1, 2, 3, 4, 5], 'weights 2x minus global, in model order');
  });

  it('takes deltas as they are', async () => {
    const work = new TrainerWork(new FakeTrainer(MODEL.manifest.tensors as TensorSpec[], () => ({ kind: 'delta', values: Float32Array.from([0.5, 0, 0, 0, -0.5]) })), new MemoryLogger());
    assert.deepEqual([...(await work.train(task(), global)).delta], [0.5, 0, 0, 0, -0.5]);
  });

  it('refuses a trainer that describes invalid tensors', async () => {
    const work = new TrainerWork(new FakeTrainer([{ name: 'a b', shape: [2] }], () => ({})), new MemoryLogger());
    await refused(work.train(task(), global), /^this node's trainer describes its tensors wrongly \(the node's log says how\)$/);
  });

  it('refuses results that do not fit, are not finite, or overflow once the global weights are subtracted', async () => {
    const t = MODEL.manifest.tensors as TensorSpec[];
    await refused(new TrainerWork(new FakeTrainer(t, () => ({ values: new Float32Array(4) })), new MemoryLogger()).train(task(), global), /holds 4 values, its tensors 5/);
    await refused(new TrainerWork(new FakeTrainer(t, () => ({ values: Float32Array.from([0, 0, Infinity, 0, 0]) })), new MemoryLogger()).train(task(), global), /tensor b holds Infinity at index 0/);
    await refused(new TrainerWork(new FakeTrainer(t, () => ({ kind: 'bogus' as 'delta' })), new MemoryLogger()).train(task(), global), /its kind is bogus/);
    await refused(new TrainerWork(new FakeTrainer(t, () => ({ loss: -1 })), new MemoryLogger()).train(task(), global), /loss must be a finite non-negative number, got -1/);
    await refused(new TrainerWork(new FakeTrainer(t, () => ({ numExamples: 0 })), new MemoryLogger()).train(task(), global), /num_examples must be an integer in \[1, 10000000\], got 0/);
    const huge = Float32Array.from([3e38, 0, 0, 0, 0]);
    await refused(
      new TrainerWork(new FakeTrainer(t, () => ({ values: Float32Array.from([-3e38, 0, 0, 0, 0]) })), new MemoryLogger()).train(task(), huge),
      /its update is not finite at parameter 0/,
    );
  });

  it('refuses evaluations out of range', async () => {
    const t = MODEL.manifest.tensors as TensorSpec[];
    await refused(new TrainerWork(new FakeTrainer(t, () => ({}), { numExamples: 3, accuracy: 1.5, loss: 1 }), new MemoryLogger()).evaluate(task('evaluate'), global), /accuracy must be in \[0, 1\], got 1.5/);
    await refused(new TrainerWork(new FakeTrainer(t, () => ({}), { numExamples: 2.5, accuracy: 1, loss: 1 }), new MemoryLogger()).evaluate(task('evaluate'), global), /num_examples must be an integer in \[0, 10000000\], got 2.5/);
    await refused(new TrainerWork(new FakeTrainer(t, () => ({}), { numExamples: 2, accuracy: 1, loss: NaN }), new MemoryLogger()).evaluate(task('evaluate'), global), /loss must be a finite/);
  });

  it('logs metrics locally, dropping entries beyond the limits', async () => {
    const log = new MemoryLogger();
    const metrics: Record<string, number> = { ok: 1, bad: NaN, [`k${'x'.repeat(70)}`]: 2 };
    for (let i = 0; i < 40; i++) metrics[`m${i}`] = i;
    await new TrainerWork(new FakeTrainer(MODEL.manifest.tensors as TensorSpec[], () => ({ metrics })), log).train(task(), global);
    const line = log.lines.find((l) => l.msg === 'trainer metrics');
    assert.equal(Object.keys(line?.fields['metrics'] as object).length, 32);
    assert.equal(line?.fields['dropped'], 11);
  });
});
