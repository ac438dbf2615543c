import assert from 'node:assert/strict';
import { type Deferred, deferred } from '../../../shared/async.js';
import { CohortError } from '../../../shared/errors.js';
import { MemoryLogger } from '../../../shared/logger.js';
import type { FederatedModel } from '../../../shared/model/model.js';
import { toChunks } from '../../../shared/tensor/chunks.js';
import type { DeclineCategory } from '../../../shared/decline.js';
import {
  type CoordinatorLink,
  type Incompatibility,
  type IncomingTask,
  type LocalEvaluation,
  type LocalUpdate,
  type LocalWork,
  NodeAgent,
  type TaskKind,
} from '../../../client/core/agent.js';
import { CHUNK_BYTES, D, DEFAULTS, deltaFor, flush, initialWeights, SPEC } from './fakes.js';

type Call =
  | { op: 'update'; round: number; update: LocalUpdate }
  | { op: 'evaluation'; round: number; evaluation: LocalEvaluation }
  | { op: 'decline'; round: number; kind: TaskKind; category: DeclineCategory; reason: string }
  | { op: 'secagg'; round: number; type: string }
  | { op: 'masked'; round: number; words: number };

/** Records every outbound call; `refuse` makes submissions fail as a coordinator refusal would. */
class FakeLink implements CoordinatorLink {
  readonly calls: Call[] = [];
  refuse: CohortError | undefined;

  private answer(): Promise<void> {
    return this.refuse ? Promise.reject(this.refuse) : Promise.resolve();
  }
  submitUpdate(round: number, update: LocalUpdate): Promise<void> {
    this.calls.push({ op: 'update', round, update });
    return this.answer();
  }
  submitEvaluation(round: number, evaluation: LocalEvaluation): Promise<void> {
    this.calls.push({ op: 'evaluation', round, evaluation });
    return this.answer();
  }
  decline(round: number, kind: TaskKind, category: DeclineCategory, reason: string): Promise<void> {
    this.calls.push({ op: 'decline', round, kind, category, reason });
    return Promise.resolve();
  }
  secaggSend(round: number, message: { type: string }): Promise<void> {
    this.calls.push({ op: 'secagg', round, type: message.type });
    return this.answer();
  }
  submitMasked(round: number, masked: Uint32Array): Promise<void> {
    this.calls.push({ op: 'masked', round, words: masked.length });
    return this.answer();
  }
}

/** Local work that records what it was given and answers with scripted results. */
class FakeWork implements LocalWork {
  readonly calls: Array<{ kind: TaskKind; task: IncomingTask; global: Float32Array }> = [];
  /** The weights arrays themselves, as handed over (not copies). */
  readonly arrays: Float32Array[] = [];
  incompatible: Incompatibility | undefined;
  /** When set, the next train/evaluate call waits on a deferred pushed here. */
  gated = false;
  readonly gates: Array<Deferred<void>> = [];
  examples = 7;
  fail: Error | undefined;

  incompatibility(_model: FederatedModel): Incompatibility | undefined {
    return this.incompatible;
  }

  async train(task: IncomingTask, global: Float32Array): Promise<LocalUpdate> {
    this.calls.push({ kind: 'train', task, global: global.slice() });
    this.arrays.push(global);
    await this.gate();
    if (this.fail) throw this.fail;
    return { delta: deltaFor(task.round), numExamples: this.examples, trainLoss: 0.25 };
  }

  async evaluate(task: IncomingTask, global: Float32Array): Promise<LocalEvaluation> {
    this.calls.push({ kind: 'evaluate', task, global: global.slice() });
    this.arrays.push(global);
    await this.gate();
    if (this.fail) throw this.fail;
    return { numExamples: this.examples, accuracy: 0.75, loss: 0.5 };
  }

  private async gate(): Promise<void> {
    if (!this.gated) return;
    const g = deferred<void>();
    this.gates.push(g);
    await g.promise;
  }
}

function task(round: number, kind: TaskKind, over: Partial<IncomingTask> = {}): IncomingTask {
  return { round, kind, model: SPEC, train: DEFAULTS.train, numParameters: D, chunkCount: 4, deadlineMs: 10_000, seed: 7, ...over };
}

/** Send a task header and then every chunk of `weights`, as the session would. */
function deliver(agent: NodeAgent, t: IncomingTask, weights: Float32Array): void {
  agent.onTask(t);
  toChunks(weights, CHUNK_BYTES).forEach((c, i) => agent.onChunk(t.round, t.kind, i, c));
}

function setup(): { agent: NodeAgent; work: FakeWork; link: FakeLink; log: MemoryLogger } {
  const work = new FakeWork();
  const link = new FakeLink();
  const log = new MemoryLogger();
  return { agent: new NodeAgent(work, link, CHUNK_BYTES, log), work, link, log };
}

describe('NodeAgent (fake local work and link)', () => {
  it('trains on exactly the global weights it was sent and submits the returned delta', async () => {
    const { agent, work, link } = setup();
    const t = task(3, 'train');
    deliver(agent, t, initialWeights());
    await agent.idle();
    assert.equal(work.calls.length, 1);
    assert.equal(work.calls[0]?.task, t);
    assert.deepEqual(work.calls[0]?.global, initialWeights());
    assert.deepEqual(link.calls, [{ op: 'update', round: 3, update: { delta: deltaFor(3), numExamples: 7, trainLoss: 0.25, manifestSha256: SPEC.manifest.sha256 } }]);
    assert.deepEqual(agent.stats, { trained: 1, evaluated: 0, declined: 0, failed: 0, cancelled: 0, declinedForBudget: 0 });
  });

  it('evaluates the weights it was sent and submits the evaluation', async () => {
    const { agent, work, link } = setup();
    const w = deltaFor(4);
    deliver(agent, task(2, 'evaluate'), w);
    await agent.idle();
    assert.deepEqual(work.calls.map((c) => [c.kind, c.global]), [['evaluate', w]]);
    assert.deepEqual(link.calls, [{ op: 'evaluation', round: 2, evaluation: { numExamples: 7, accuracy: 0.75, loss: 0.5 } }]);
    assert.equal(agent.stats.evaluated, 1);
  });

  it('declines a task for a model it cannot work on, with the reason, and ignores its weights', async () => {
    const { agent, work, link, log } = setup();
    work.incompatible = { category: 'data', reason: 'data has 9 features, the model expects 4', detail: 'columns a, b, c, … (only in this node\'s log)' };
    deliver(agent, task(1, 'train'), initialWeights());
    await agent.idle();
    assert.deepEqual(link.calls, [{ op: 'decline', round: 1, kind: 'train', category: 'data', reason: 'data has 9 features, the model expects 4' }]);
    assert.equal(work.calls.length, 0);
    assert.equal(agent.stats.declined, 1);
    assert.ok(log.lines.some((l) => l.level === 'warn' && l.msg === 'ignoring weights chunk with no matching task'));
  });

  it('declines a task whose header does not match its model or the chunk size', async () => {
    const { agent, work, link } = setup();
    agent.onTask(task(1, 'train', { numParameters: D + 1 }));
    agent.onTask(task(2, 'evaluate', { chunkCount: 5 }));
    agent.onMalformedTask(3, 'train', 'task has no model');
    await agent.idle();
    assert.deepEqual(link.calls, [
      { op: 'decline', round: 1, kind: 'train', category: 'bad_task', reason: 'task announces 16 parameters but the model has 15' },
      { op: 'decline', round: 2, kind: 'evaluate', category: 'bad_task', reason: 'task announces 5 chunks, expected 4' },
      { op: 'decline', round: 3, kind: 'train', category: 'bad_task', reason: 'task has no model' },
    ]);
    assert.equal(work.calls.length, 0);
  });

  it('declines once on a bad weights chunk (NaN, wrong size, out of order) and never trains', async () => {
    const bad: Array<[string, (chunks: Buffer[]) => Array<[number, Uint8Array]>, RegExp]> = [
      [
        'NaN',
        () => {
          const w = initialWeights();
          w[5] = Number.NaN;
          return toChunks(w, CHUNK_BYTES).map((c, i) => [i, c]);
        },
        /^bad global weights: value 5 is NaN: updates must be finite$/,
      ],
      ['short chunk', (c) => [[0, c[0] as Buffer], [1, (c[1] as Buffer).subarray(4)]], /^bad global weights: chunk 1 has 12 bytes, expected 16$/],
      ['out of order', (c) => [[1, c[1] as Buffer], [0, c[0] as Buffer]], /^bad global weights: chunk 1 arrived out of order \(expected chunk 0\)$/],
    ];
    for (const [label, chunksOf, why] of bad) {
      const { agent, work, link } = setup();
      agent.onTask(task(1, 'train'));
      for (const [i, c] of chunksOf(toChunks(initialWeights(), CHUNK_BYTES))) agent.onChunk(1, 'train', i, c);
      // The rest of the stream is ignored: one decline only.
      toChunks(initialWeights(), CHUNK_BYTES).forEach((c, i) => agent.onChunk(1, 'train', i, c));
      await agent.idle();
      assert.equal(link.calls.length, 1, label);
      const call = link.calls[0];
      assert.ok(call?.op === 'decline' && call.round === 1 && call.kind === 'train', label);
      assert.match(call.reason, why);
      assert.equal(work.calls.length, 0, label);
    }
  });

  it('a cancel before the weights arrive means nothing is trained or submitted', async () => {
    const { agent, work, link } = setup();
    const chunks = toChunks(initialWeights(), CHUNK_BYTES);
    agent.onTask(task(1, 'train'));
    agent.onChunk(1, 'train', 0, chunks[0] as Buffer);
    agent.onChunk(1, 'train', 1, chunks[1] as Buffer);
    agent.onCancel(1, 'deadline passed');
    agent.onChunk(1, 'train', 2, chunks[2] as Buffer);
    agent.onChunk(1, 'train', 3, chunks[3] as Buffer);
    await agent.idle();
    assert.deepEqual(work.calls, []);
    assert.deepEqual(link.calls, []);
  });

  it('a cancel during training suppresses the submission; a cancel of a queued task skips it', async () => {
    const { agent, work, link } = setup();
    work.gated = true;
    deliver(agent, task(1, 'train'), initialWeights());
    deliver(agent, task(2, 'train'), initialWeights());
    await flush();
    assert.equal(work.gates.length, 1);
    agent.onCancel(1, 'deadline passed');
    agent.onCancel(2, 'deadline passed');
    work.gates[0]?.resolve();
    await agent.idle();
    assert.equal(work.calls.length, 1, 'the queued task never ran');
    assert.deepEqual(link.calls, []);
    assert.equal(agent.stats.cancelled, 1);
    assert.equal(agent.stats.trained, 0);
  });

  it("cancelling a round's training does not cancel that round's evaluation task sent afterwards", async () => {
    const { agent, work, link } = setup();
    work.gated = true;
    deliver(agent, task(1, 'train'), initialWeights());
    await flush();
    agent.onCancel(1, 'deadline passed');
    work.gates[0]?.resolve();
    work.gated = false;
    // The coordinator moves on and asks every connected node, this straggler included, to evaluate.
    deliver(agent, task(1, 'evaluate'), deltaFor(1));
    await agent.idle();
    assert.deepEqual(link.calls.map((c) => `${c.op}:${c.round}`), ['evaluation:1']);
    assert.equal(agent.stats.cancelled, 0);
  });

  it('runs tasks one at a time, in arrival order', async () => {
    const { agent, work, link } = setup();
    work.gated = true;
    deliver(agent, task(1, 'train'), initialWeights());
    deliver(agent, task(1, 'evaluate'), deltaFor(1));
    deliver(agent, task(2, 'train'), deltaFor(2));
    await flush();
    assert.deepEqual(work.calls.map((c) => `${c.task.round}:${c.kind}`), ['1:train'], 'the second task waits for the first');
    for (let i = 0; i < 3; i++) {
      work.gates[i]?.resolve();
      await flush();
    }
    await agent.idle();
    assert.deepEqual(work.calls.map((c) => `${c.task.round}:${c.kind}`), ['1:train', '1:evaluate', '2:train']);
    assert.deepEqual(work.calls.map((c) => c.global), [initialWeights(), deltaFor(1), deltaFor(2)]);
    assert.deepEqual(link.calls.map((c) => `${c.op}:${c.round}`), ['update:1', 'evaluation:1', 'update:2']);
  });

  it('assembles the next task into the previous weights vector once its work is done, with the new values', async () => {
    const { agent, work } = setup();
    deliver(agent, task(1, 'train'), initialWeights());
    await agent.idle();
    deliver(agent, task(1, 'evaluate'), deltaFor(1));
    await agent.idle();
    deliver(agent, task(2, 'train'), deltaFor(2));
    await agent.idle();
    assert.deepEqual(work.calls.map((c) => c.global), [initialWeights(), deltaFor(1), deltaFor(2)]);
    assert.equal(work.arrays[1], work.arrays[0], 'one vector reused');
    assert.equal(work.arrays[2], work.arrays[0]);
  });

  it('after a task whose weights were bad, the next task still gets exactly its own weights', async () => {
    const { agent, work, link } = setup();
    deliver(agent, task(1, 'train'), initialWeights());
    await agent.idle();
    // Round 2's weights break off after a NaN in the first chunk, leaving a half-written vector.
    const poisoned = deltaFor(9);
    poisoned[0] = Number.NaN;
    agent.onTask(task(2, 'train'));
    agent.onChunk(2, 'train', 0, toChunks(poisoned, CHUNK_BYTES)[0] as Buffer);
    deliver(agent, task(3, 'train'), deltaFor(3));
    await agent.idle();
    assert.deepEqual(
      link.calls.map((c) => `${c.op}:${c.round}`),
      ['update:1', 'decline:2', 'update:3'],
    );
    assert.deepEqual(work.calls.map((c) => c.global), [initialWeights(), deltaFor(3)]);
  });

  it('declines an evaluation when it has no held-out examples', async () => {
    const { agent, work, link } = setup();
    work.examples = 0;
    deliver(agent, task(4, 'evaluate'), initialWeights());
    await agent.idle();
    assert.deepEqual(link.calls, [{ op: 'decline', round: 4, kind: 'evaluate', category: 'no_data', reason: 'no held-out examples to evaluate on' }]);
    assert.equal(agent.stats.evaluated, 0);
    assert.equal(agent.stats.declined, 1);
  });

  it('declines at once when local work throws, keeps the error in its own log, and keeps serving later tasks', async () => {
    const { agent, work, link, log } = setup();
    work.fail = new Error('out of memory');
    deliver(agent, task(1, 'train'), initialWeights());
    deliver(agent, task(1, 'evaluate'), initialWeights());
    await agent.idle();
    work.fail = undefined;
    deliver(agent, task(2, 'train'), initialWeights());
    await agent.idle();
    assert.deepEqual(link.calls, [
      // An error's message may quote the data (a label, a value): it is not sent.
      { op: 'decline', round: 1, kind: 'train', category: 'local_failure', reason: "local train failed (the node's log says why)" },
      { op: 'decline', round: 1, kind: 'evaluate', category: 'local_failure', reason: "local evaluate failed (the node's log says why)" },
      { op: 'update', round: 2, update: { delta: deltaFor(2), numExamples: 7, trainLoss: 0.25, manifestSha256: SPEC.manifest.sha256 } },
    ]);
    assert.ok(log.lines.some((l) => l.level === 'error' && l.msg === 'local work failed' && l.fields.round === 1 && l.fields.err === 'out of memory'));
  });

  it('counts a refused submission as failed and keeps serving later tasks', async () => {
    const { agent, link, log } = setup();
    link.refuse = new CohortError('failed_precondition', 'round 1 is not open');
    deliver(agent, task(1, 'train'), initialWeights());
    await agent.idle();
    link.refuse = undefined;
    deliver(agent, task(2, 'train'), initialWeights());
    await agent.idle();
    assert.deepEqual(link.calls.map((c) => `${c.op}:${c.round}`), ['update:1', 'update:2']);
    assert.equal(agent.stats.failed, 1);
    assert.equal(agent.stats.trained, 1);
    assert.ok(log.lines.some((l) => l.level === 'warn' && l.fields.code === 'failed_precondition' && l.fields.round === 1));
  });

  it('ignores chunks of another task, and a task superseded before its weights arrived', async () => {
    const { agent, work, link, log } = setup();
    const chunks = toChunks(initialWeights(), CHUNK_BYTES);
    agent.onTask(task(1, 'train'));
    agent.onChunk(1, 'train', 0, chunks[0] as Buffer);
    agent.onChunk(1, 'evaluate', 1, chunks[1] as Buffer);
    agent.onChunk(9, 'train', 1, chunks[1] as Buffer);
    agent.onTask(task(2, 'train'));
    chunks.forEach((c, i) => agent.onChunk(1, 'train', i, c));
    chunks.forEach((c, i) => agent.onChunk(2, 'train', i, c));
    await agent.idle();
    assert.deepEqual(work.calls.map((c) => c.task.round), [2]);
    assert.deepEqual(link.calls.map((c) => `${c.op}:${c.round}`), ['update:2']);
    assert.ok(log.lines.some((l) => l.msg === 'task superseded before its weights arrived' && l.fields.round === 1));
    assert.equal(log.lines.filter((l) => l.msg === 'ignoring weights chunk with no matching task').length, 6);
  });
});
