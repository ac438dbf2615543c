/**
 * Supervision of real trainer processes (test/helpers/trainers/scripted.ts), through the
 * same TrainerWork the daemon uses: every bad trainer of the issue ends in a rejected
 * task with a reason the daemon wrote, a restart, and a test process that is still up.
 * Deadlines and start timeouts run on a manual clock: no test waits for time to pass.
 */
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CohortError } from '../../../shared/errors.js';
import { builtinModel } from '../../../shared/model/model.js';
import { type TrainerHarness, trainerTask, untilTrainer as until, useTrainerProcesses } from '../../helpers/trainer-harness.js';

const SCRIPT = fileURLToPath(new URL('../../helpers/trainers/scripted.js', import.meta.url));
const MODEL = builtinModel({ kind: 'logreg', features: 4, classes: 3, hidden: 0 });
const TENSORS = JSON.stringify(MODEL.manifest.tensors);
const D = MODEL.manifest.numParameters;

function command(mode: string, extra = ''): string {
  return `"${process.execPath}" "${SCRIPT}" ${mode} '${TENSORS}' ${extra}`;
}

describe('trainer processes: supervision (real processes, manual clock)', function () {
  const trainers = useTrainerProcesses('cohort-trainer-');
  const harness = trainers.start;
  const task = (h: TrainerHarness, kind: 'train' | 'evaluate' = 'train', deadlineIn = 60_000) => trainerTask(MODEL, h.clock, kind, deadlineIn);

  async function refused(p: Promise<unknown>, pattern: RegExp): Promise<string> {
    try {
      await p;
    } catch (err) {
      assert.ok(err instanceof CohortError, String(err));
      assert.match(err.message, pattern);
      return err.message;
    }
    assert.fail(`expected a refusal matching ${pattern}`);
  }

  const global = (): Float32Array => Float32Array.from({ length: D }, (_, i) => i / 8);

  it('trains and evaluates with a well-behaved trainer, passing the round config through', async function () {
    const optionsFile = join(trainers.dir(), 'options.jsonl');
    const h = harness(command('ok', `"${optionsFile}"`));
    const update = await h.work.train(task(h), global());
    assert.equal(update.numExamples, 20);
    assert.equal(update.trainLoss, 0.5);
    for (const x of update.delta) assert.ok(Math.abs(x - 0.01) < 1e-6);
    const evaluation = await h.work.evaluate(task(h, 'evaluate'), global());
    assert.deepEqual(evaluation, { numExamples: 5, accuracy: 0.8, loss: 0.4 });
    assert.deepEqual(JSON.parse(readFileSync(optionsFile, 'utf8').trim()), { round: 3, options: { schedule: 'cosine' }, epochs: 2, seed: 11 });
    assert.ok(h.log.lines.some((l) => l.msg === 'trainer metrics' && (l.fields['metrics'] as Record<string, number>)['local.accuracy'] === 0.9));
    assert.equal(h.trainer.stats.starts, 1);
    assert.equal(h.trainer.stats.answered, 2);
  });

  /** Two model versions, and whether a delta is the scripted trainers' +0.01 step. */
  const g1 = global();
  const g2 = Float32Array.from(g1, (w) => w * 3 - 1);
  const near = (delta: Float32Array): boolean => delta.every((x) => Math.abs(x - 0.01) < 1e-5);

  it('sends a round\'s evaluation weights once: the next train request refers to them, and a restarted trainer gets them again', async function () {
    const h = harness(command('ok'));
    assert.ok(near((await h.work.train(task(h), g1)).delta));
    await h.work.evaluate(task(h, 'evaluate'), g2);
    assert.equal(h.trainer.stats.weightsReused, 0, 'new weights travel');
    // The trainer trains from g2 without receiving it again: its result is g2 + 0.01.
    assert.ok(near((await h.work.train(task(h), g2)).delta));
    assert.equal(h.trainer.stats.weightsReused, 1);
    // A new process has kept nothing: the weights travel again.
    process.kill(h.trainer.pid as number, 'SIGKILL');
    await until(h.trainer, () => h.trainer.stats.failures === 1);
    h.clock.advance(100);
    await until(h.trainer, () => h.trainer.ready);
    assert.ok(near((await h.work.train(task(h), g2)).delta));
    assert.equal(h.trainer.stats.weightsReused, 1);
    assert.equal(h.trainer.stats.starts, 2);
  });

  it('a trainer that changes the vectors it is given and returns them still trains from the right weights, and earlier updates stay as they were', async function () {
    const h = harness(command('scribble'));
    const first = await h.work.train(task(h), g1);
    await h.work.evaluate(task(h, 'evaluate'), g2);
    // same_weights: the trainer's copy of g2 was overwritten by its evaluate; the SDK's kept copy was not.
    const second = await h.work.train(task(h), g2);
    assert.equal(h.trainer.stats.weightsReused, 1);
    const third = await h.work.train(task(h), g1);
    for (const u of [first, second, third]) assert.ok(near(u.delta), 'every delta is +0.01, the first two after later requests reused the buffers');
  });

  it('stops a trainer with Shutdown: close resolves once it has exited', async function () {
    const h = harness(command('ok'));
    await h.trainer.describe(MODEL, h.clock.now() + 60_000);
    const pid = h.trainer.pid as number;
    await h.trainer.close();
    assert.throws(() => process.kill(pid, 0), /ESRCH/);
  });

  it('a trainer that exits at once: the task is declined with its exit code, its stderr is logged, and it is restarted with backoff', async function () {
    const h = harness(command('exit-at-once'));
    await refused(h.work.train(task(h), global()), /^the trainer exited with code 3 before its Hello$/);
    assert.ok(h.log.lines.some((l) => l.fields['stream'] === 'stderr' && /cannot open \/data\/site-a/.test(l.msg)));
    h.clock.advance(100);
    await until(h.trainer, () => h.trainer.stats.failures >= 2);
    assert.equal(h.trainer.stats.starts, 2);
    // Back off: the next start is 200 ms away, past a deadline 150 ms out; the task is declined at once.
    await refused(h.work.train(task(h, 'train', 150), global()), /exited with code 3 before its Hello; it restarts in 0 s, after this task's deadline/);
  });

  it('with the defaults, restarts a failing trainer after 0.5 s, doubling to at most 60 s, and cuts its output lines at 2,000 characters', async function () {
    const { trainer, log, clock } = harness(command('long-line-exit'), { backoff: undefined });
    const delays: number[] = [];
    for (let failures = 1; failures <= 9; failures++) {
      await until(trainer, () => trainer.stats.failures === failures);
      const line = log.lines.filter((l) => l.msg === 'restarting the trainer after a backoff').at(-1);
      delays.push(line?.fields['retryInMs'] as number);
      clock.advance(delays.at(-1) as number);
    }
    assert.deepEqual(delays, [500, 1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000]);
    const cut = log.lines.find((l) => l.fields['stream'] === 'stderr');
    assert.equal(cut?.msg, `${'y'.repeat(2_000)}… (line cut at 2000 characters)`);
  });

  it('a trainer that is not executable, or not there: the reason says so', async function () {
    const file = join(trainers.dir(), 'train.py');
    writeFileSync(file, '#!/usr/bin/env python3\n');
    chmodSync(file, 0o644);
    const h = harness(file);
    await refused(h.work.train(task(h), global()), /exited with code 126 \(not executable: chmod \+x it, or run it with its interpreter, e.g\. python3 train\.py\) before its Hello/);
    const h2 = harness(join(trainers.dir(), 'missing-train.py'));
    await refused(h2.work.train(task(h2), global()), /exited with code 127 \(command not found\) before its Hello/);
  });

  it('a trainer that never says Hello: the start timeout kills it', async function () {
    const h = harness(command('no-hello'), { startTimeoutMs: 5_000 });
    await until(h.trainer, () => h.trainer.pid !== undefined);
    const pending = h.work.train(task(h), global());
    h.clock.advance(5_000);
    await refused(pending, /^the trainer sent no Hello within 5 s of starting$/);
  });

  it('a trainer that never answers: killed a margin before the deadline, the task declined, the trainer restarted', async function () {
    const h = harness(command('never-answers'));
    await h.trainer.describe(MODEL, h.clock.now() + 60_000);
    const pid = h.trainer.pid as number;
    const pending = h.work.train(task(h, 'train', 20_000), global());
    await until(h.trainer, () => h.trainer.busy);
    h.clock.advance(18_999);
    assert.equal(h.trainer.stats.failures, 0, 'not before deadline − max(0.5 s, 5%)');
    h.clock.advance(1);
    await refused(pending, /^the trainer did not answer train request 1 within the task's deadline$/);
    h.clock.advance(100);
    await until(h.trainer, () => h.trainer.ready);
    assert.notEqual(h.trainer.pid, pid);
  });

  it('a trainer whose tensors are not the model\'s: every task declined, naming the difference', async function () {
    const h = harness(command('hello-mismatch'));
    await refused(h.work.train(task(h), global()), /^this node's trainer does not train the federation's model: dense\.kernel has shape \[4, 3, 2\], the model has \[4, 3\]$/);
    await refused(h.work.evaluate(task(h, 'evaluate'), global()), /does not train the federation's model/);
    assert.equal(h.trainer.stats.failures, 0, 'the process is healthy; only its model is wrong');
  });

  it('a trainer that answers with the wrong tensors, NaN, or a 50M example count: refused', async function () {
    const wrong = harness(command('wrong-tensors'));
    await refused(wrong.work.train(task(wrong), global()), /^the trainer's result was refused: it answered with the wrong tensors: it announced 1 tensors, the trainer described 2$/);
    const nan = harness(command('nan'));
    await refused(nan.work.train(task(nan), global()), /^the trainer's result was refused: tensor dense\.kernel holds NaN at index 1; results must be finite$/);
    const many = harness(command('huge-examples'));
    await refused(many.work.train(task(many), global()), /num_examples must be an integer in \[1, 10000000\], got 50000000/);
  });

  it('a trainer that sends twice the declared size, garbage, or an oversized frame: killed as a contract breach and restarted', async function () {
    for (const [mode, pattern] of [
      ['double-size', /^the trainer broke the contract: it sent more tensor data than its 2 tensors hold \(60 bytes\)$/],
      ['garbage', /^the trainer broke the contract: a frame announces \d+ bytes; frames hold 1 to 4259840 bytes$/],
      ['oversized-frame', /^the trainer broke the contract: a frame announces 4294967280 bytes/],
    ] as const) {
      const h = harness(command(mode));
      await refused(h.work.train(task(h), global()), pattern);
      assert.equal(h.trainer.stats.failures, 1, mode);
      h.clock.advance(100);
      await until(h.trainer, () => h.trainer.stats.starts === 2);
    }
  });

  it('a trainer\'s own failure message stays in the node\'s log; the reason carries none of it', async function () {
    const h = harness(command('failure'));
    const reason = await refused(h.work.train(task(h), global()), /^the trainer reported that it could not train \(its message is in the node's log\)$/);
    assert.doesNotMatch(reason, /patient|CUDA/);
    assert.ok(h.log.lines.some((l) => l.fields['message'] === 'CUDA out of memory; patient row 17: age=54'));
    assert.equal(h.trainer.stats.failures, 0);
    const update = await h.work.evaluate(task(h, 'evaluate'), global());
    assert.equal(update.numExamples, 5, 'still serving');
  });

  it('a trainer that writes 100 MB to stdout: drained, logged within bounds, and it still trains', async function () {
    this.timeout(120_000);
    const h = harness(command('flood-stdout'));
    const update = await h.work.train(task(h), global());
    assert.equal(update.numExamples, 20);
    const stdout = h.log.lines.filter((l) => l.fields['stream'] === 'stdout');
    const logged = stdout.filter((l) => l.level === 'info').length;
    const suppressed = h.trainer.stats.suppressedLines;
    assert.ok(logged <= 200, `at most 200 lines a second are logged (the manual clock never moves): ${logged}`);
    assert.ok(suppressed > 1_000_000, `the rest are counted: ${suppressed}`);
  });
});
