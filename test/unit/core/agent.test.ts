import assert from 'node:assert/strict';
import { type Deferred, deferred } from '../../../shared/async.js';
import { CohortError } from '../../../shared/errors.js';
import { MemoryLogger } from '../../../shared/logger.js';
import type { FederatedModel } from '../../../shared/model/model.js';
import type { DeclineCategory } from '../../../shared/decline.js';
import { type ModelVersion, versionOf } from '../../../shared/model/version.js';
import { SeededRandom } from '../../../shared/random.js';
import { decodeTensor, encodeTensor, type TensorEncoding } from '../../../shared/tensor/codec.js';
import { ModelCache } from '../../../client/core/models.js';
import {
  type CoordinatorLink,
  type Incompatibility,
  type IncomingTask,
  type LocalEvaluation,
  type LocalUpdate,
  type LocalWork,
  NodeAgent,
  type ReceivedModel,
  type TaskKind,
} from '../../../client/core/agent.js';
import { D, DEFAULTS, deltaFor, flush, initialWeights, SPEC } from './fakes.js';

type Call =
  | { op: 'fetch'; want: number; have: number | undefined }
  | { op: 'update'; round: number; update: LocalUpdate; encoding: TensorEncoding }
  | { op: 'evaluation'; round: number; evaluation: LocalEvaluation }
  | { op: 'decline'; round: number; kind: TaskKind; category: DeclineCategory; reason: string }
  | { op: 'secagg'; round: number; type: string }
  | { op: 'masked'; round: number; words: number };

/**
 * Records every outbound call and serves models as the coordinator would: by version, whole,
 * or as an int8 delta when asked from the version `deltaFrom` names. `corrupt` makes the
 * next N answers arrive with one value changed; `refuse` makes submissions fail.
 */
class FakeLink implements CoordinatorLink {
  readonly calls: Call[] = [];
  refuse: CohortError | undefined;
  /** Models the fake coordinator can send, by sha256 hex. */
  readonly models = new Map<string, Float32Array>();
  /** A delta the fake coordinator has: from `base` to `version`, int8. */
  delta: { base: ModelVersion; version: ModelVersion; payload: Buffer } | undefined;
  corrupt = 0;
  /** Versions no longer current (FETCH answered not_found). */
  readonly stale = new Set<string>();

  private answer(): Promise<void> {
    return this.refuse ? Promise.reject(this.refuse) : Promise.resolve();
  }
  fetchModel(want: ModelVersion, have: ModelVersion | undefined, base: Float32Array | undefined, into: Float32Array): Promise<ReceivedModel> {
    this.calls.push({ op: 'fetch', want: want.round, have: have?.round });
    const key = want.sha256.toString('hex');
    if (this.stale.has(key)) return Promise.reject(new CohortError('not_found', 'stale'));
    const w = this.models.get(key);
    if (!w) return Promise.reject(new Error(`the fake coordinator has no model ${want.round}`));
    let encoding: TensorEncoding = 'f32';
    const d = this.delta;
    if (d && base && have && have.sha256.equals(d.base.sha256) && want.sha256.equals(d.version.sha256)) {
      into.set(base);
      decodeTensor(d.payload, into, 'int8', 'add');
      encoding = 'int8';
    } else {
      into.set(w);
    }
    if (this.corrupt > 0) {
      this.corrupt -= 1;
      into[3] = (into[3] as number) + 1;
    }
    return Promise.resolve({ weights: into, encoding, payloadBytes: encoding === 'f32' ? into.byteLength : d?.payload.length ?? 0 });
  }
  /** Make `weights` the model of `round`, fetchable by its version. */
  publish(round: number, weights: Float32Array): ModelVersion {
    const v = versionOf(round, weights);
    this.models.set(v.sha256.toString('hex'), weights.slice());
    return v;
  }
  submitUpdate(round: number, update: LocalUpdate, encoding: TensorEncoding): Promise<void> {
    this.calls.push({ op: 'update', round, update, encoding });
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

const NO_MODEL: ModelVersion = { round: 0, sha256: Buffer.alloc(32) };

function task(round: number, kind: TaskKind, over: Partial<IncomingTask> = {}): IncomingTask {
  return { round, kind, model: SPEC, train: DEFAULTS.train, numParameters: D, deadlineMs: 10_000, seed: 7, modelVersion: NO_MODEL, updateEncoding: 'f32', ...over };
}

interface Setup {
  agent: NodeAgent;
  work: FakeWork;
  link: FakeLink;
  log: MemoryLogger;
  models: ModelCache;
  /** Publish `weights` as the model of the task's round and send the task naming it. */
  deliver(t: IncomingTask, weights: Float32Array): ModelVersion;
}

function setup(): Setup {
  const work = new FakeWork();
  const link = new FakeLink();
  const log = new MemoryLogger();
  const models = new ModelCache(undefined, log);
  const agent = new NodeAgent(work, link, models, log);
  return {
    agent,
    work,
    link,
    log,
    models,
    deliver(t, weights) {
      const modelVersion = link.publish(t.round, weights);
      agent.onTask({ ...t, modelVersion });
      return modelVersion;
    },
  };
}

const fetches = (link: FakeLink): string[] => link.calls.filter((c) => c.op === 'fetch').map((c) => (c.op === 'fetch' ? `${c.want}<-${c.have ?? 'none'}` : ''));
const submissions = (link: FakeLink): Call[] => link.calls.filter((c) => c.op !== 'fetch');

describe('NodeAgent (fake local work and link)', () => {
  it('fetches the model a task names, trains on exactly those weights and submits the delta in the task\'s encoding', async () => {
    const { agent, work, link, deliver } = setup();
    const t = task(3, 'train', { updateEncoding: 'int8' });
    deliver(t, initialWeights());
    await agent.idle();
    assert.equal(work.calls.length, 1);
    assert.equal(work.calls[0]?.task.round, 3);
    assert.deepEqual(work.calls[0]?.global, initialWeights());
    assert.deepEqual(fetches(link), ['3<-none']);
    assert.deepEqual(submissions(link), [{ op: 'update', round: 3, update: { delta: deltaFor(3), numExamples: 7, trainLoss: 0.25, manifestSha256: SPEC.manifest.sha256 }, encoding: 'int8' }]);
    assert.deepEqual(agent.stats, { trained: 1, evaluated: 0, declined: 0, failed: 0, cancelled: 0, declinedForBudget: 0 });
  });

  it('evaluates the weights named and submits the evaluation', async () => {
    const { agent, work, link, deliver } = setup();
    const w = deltaFor(4);
    deliver(task(2, 'evaluate'), w);
    await agent.idle();
    assert.deepEqual(work.calls.map((c) => [c.kind, c.global]), [['evaluate', w]]);
    assert.deepEqual(submissions(link), [{ op: 'evaluation', round: 2, evaluation: { numExamples: 7, accuracy: 0.75, loss: 0.5 } }]);
    assert.equal(agent.stats.evaluated, 1);
  });

  it('fetches each model version once: the evaluation of round r and the training of round r + 1 share it', async () => {
    const { agent, work, link, models, deliver } = setup();
    const v0 = deliver(task(1, 'train'), initialWeights());
    const v1 = deliver(task(1, 'evaluate'), deltaFor(1));
    agent.onTask({ ...task(2, 'train'), modelVersion: v1 });
    deliver(task(2, 'evaluate'), deltaFor(2));
    await agent.idle();
    assert.deepEqual(fetches(link), ['1<-none', '1<-1', '2<-1'], 'round 2 training fetched nothing');
    assert.deepEqual(work.calls.map((c) => `${c.task.round}:${c.kind}`), ['1:train', '1:evaluate', '2:train', '2:evaluate']);
    assert.deepEqual(work.calls.map((c) => c.global), [initialWeights(), deltaFor(1), deltaFor(1), deltaFor(2)]);
    assert.deepEqual(models.stats, { hits: 1, full: 3, deltas: 0, mismatches: 0, bytes: 3 * D * 4 });
    assert.ok(models.held && models.held.sha256.equals(versionOf(2, deltaFor(2)).sha256));
    assert.ok(v0.round === 1);
  });

  it('takes a quantised delta against the model it holds, checked against the version\'s hash', async () => {
    const { agent, work, link, models, deliver } = setup();
    const v1 = deliver(task(1, 'evaluate'), initialWeights());
    await agent.idle();
    // The coordinator commits initial + dequantised int8 delta, exactly as the node rebuilds it.
    const rng = new SeededRandom(3);
    const payload = encodeTensor(deltaFor(5), 'int8', () => rng.next32());
    const next = decodeTensor(payload, initialWeights(), 'int8', 'add');
    const v2 = link.publish(2, next);
    link.delta = { base: v1, version: v2, payload };
    agent.onTask({ ...task(2, 'train'), modelVersion: v2 });
    await agent.idle();
    assert.deepEqual(fetches(link), ['1<-none', '2<-1']);
    assert.deepEqual(work.calls[1]?.global, next);
    assert.equal(models.stats.deltas, 1);
  });

  it('never works on weights whose hash does not match: fetches the whole model again, and declines if that fails too', async () => {
    const { agent, work, link, models, log, deliver } = setup();
    deliver(task(1, 'evaluate'), initialWeights());
    await agent.idle();
    // Round 2: the first answer is damaged, the whole model fetched again is right.
    link.corrupt = 1;
    deliver(task(2, 'train'), deltaFor(2));
    await agent.idle();
    assert.deepEqual(fetches(link), ['1<-none', '2<-1', '2<-none']);
    assert.deepEqual(work.calls.map((c) => c.global), [initialWeights(), deltaFor(2)]);
    // Round 3: every answer is damaged: one decline, no work.
    link.corrupt = 2;
    deliver(task(3, 'train'), deltaFor(3));
    await agent.idle();
    assert.equal(work.calls.length, 2, 'no work on damaged weights');
    const last = link.calls.at(-1);
    assert.ok(last?.op === 'decline' && last.round === 3);
    assert.match(last.reason, /the model sent for round 3 \([0-9a-f]{12}\) does not match its hash/);
    assert.equal(models.stats.mismatches, 3);
    assert.ok(models.held?.sha256.equals(versionOf(2, deltaFor(2)).sha256), 'the verified model is kept');
    assert.ok(log.lines.some((l) => l.level === 'warn' && l.msg === 'model rebuilt from a delta does not match its hash; fetching it whole'));
  });

  it('a task whose model is no longer current is dropped without a decline', async () => {
    const { agent, work, link, log } = setup();
    const v = link.publish(5, initialWeights());
    link.stale.add(v.sha256.toString('hex'));
    agent.onTask({ ...task(5, 'train'), modelVersion: v });
    await agent.idle();
    assert.deepEqual(submissions(link), []);
    assert.equal(work.calls.length, 0);
    assert.ok(log.lines.some((l) => l.msg === 'task is stale: its model is no longer current'));
  });

  it('declines a task for a model it cannot work on, with the reason, and fetches nothing', async () => {
    const { agent, work, link, deliver } = setup();
    work.incompatible = { category: 'data', reason: 'data has 9 features, the model expects 4', detail: 'columns a, b, c, … (only in this node\'s log)' };
    deliver(task(1, 'train'), initialWeights());
    await agent.idle();
    assert.deepEqual(link.calls, [{ op: 'decline', round: 1, kind: 'train', category: 'data', reason: 'data has 9 features, the model expects 4' }]);
    assert.equal(work.calls.length, 0);
    assert.equal(agent.stats.declined, 1);
  });

  it('declines a task whose header does not fit its model, or a secure round with a quantised update', async () => {
    const { agent, work, link } = setup();
    agent.onTask(task(1, 'train', { numParameters: D + 1 }));
    agent.onTask(task(2, 'train', { updateEncoding: 'int8', secure: {} as never }));
    agent.onMalformedTask(3, 'train', 'task has no model');
    await agent.idle();
    assert.deepEqual(link.calls, [
      { op: 'decline', round: 1, kind: 'train', category: 'bad_task', reason: 'task announces 16 parameters but the model has 15' },
      { op: 'decline', round: 2, kind: 'train', category: 'bad_task', reason: "a secure round's masked input is sent as float32 words, not int8" },
      { op: 'decline', round: 3, kind: 'train', category: 'bad_task', reason: 'task has no model' },
    ]);
    assert.equal(work.calls.length, 0);
  });

  it('a cancel before a queued task runs means nothing is fetched, trained or submitted', async () => {
    const { agent, work, link, deliver } = setup();
    work.gated = true;
    deliver(task(1, 'evaluate'), initialWeights());
    deliver(task(2, 'train'), deltaFor(2));
    await flush();
    agent.onCancel(2, 'deadline passed');
    work.gates[0]?.resolve();
    await agent.idle();
    assert.deepEqual(fetches(link), ['1<-none']);
    assert.deepEqual(work.calls.map((c) => `${c.task.round}:${c.kind}`), ['1:evaluate']);
    assert.equal(agent.stats.cancelled, 1);
  });

  it('a cancel during training suppresses the submission; a cancel of a queued task skips it', async () => {
    const { agent, work, link, deliver } = setup();
    work.gated = true;
    deliver(task(1, 'train'), initialWeights());
    deliver(task(2, 'train'), initialWeights());
    await flush();
    assert.equal(work.gates.length, 1);
    agent.onCancel(1, 'deadline passed');
    agent.onCancel(2, 'deadline passed');
    work.gates[0]?.resolve();
    await agent.idle();
    assert.equal(work.calls.length, 1, 'the queued task never ran');
    assert.deepEqual(submissions(link), []);
    assert.equal(agent.stats.cancelled, 1);
    assert.equal(agent.stats.trained, 0);
  });

  it("cancelling a round's training does not cancel that round's evaluation task sent afterwards", async () => {
    const { agent, work, link, deliver } = setup();
    work.gated = true;
    deliver(task(1, 'train'), initialWeights());
    await flush();
    agent.onCancel(1, 'deadline passed');
    work.gates[0]?.resolve();
    work.gated = false;
    // The coordinator moves on and asks every connected node, this straggler included, to evaluate.
    deliver(task(1, 'evaluate'), deltaFor(1));
    await agent.idle();
    assert.deepEqual(submissions(link).map((c) => `${c.op}:${'round' in c ? c.round : ''}`), ['evaluation:1']);
    assert.equal(agent.stats.cancelled, 0);
  });

  it('runs tasks one at a time, in arrival order', async () => {
    const { agent, work, link, deliver } = setup();
    work.gated = true;
    deliver(task(1, 'train'), initialWeights());
    deliver(task(1, 'evaluate'), deltaFor(1));
    deliver(task(2, 'train'), deltaFor(2));
    await flush();
    assert.deepEqual(work.calls.map((c) => `${c.task.round}:${c.kind}`), ['1:train'], 'the second task waits for the first');
    for (let i = 0; i < 3; i++) {
      work.gates[i]?.resolve();
      await flush();
    }
    await agent.idle();
    assert.deepEqual(work.calls.map((c) => `${c.task.round}:${c.kind}`), ['1:train', '1:evaluate', '2:train']);
    assert.deepEqual(work.calls.map((c) => c.global), [initialWeights(), deltaFor(1), deltaFor(2)]);
    assert.deepEqual(submissions(link).map((c) => `${c.op}:${'round' in c ? c.round : ''}`), ['update:1', 'evaluation:1', 'update:2']);
  });

  it('receives each new model into the vector of the one before the last: two vectors in all', async () => {
    const { agent, work, deliver } = setup();
    deliver(task(1, 'train'), initialWeights());
    await agent.idle();
    deliver(task(1, 'evaluate'), deltaFor(1));
    await agent.idle();
    deliver(task(2, 'evaluate'), deltaFor(2));
    await agent.idle();
    assert.deepEqual(work.calls.map((c) => c.global), [initialWeights(), deltaFor(1), deltaFor(2)]);
    assert.notEqual(work.arrays[1], work.arrays[0]);
    assert.equal(work.arrays[2], work.arrays[0], 'the oldest vector is reused');
  });

  it('declines an evaluation when it has no held-out examples', async () => {
    const { agent, work, link, deliver } = setup();
    work.examples = 0;
    deliver(task(4, 'evaluate'), initialWeights());
    await agent.idle();
    assert.deepEqual(submissions(link), [{ op: 'decline', round: 4, kind: 'evaluate', category: 'no_data', reason: 'no held-out examples to evaluate on' }]);
    assert.equal(agent.stats.evaluated, 0);
    assert.equal(agent.stats.declined, 1);
  });

  it('declines at once when local work throws, keeps the error in its own log, and keeps serving later tasks', async () => {
    const { agent, work, link, log, deliver } = setup();
    work.fail = new Error('out of memory');
    deliver(task(1, 'train'), initialWeights());
    deliver(task(1, 'evaluate'), initialWeights());
    await agent.idle();
    work.fail = undefined;
    deliver(task(2, 'train'), initialWeights());
    await agent.idle();
    assert.deepEqual(submissions(link), [
      // An error's message may quote the data (a label, a value): it is not sent.
      { op: 'decline', round: 1, kind: 'train', category: 'local_failure', reason: "local train failed (the node's log says why)" },
      { op: 'decline', round: 1, kind: 'evaluate', category: 'local_failure', reason: "local evaluate failed (the node's log says why)" },
      { op: 'update', round: 2, update: { delta: deltaFor(2), numExamples: 7, trainLoss: 0.25, manifestSha256: SPEC.manifest.sha256 }, encoding: 'f32' },
    ]);
    assert.ok(log.lines.some((l) => l.level === 'error' && l.msg === 'local work failed' && l.fields.round === 1 && l.fields.err === 'out of memory'));
  });

  it('counts a refused submission as failed and keeps serving later tasks', async () => {
    const { agent, link, log, deliver } = setup();
    link.refuse = new CohortError('failed_precondition', 'round 1 is not open');
    deliver(task(1, 'train'), initialWeights());
    await agent.idle();
    link.refuse = undefined;
    deliver(task(2, 'train'), initialWeights());
    await agent.idle();
    assert.deepEqual(submissions(link).map((c) => `${c.op}:${'round' in c ? c.round : ''}`), ['update:1', 'update:2']);
    assert.equal(agent.stats.failed, 1);
    assert.equal(agent.stats.trained, 1);
    assert.ok(log.lines.some((l) => l.level === 'warn' && l.fields.code === 'failed_precondition' && l.fields.round === 1));
  });
});
