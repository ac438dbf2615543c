/**
 * Hostile and broken nodes (issue 12), each driven by a node written against the contract
 * alone (test/helpers/scripted-node.ts: generated stubs for Join, bulk.proto framing by hand
 * for models and updates), over real TLS on 127.0.0.1:0, among honest node daemons. Each test checks that the honest nodes' round completes with the right
 * participants before its train deadline, and that every upload buffer, queued byte and
 * upload the coordinator held for the hostile nodes is released. Progress timeouts run on
 * an injected manual clock: the test moves time exactly when the scenario needs it.
 */
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import type { IncomingTask, LocalEvaluation, LocalUpdate, LocalWork } from '../../client/core/agent.js';
import { PerturbWork } from '../../client/core/work.js';
import { deferred } from '../../shared/async.js';
import { ManualClock } from '../../shared/clock.js';
import { l2Norm } from '../../shared/dp/clip.js';
import { SeededRandom } from '../../shared/random.js';
import { gaussianNoise } from '../../shared/dp/gaussian.js';
import { DEFAULT_MAX_WEIGHT_SHARE } from '../../server/core/aggregators.js';
import type { RoundEvent, RoundSettings } from '../../server/core/types.js';
import type { StartedCoordinator } from '../../server/main.js';
import { type RunningNode, startTestCoordinator, startTestNode, TEST_SETTINGS, TestPki } from '../helpers/federation.js';
import { LogGate } from '../helpers/log-gate.js';
import { type BulkOutcome, fetchFrame, ScriptedNode, updateFrame, updateHeaderOnly, updatePrefix } from '../helpers/scripted-node.js';

/** PerturbWork whose training waits for `open()`: honest uploads start exactly when a test says. */
class GatedWork implements LocalWork {
  private readonly gate = deferred<void>();
  private readonly inner = new PerturbWork();
  open(): void {
    this.gate.resolve();
  }
  incompatibility(): undefined {
    return undefined;
  }
  async train(task: IncomingTask, global: Float32Array): Promise<LocalUpdate> {
    await this.gate.promise;
    return this.inner.train(task, global);
  }
  evaluate(): LocalEvaluation {
    return this.inner.evaluate();
  }
}

const PROGRESS_MS = 5_000;

/** Every event of a launch until its last round ends. */
async function finals(events: AsyncIterable<RoundEvent>): Promise<RoundEvent[]> {
  const out: RoundEvent[] = [];
  for await (const e of events) if (e.state !== 'running') out.push(e);
  return out;
}

/** Nothing the coordinator held for nodes is left but what `connected` honest sessions hold idle. */
function assertReleased(c: StartedCoordinator, connected: number): void {
  assert.deepEqual(c.coordinator.uploadBuffers, { free: c.coordinator.uploadBuffers.total, total: c.coordinator.uploadBuffers.total }, 'every upload buffer is free');
  assert.equal(c.bulk.uploads, 0, 'no upload is being read');
  assert.equal(c.transport.queuedBytes, 0, 'nothing is queued on any Join stream');
  assert.equal(c.bulk.queuedBytes, 0, 'nothing is queued on any bulk connection');
  assert.equal(c.transport.sessions, connected, 'only the honest sessions are open');
  assert.equal(c.bulk.connections, connected, 'only the honest bulk connections are open');
}

function participated(c: StartedCoordinator): Record<string, number> {
  return Object.fromEntries(c.coordinator.nodes().map((n) => [n.name, n.roundsParticipated]));
}

function assertRefused(o: BulkOutcome, code: string, message: RegExp): void {
  assert.equal(o.code, code, o.message);
  assert.match(o.message, message);
}

describe('hostile and broken nodes (integration)', function () {
  let pki: TestPki;
  let coordinator: StartedCoordinator | undefined;
  let honest: RunningNode[] = [];
  let scripted: ScriptedNode[] = [];
  let log: LogGate;

  before(() => {
    pki = new TestPki();
    const names = [
      ...Array.from({ length: 6 }, (_, i) => `honest-${i + 1}`),
      ...Array.from({ length: 4 }, (_, i) => `abuse-${i + 1}`),
      ...Array.from({ length: 4 }, (_, i) => `stall-${i + 1}`),
      'stuck',
      'liar',
      'third-party',
      'whole-mib',
      'too-many',
      'negative-loss',
      'plain-only',
      'mlp-only',
      'bad-caps',
    ];
    for (const n of names) pki.issue(n, 'node');
  });

  beforeEach(() => {
    log = new LogGate();
  });

  afterEach(async function () {
    if (process.env['COHORT_TEST_DUMP'] && this.currentTest?.state === 'failed') for (const l of log.lines) console.log(l.level, l.msg, JSON.stringify(l.fields));
    for (const s of scripted) s.close();
    await Promise.all(honest.map((n) => n.stop()));
    await coordinator?.close();
    scripted = [];
    honest = [];
    coordinator = undefined;
  });

  after(() => pki.remove());

  async function start(opts: { clock?: ManualClock; settings?: Partial<RoundSettings>; model?: { kind: 'logreg'; features: number; classes: number }; uploadSlots?: number; sendQueueBytes?: number; bulkQueueBytes?: number; progressTimeoutMs?: number } = {}): Promise<StartedCoordinator> {
    coordinator = await startTestCoordinator(pki, {
      log,
      progressTimeoutMs: opts.progressTimeoutMs ?? PROGRESS_MS,
      ...(opts.clock ? { clock: opts.clock } : {}),
      ...(opts.settings ? { settings: opts.settings } : {}),
      ...(opts.model ? { model: opts.model } : {}),
      ...(opts.uploadSlots ? { uploadSlots: opts.uploadSlots } : {}),
      ...(opts.sendQueueBytes ? { sendQueueBytes: opts.sendQueueBytes } : {}),
      ...(opts.bulkQueueBytes ? { bulkQueueBytes: opts.bulkQueueBytes } : {}),
    });
    return coordinator;
  }

  async function honestNodes(c: StartedCoordinator, count: number, work: () => LocalWork = () => new PerturbWork()): Promise<LocalWork[]> {
    const works = Array.from({ length: count }, work);
    honest = works.map((w, i) => startTestNode(pki, c.port, `honest-${i + 1}`, w, { log }));
    await Promise.all(honest.map((n) => n.daemon.when('connected')));
    return works;
  }

  async function connect(c: StartedCoordinator, name: string, opts: Parameters<typeof ScriptedNode.connect>[3] = {}): Promise<ScriptedNode> {
    const node = await ScriptedNode.connect(pki.dir, c.port, name, opts);
    scripted.push(node);
    return node;
  }

  it('1. a node whose upload breaks the contract after its header is dropped from the round at once, and its upload slot is free again', async function () {
    const clock = new ManualClock(Date.now());
    const c = await start({ clock, settings: { minNodes: 2 } });
    const works = (await honestNodes(c, 2, () => new GatedWork())) as GatedWork[];
    const abusers = await Promise.all([1, 2, 3, 4].map((i) => connect(c, `abuse-${i}`)));
    const rounds = finals(c.coordinator.launch({ rounds: 1, settings: {} }).events);

    // Four abusers, one per upload slot: a valid header, then a payload with a NaN (two) or an infinity (two).
    const outcomes = await Promise.all(
      abusers.map(async (node, i) => {
        const { task } = await node.nextTask('TASK_KIND_TRAIN', false);
        const values = new Float32Array(task.numParameters);
        values[task.numParameters - 1] = i < 2 ? Number.NaN : Number.POSITIVE_INFINITY;
        const outcome = await node.upload(updateFrame(task.round, values));
        return { node, round: task.round, outcome };
      }),
    );
    for (const { outcome } of outcomes) assertRefused(outcome, 'invalid_argument', /^value \d+ is (NaN|Infinity): values must be finite/);
    // Released the moment the refusal was sent, not at the train deadline (the clock has not moved).
    assert.equal(c.coordinator.uploadBuffers.free, 4, 'no abuser keeps an upload slot');
    assert.equal(c.bulk.uploads, 0);
    for (const { node } of outcomes) {
      // A refused upload ends the bulk connection and with it the session.
      await node.bulk.closed();
      await node.ended;
    }
    for (const { node, round } of outcomes) {
      // "Still expected" was the bug: the abuser is out of the round, so its Decline is refused.
      assert.notEqual((await node.decline(round)).code, grpc.status.OK);
    }
    const refusals = log.matching({ msg: 'bulk request refused', fields: { code: 'invalid_argument' } });
    assert.deepEqual(refusals.map((l) => l.fields['node']).sort(), ['abuse-1', 'abuse-2', 'abuse-3', 'abuse-4'], 'every refusal is logged');
    assert.equal(log.matching({ msg: 'node left the stage', fields: { reason: 'rejected' } }).length, 4);

    for (const w of works) w.open();
    const [event] = await rounds;
    assert.equal(event?.state, 'completed', event?.reason);
    assert.equal(event?.selected, 6);
    assert.equal(event?.participants, 2);
    assert.ok((event?.seconds ?? Infinity) < TEST_SETTINGS.trainTimeoutMs / 1000, 'finished before the train deadline');
    assert.deepEqual(participated(c), { 'abuse-1': 0, 'abuse-2': 0, 'abuse-3': 0, 'abuse-4': 0, 'honest-1': 1, 'honest-2': 1 });
    assertReleased(c, 2);
  });

  /** Two gated honest nodes and four stallers that answer their train task with `frame`, one round launched. */
  async function stallersRound(frame: (round: number, d: number) => Buffer): Promise<{ clock: ManualClock; c: StartedCoordinator; works: GatedWork[]; stallers: ScriptedNode[]; rounds: Promise<RoundEvent[]>; stalled: Promise<BulkOutcome[]> }> {
    const clock = new ManualClock(Date.now());
    const c = await start({ clock, settings: { minNodes: 2 } });
    const works = (await honestNodes(c, 2, () => new GatedWork())) as GatedWork[];
    const stallers = await Promise.all([1, 2, 3, 4].map((i) => connect(c, `stall-${i}`)));
    const rounds = finals(c.coordinator.launch({ rounds: 1, settings: {} }).events);
    const stalled = Promise.all(
      stallers.map(async (node) => {
        const { task } = await node.nextTask('TASK_KIND_TRAIN', false);
        return node.upload(frame(task.round, task.numParameters));
      }),
    );
    return { clock, c, works, stallers, rounds, stalled };
  }

  /** The round ended exactly one progress timeout in, with the two honest nodes; the stallers are gone and nothing is held for them. */
  async function endedOneProgressTimeoutIn(c: StartedCoordinator, rounds: Promise<RoundEvent[]>, stallers: ScriptedNode[]): Promise<void> {
    const [event] = await rounds;
    assert.equal(event?.state, 'completed', event?.reason);
    assert.equal(event?.participants, 2);
    assert.equal(event?.seconds, PROGRESS_MS / 1000, 'one progress timeout, not the 20 s train deadline');
    assert.deepEqual(participated(c), { 'honest-1': 1, 'honest-2': 1, 'stall-1': 0, 'stall-2': 0, 'stall-3': 0, 'stall-4': 0 });
    await Promise.all(stallers.map((s) => s.ended));
    assertReleased(c, 2);
  }

  it('2. an UPDATE header with no payload holds no upload slot: honest uploads go through at once, and the staller is out at the progress timeout', async function () {
    const { clock, c, works, stallers, rounds, stalled } = await stallersRound((round, d) => updateHeaderOnly(round, d));
    await Promise.all(stallers.map((s) => log.waitFor({ msg: 'upload header received', fields: { node: s.name } })));
    assert.equal(c.coordinator.uploadBuffers.free, c.coordinator.uploadBuffers.total, 'four headers without payload hold none of the four slots');
    for (const w of works) w.open();
    // No time passes: the honest updates are read and accepted with the stallers still connected.
    await Promise.all(['honest-1', 'honest-2'].map((node) => log.waitFor({ msg: 'update acknowledged', fields: { node } })));
    assert.equal(log.matching({ msg: 'reading upload', fields: { node: 'stall-1' } }).length, 0);
    clock.advance(PROGRESS_MS);

    for (const outcome of await stalled) {
      assertRefused(outcome, 'deadline_exceeded', new RegExp(`upload stalled: no payload within ${PROGRESS_MS} ms of its UPDATE header; you are out of round 1`));
    }
    await endedOneProgressTimeoutIn(c, rounds, stallers);
  });

  it('2b. uploads that stall midway hold their slot until the progress timeout; honest uploads waiting for a slot then complete', async function () {
    const { clock, c, works, stallers, rounds, stalled } = await stallersRound((round, d) => updatePrefix(round, d, 1024));
    await Promise.all(stallers.map((s) => log.waitFor({ msg: 'reading upload', fields: { node: s.name } })));
    assert.equal(c.coordinator.uploadBuffers.free, 0, 'the four stallers hold every upload slot');
    for (const w of works) w.open();
    // The honest nodes are done training and queue for a slot behind the stallers.
    await Promise.all(['honest-1', 'honest-2'].map((node) => log.waitFor({ msg: 'upload waiting for a slot', fields: { node } })));
    clock.advance(PROGRESS_MS);

    for (const outcome of await stalled) assertRefused(outcome, 'deadline_exceeded', new RegExp(`upload stalled: less than 65536 bytes in ${PROGRESS_MS} ms; you are out of round 1`));
    assert.equal(log.matching({ msg: 'node left the stage', fields: { reason: 'stalled' } }).length, 4);
    await endedOneProgressTimeoutIn(c, rounds, stallers);
  });

  it('3. a node that stops reading the model it asked for is dropped at the progress timeout and everything queued for it is freed; the rounds go on', async function () {
    const clock = new ManualClock(Date.now());
    // d = 1M: a 4 MB model cannot fit in what a non-reading node's sockets absorb.
    const c = await start({ clock, model: { kind: 'logreg', features: 99_999, classes: 10 }, uploadSlots: 2, settings: { minNodes: 2 } });
    await honestNodes(c, 2);
    const stuck = await connect(c, 'stuck', { stopReading: 'bulk' });
    const rounds = finals(c.coordinator.launch({ rounds: 3, settings: {} }).events);
    const { task } = await stuck.nextTask('TASK_KIND_TRAIN', false);
    // Two FETCHes in a row: the second is read only once the first answer is in the kernel's buffers, so at most one answer waits here.
    await stuck.bulk.write(Buffer.concat([fetchFrame(task.modelVersion), fetchFrame(task.modelVersion)]));

    await log.waitFor({ msg: 'update accepted' }, 2);
    assert.ok(c.bulk.queuedBytes > 0, 'the stuck node has not taken its model');
    assert.ok(c.bulk.queuedBytes <= 4_000_000 + 4096, `at most one model is queued for it, not ${c.bulk.queuedBytes} bytes`);
    clock.advance(PROGRESS_MS);

    await stuck.ended;
    const [drop] = log.matching({ msg: 'bulk peer not keeping up: dropped', fields: { node: 'stuck' } });
    assert.match(String(drop?.fields['reason']), new RegExp(`the peer took nothing of \\d+ queued bytes for ${PROGRESS_MS} ms`));
    const events = await rounds;
    assert.deepEqual(events.map((e) => [e.state, e.participants]), [['completed', 2], ['completed', 2], ['completed', 2]]);
    assert.equal(events[0]?.seconds, PROGRESS_MS / 1000, 'the first round waited one progress timeout for the stuck node, not its train deadline');
    assertReleased(c, 2);
  });

  it('3b. a node whose unsent bytes would pass the send-queue bound is dropped at once, whatever the progress timeout', async function () {
    const clock = new ManualClock(Date.now());
    // The default bound (one model and 1 MiB) holds any single answer; a bound below one model shows the check itself.
    const c = await start({ clock, model: { kind: 'logreg', features: 99_999, classes: 10 }, uploadSlots: 2, settings: { minNodes: 2 }, progressTimeoutMs: 600_000, bulkQueueBytes: 2_000_000 });
    const stuck = await connect(c, 'stuck', { stopReading: 'bulk' });
    await stuck.bulk.write(fetchFrame({ round: c.coordinator.modelVersion.round, sha256: Buffer.from(c.coordinator.modelVersion.sha256) }));
    await stuck.ended;
    const [drop] = log.matching({ msg: 'bulk peer not keeping up: dropped', fields: { node: 'stuck' } });
    assert.match(String(drop?.fields['reason']), /the peer is not keeping up: 0 bytes queued for it and \d+ more would pass the limit of 2000000/);
    assertReleased(c, 0);
  });

  it('4. one node claiming 10M examples moves the model and the federated accuracy by at most its capped share; the median ignores it', async function () {
    const clock = new ManualClock(Date.now());
    // Seven updates: above 1/7 a share can be capped without making every weight equal.
    const c = await start({ clock, settings: { minNodes: 7 } });
    await honestNodes(c, 6);
    const liar = await connect(c, 'liar');
    const before = c.coordinator.weights;
    const noise = new Float32Array(before.length);
    gaussianNoise(noise, 1, new SeededRandom(3));

    const lie = async (): Promise<void> => {
      const { task, weights } = await liar.nextTask();
      assert.deepEqual(weights, c.coordinator.weights, 'the model fetched is the round\'s global model');
      assert.equal((await liar.upload(updateFrame(task.round, noise, { numExamples: 10_000_000 }))).code, 'ack');
      const evaluation = await liar.nextTask('TASK_KIND_EVALUATE', false);
      assert.equal((await liar.evaluate(evaluation.task.round, 10_000_000, 1, 0)).code, grpc.status.OK);
    };
    let [event] = (await Promise.all([finals(c.coordinator.launch({ rounds: 1, settings: {} }).events), lie()]))[0];
    assert.equal(event?.state, 'completed', event?.reason);
    assert.equal(event?.participants, 7);
    const cap = DEFAULT_MAX_WEIGHT_SHARE;
    // The honest nodes report accuracy 0 on 1 example each; uncapped, the liar's 1.0 on 10M would show 0.9999994.
    assert.ok(Math.abs((event?.accuracy ?? -1) - cap) < 1e-9, `federated accuracy ${event?.accuracy}: the liar's share is capped at ${cap}`);

    // Every honest node sent the same PerturbWork delta h: the step is (1 − cap)·h + cap·(the liar's update scaled to norm 10).
    const after = c.coordinator.weights;
    const honestDelta = new PerturbWork().train({ seed: 0 } as IncomingTask, before).delta;
    const step = after.map((w, i) => w - (before[i] as number));
    const h = step.map((s, i) => s - cap * (noise[i] as number) * (10 / l2Norm(noise)));
    const scale = (h[0] as number) / (honestDelta[0] as number);
    for (let i = 0; i < h.length; i++) assert.ok(Math.abs((h[i] as number) - scale * (honestDelta[i] as number)) < 1e-5, `coordinate ${i}`);
    const liarPart = step.map((s, i) => s - (h[i] as number));
    assert.ok(Math.abs(l2Norm(liarPart) - cap * 10) < 1e-3, `the liar moved the model by ${l2Norm(liarPart)}, at most ${cap} × 10`);

    // The same attack against the coordinate-wise median: six equal honest values outvote it in every coordinate.
    const before2 = c.coordinator.weights;
    [event] = (await Promise.all([finals(c.coordinator.launch({ rounds: 1, settings: { aggregator: 'median' } }).events), lie()]))[0];
    assert.equal(event?.state, 'completed', event?.reason);
    const after2 = c.coordinator.weights;
    const round2 = c.coordinator.status().recent.length;
    assert.equal(round2, 2);
    // Up to float32 rounding of the new weights (the liar's scaled values are ~0.1 per coordinate).
    const step2 = after2.map((w, i) => w - (before2[i] as number));
    const honest2 = Math.abs(step2[0] as number);
    assert.ok(honest2 >= 1e-3, 'the step is the honest ±step pattern');
    assert.ok(step2.every((s) => Math.abs(Math.abs(s) - honest2) < 1e-7), 'no coordinate carries any of the liar’s update');
    assertReleased(c, 7);
  });

  it('5. a node that follows the contract (limits from the Task) is accepted above 65,536 parameters; a wrong payload length and out-of-range claims are refused and drop it', async function () {
    const clock = new ManualClock(Date.now());
    // 100,000 parameters: 400 KB each way.
    const c = await start({ clock, model: { kind: 'logreg', features: 999, classes: 100 }, settings: { minNodes: 2 } });
    await honestNodes(c, 1);
    const [third, short, tooMany, negative] = await Promise.all(['third-party', 'whole-mib', 'too-many', 'negative-loss'].map((n) => connect(c, n)));
    const rounds = finals(c.coordinator.launch({ rounds: 1, settings: {} }).events);

    const followed = (async () => {
      const { task, weights } = await (third as ScriptedNode).nextTask();
      assert.equal(weights.length, 100_000);
      assert.equal(task.numParameters, 100_000);
      assert.equal(task.progressTimeoutMs, PROGRESS_MS);
      assert.equal(task.maxUpdateNorm, 10);
      const delta = new Float32Array(weights.length).fill(1e-3);
      return (third as ScriptedNode).upload(updateFrame(task.round, delta, { numExamples: 100 }));
    })();
    const broken = async (node: ScriptedNode, frame: (round: number, d: number) => Buffer): Promise<BulkOutcome> => {
      const { task } = await node.nextTask('TASK_KIND_TRAIN', false);
      const refused = await node.upload(frame(task.round, task.numParameters));
      await node.ended;
      return refused;
    };
    const results = await Promise.all([
      // A payload one value short of what the header announces.
      broken(short as ScriptedNode, (round, d) => updateFrame(round, new Float32Array(d - 1), { numParameters: d })),
      broken(tooMany as ScriptedNode, (round, d) => updateFrame(round, new Float32Array(d), { numExamples: 10_000_001 })),
      broken(negative as ScriptedNode, (round, d) => updateFrame(round, new Float32Array(d), { trainLoss: -1 })),
    ]);
    assert.equal((await followed).code, 'ack');
    const [length, examples, loss] = results;
    assertRefused(length as BulkOutcome, 'invalid_argument', /bulk frame: update announces 399996 payload bytes, its header implies 400000/);
    assertRefused(examples as BulkOutcome, 'invalid_argument', /num_examples must be an integer in \[1, 10000000\], got 10000001/);
    assertRefused(loss as BulkOutcome, 'invalid_argument', /train_loss must be a finite non-negative number, got -1/);

    void (third as ScriptedNode).nextTask('TASK_KIND_EVALUATE', false).then(({ task }) => (third as ScriptedNode).decline(task.round, 'TASK_KIND_EVALUATE'));
    const [event] = await rounds;
    assert.equal(event?.state, 'completed', event?.reason);
    assert.equal(event?.participants, 2);
    assert.equal(participated(c)['third-party'], 1);
    assertReleased(c, 2);
  });

  it('6. a round selects only nodes that said they can do it: no secure or private round for a plain-only node, no task of another model kind', async function () {
    const c = await start({ settings: { minNodes: 3 } });
    await honestNodes(c, 3);
    const plainOnly = await connect(c, 'plain-only', { capabilities: { modelKinds: ['logreg'], secureAggregation: false, privacy: false } });
    const mlpOnly = await connect(c, 'mlp-only', { capabilities: { modelKinds: ['mlp'], secureAggregation: true, privacy: true } });
    let tasks = 0;
    const count = (node: ScriptedNode, kind: 'TASK_KIND_TRAIN' | 'TASK_KIND_EVALUATE'): void => {
      void node.nextTask(kind, false).then(({ task }) => {
        tasks += node === mlpOnly ? 1 : 0;
        return node.decline(task.round, kind);
      });
    };
    // plain-only declines whatever it is asked; the first train task it may see is the plain round's.
    const plainTrain = plainOnly.nextTask('TASK_KIND_TRAIN', false);
    for (let i = 0; i < 3; i++) count(plainOnly, 'TASK_KIND_EVALUATE');
    count(mlpOnly, 'TASK_KIND_TRAIN');
    count(mlpOnly, 'TASK_KIND_EVALUATE');

    const [secure] = await finals(c.coordinator.launch({ rounds: 1, settings: { secureAggregation: true } }).events);
    assert.equal(secure?.state, 'completed', secure?.reason);
    assert.equal(secure?.selected, 3, 'neither the plain-only nor the mlp-only node is in the secure round');
    assert.equal(secure?.participants, 3);
    const [central] = await finals(c.coordinator.launch({ rounds: 1, settings: { noiseMultiplier: 0.5 } }).events);
    assert.equal(central?.state, 'completed', central?.reason);
    assert.equal(central?.selected, 3, 'a node that cannot clip and noise is not in a private round');
    const plain = finals(c.coordinator.launch({ rounds: 1, settings: {} }).events);
    const { task } = await plainTrain;
    assert.equal(task.round, 3, 'the plain-only node is first asked to train in the plain round');
    assert.equal((await plainOnly.decline(task.round)).code, grpc.status.OK);
    const [event] = await plain;
    assert.equal(event?.state, 'completed', event?.reason);
    assert.equal(event?.selected, 4);
    assert.equal(tasks, 0, 'the mlp-only node never got a logreg task');

    const [skipped] = await finals(c.coordinator.launch({ rounds: 1, settings: { secureAggregation: true, minNodes: 4, waitForNodesMs: 10 } }).events);
    assert.equal(skipped?.state, 'skipped');
    assert.match(skipped?.reason ?? '', /only 5 node\(s\) connected after waiting 0\.01 s; only 3 of them can do what this round needs \(model kind "logreg", secure aggregation\); at least 4 needed/);

    const refused = await ScriptedNode.connect(pki.dir, c.port, 'bad-caps', { capabilities: { modelKinds: Array.from({ length: 17 }, (_, i) => `kind-${i}`) } }).then(
      () => assert.fail('a Join with 17 model kinds was accepted'),
      (err: Error) => err,
    );
    assert.match(refused.message, /capabilities list 17 model kinds, at most 16 are allowed/);
    assertReleased(c, 5);
  });

  /** Four header-only stallers and four header abusers answer their train task; resolves with their bulk answers. */
  async function attack(stallers: ScriptedNode[], abusers: ScriptedNode[]): Promise<{ stalled: Promise<BulkOutcome[]>; abused: BulkOutcome[] }> {
    const send = async (node: ScriptedNode, frame: (round: number, d: number) => Buffer): Promise<BulkOutcome> => {
      const { task } = await node.nextTask('TASK_KIND_TRAIN', false);
      return node.upload(frame(task.round, task.numParameters));
    };
    const stalled = Promise.all(stallers.map((s) => send(s, (round, d) => updateHeaderOnly(round, d))));
    await Promise.all(stallers.map((s) => log.waitFor({ msg: 'upload header received', fields: { node: s.name } })));
    const abused = await Promise.all(abusers.map((a, i) => send(a, (round, d) => updateFrame(round, new Float32Array(d), i % 2 === 0 ? { numExamples: 0 } : { encoding: 'TENSOR_ENCODING_INT8' }))));
    for (const o of abused) assertRefused(o, 'invalid_argument', /num_examples must be an integer|bulk frame: update announces/);
    return { stalled, abused };
  }

  it('four stalling and four header-abusing nodes among fourteen: the honest six complete the round one progress timeout in, before the train deadline', async function () {
    const clock = new ManualClock(Date.now());
    const c = await start({ clock, settings: { minNodes: 6 } });
    const works = (await honestNodes(c, 6, () => new GatedWork())) as GatedWork[];
    const stallers = await Promise.all([1, 2, 3, 4].map((i) => connect(c, `stall-${i}`)));
    const abusers = await Promise.all([1, 2, 3, 4].map((i) => connect(c, `abuse-${i}`)));
    const rounds = finals(c.coordinator.launch({ rounds: 1, settings: {} }).events);

    const { stalled } = await attack(stallers, abusers);
    for (const w of works) w.open();
    await Promise.all(works.map((_, i) => log.waitFor({ msg: 'update acknowledged', fields: { node: `honest-${i + 1}` } })));
    clock.advance(PROGRESS_MS);

    for (const o of await stalled) assertRefused(o, 'deadline_exceeded', /upload stalled: no payload/);
    for (const s of [...stallers, ...abusers]) s.close();
    const [event] = await rounds;
    assert.equal(event?.state, 'completed', event?.reason);
    assert.equal(event?.selected, 14);
    assert.equal(event?.participants, 6);
    assert.equal(event?.seconds, PROGRESS_MS / 1000, 'one progress timeout after the round started, against a train deadline of 20 s');
    const counts = participated(c);
    for (let i = 1; i <= 6; i++) assert.equal(counts[`honest-${i}`], 1);
    await log.waitFor({ msg: 'node disconnected' }, 8);
    assertReleased(c, 6);
  });

  it('with --target-updates 6 the same round completes as soon as the honest six are in, with no time passing; a late upload is dropped and its connection kept', async function () {
    const clock = new ManualClock(Date.now());
    const c = await start({ clock, settings: { minNodes: 6, targetUpdates: 6 } });
    const works = (await honestNodes(c, 6, () => new GatedWork())) as GatedWork[];
    const stallers = await Promise.all([1, 2, 3, 4].map((i) => connect(c, `stall-${i}`)));
    const abusers = await Promise.all([1, 2, 3, 4].map((i) => connect(c, `abuse-${i}`)));
    const late = await connect(c, 'third-party');
    const events = c.coordinator.launch({ rounds: 1, settings: {} }).events[Symbol.asyncIterator]();
    const next = async (until: (e: RoundEvent) => boolean): Promise<RoundEvent> => {
      for (let r = await events.next(); !r.done; r = await events.next()) if (until(r.value)) return r.value;
      throw new Error('the launch ended first');
    };

    const { stalled } = await attack(stallers, abusers);
    // An upload in progress when the target is reached: it holds one of the four slots.
    const { task } = await late.nextTask('TASK_KIND_TRAIN', false);
    const d = task.numParameters;
    const whole = updateFrame(task.round, new Float32Array(d));
    const cut = updatePrefix(task.round, d, 1024).length;
    const lateAnswer = late.upload(whole.subarray(0, cut));
    await log.waitFor({ msg: 'reading upload', fields: { node: 'third-party' } });
    for (const w of works) w.open();

    const trained = await next((e) => e.stage === 'evaluate' || e.state !== 'running');
    assert.equal(trained.stage, 'evaluate', trained.reason);
    assert.equal(trained.selected, 15);
    assert.equal(trained.participants, 6);
    assert.equal(trained.seconds, 0, 'no time passed: the train stage did not wait for the stallers');
    const counts = participated(c);
    for (let i = 1; i <= 6; i++) assert.equal(counts[`honest-${i}`], 1);
    assert.equal(log.matching({ msg: 'node left the stage', fields: { reason: 'enough' } }).length, 5, 'the four stallers and the late upload');
    for (const s of [...stallers, late]) assert.match(await s.cancelled(task.round), /round 1 already has its 6 updates/);

    // The late node sends the rest, as the contract asks; it is told its update is no longer wanted, and keeps its connection.
    await late.bulk.write(whole.subarray(cut));
    assertRefused(await lateAnswer, 'failed_precondition', /round 1 no longer takes an update from third-party: the round already had the updates it needed/);
    const stale = await late.fetch(task.modelVersion).catch((err: Error) => err);
    assert.ok(stale instanceof Error && /not_found/.test(stale.message), 'the connection still answers requests (the model it asks for is no longer current)');
    assert.equal((await late.decline(task.round, 'TASK_KIND_EVALUATE')).code, grpc.status.OK, 'and the node is still in the federation: it declines the evaluation');
    clock.advance(PROGRESS_MS);
    for (const o of await stalled) assertRefused(o, 'deadline_exceeded', /upload stalled: no payload/);
    for (const s of [...stallers, ...abusers]) s.close();
    const event = await next((e) => e.state !== 'running');
    assert.equal(event.state, 'completed', event.reason);
    assert.equal(event.evaluated, 6);
    await log.waitFor({ msg: 'node disconnected' }, 8);
    late.close();
    await log.waitFor({ msg: 'node disconnected' }, 9);
    assertReleased(c, 6);
  });

});
