/**
 * Weights sent once (trainer contract, keeps_weights / same_weights), from the trainer's
 * side: a recording trainer process (recording-trainer.ts) logs, per request, whether it
 * was told same_weights and how many weight bytes followed. A trainer that never says
 * keeps_weights must always get the bytes; one that dies halfway through an answer must
 * get them again once restarted.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CohortError } from '../../../shared/errors.js';
import { builtinModel } from '../../../shared/model/model.js';
import { type TrainerHarness, trainerTask, untilTrainer as until, useTrainerProcesses } from '../../helpers/trainer-harness.js';

const SCRIPT = fileURLToPath(new URL('./recording-trainer.js', import.meta.url));
const MODEL = builtinModel({ kind: 'logreg', features: 4, classes: 3, hidden: 0 });
const D = MODEL.manifest.numParameters;

interface Logged {
  kind: 'train' | 'evaluate';
  sameWeights: boolean;
  bytes: number;
}

describe('trainer processes: weights sent once (recording trainer, manual clock)', function () {
  const trainers = useTrainerProcesses('cohort-keeps-');

  function harness(mode: 'plain' | 'dies-once', logFile: string): TrainerHarness {
    return trainers.start(`"${process.execPath}" "${SCRIPT}" ${mode} '${JSON.stringify(MODEL.manifest.tensors)}' "${logFile}"`);
  }

  const task = (h: TrainerHarness, kind: 'train' | 'evaluate') => trainerTask(MODEL, h.clock, kind);

  function logged(file: string): Logged[] {
    return readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Logged);
  }

  const g1 = Float32Array.from({ length: D }, (_, i) => i / 8);
  const g2 = Float32Array.from(g1, (w) => w * 3 - 1);

  it('a trainer that never says keeps_weights gets the weights with every request, identical ones too', async function () {
    const file = join(trainers.dir(), 'plain.jsonl');
    const h = harness('plain', file);
    await h.work.train(task(h, 'train'), g1);
    await h.work.evaluate(task(h, 'evaluate'), g2);
    await h.work.train(task(h, 'train'), g2);
    await h.work.evaluate(task(h, 'evaluate'), g2);
    assert.deepEqual(logged(file), [
      { kind: 'train', sameWeights: false, bytes: 4 * D },
      { kind: 'evaluate', sameWeights: false, bytes: 4 * D },
      { kind: 'train', sameWeights: false, bytes: 4 * D },
      { kind: 'evaluate', sameWeights: false, bytes: 4 * D },
    ]);
    assert.equal(h.trainer.stats.weightsReused, 0);
  });

  it('a trainer that dies halfway through its answer: the task is declined, and the restarted trainer gets the weights again', async function () {
    const file = join(trainers.dir(), 'dies-once.jsonl');
    const h = harness('dies-once', file);
    await assert.rejects(h.work.train(task(h, 'train'), g1), (err: unknown) => err instanceof CohortError && /the trainer exited with code 1/.test(err.message));
    await until(h.trainer, () => h.trainer.stats.failures === 1);
    h.clock.advance(100);
    await until(h.trainer, () => h.trainer.ready);
    // The same weights as the request the dead process had received: they travel again.
    const update = await h.work.train(task(h, 'train'), g1);
    assert.ok(update.delta.every((x) => x === 0));
    // This process does keep them: the evaluation of the same weights refers to them.
    await h.work.evaluate(task(h, 'evaluate'), g1);
    assert.deepEqual(logged(file), [
      { kind: 'train', sameWeights: false, bytes: 4 * D },
      { kind: 'train', sameWeights: false, bytes: 4 * D },
      { kind: 'evaluate', sameWeights: true, bytes: 0 },
    ]);
    assert.equal(h.trainer.stats.weightsReused, 1);
    assert.equal(h.trainer.stats.starts, 2);
  });
});
