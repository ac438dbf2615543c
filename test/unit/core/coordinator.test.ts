import assert from 'node:assert/strict';
import { CohortError } from '../../../shared/errors.js';
import { weightsHash } from '../../../shared/model/version.js';
import { SeededRandom } from '../../../shared/random.js';
import { decodeTensor, encodeTensor } from '../../../shared/tensor/codec.js';
import { DEFAULT_PROGRESS_TIMEOUT_MS, type LaunchSettings } from '../../../server/core/coordinator.js';
import { MemoryJournal } from '../../../server/core/journal.js';
import type { NodeRecord, RoundEvent } from '../../../server/core/types.js';
import {
  autoAnswer,
  type Broadcast,
  pieces,
  collect,
  D,
  DEFAULTS,
  deltaFor,
  type FakeSession,
  fedAvg,
  finals,
  type Harness,
  harness,
  header,
  initialWeights,
  scriptedRandom,
  SPEC,
  state,
  upload,
  weightsOf,
} from './fakes.js';
import { coded } from '../../helpers/errors.js';

function last(events: readonly RoundEvent[]): RoundEvent {
  const e = events[events.length - 1];
  assert.ok(e, 'no events');
  return e;
}

const never = new AbortController().signal;

/** Connect `names`, launch one round and wait until each of `selected` has its train broadcast. */
async function startRound(
  h: Harness,
  names: readonly string[],
  settings: LaunchSettings = {},
  selected: readonly string[] = names,
): Promise<{ sessions: FakeSession[]; events: Promise<RoundEvent[]> }> {
  const sessions = names.map((n) => h.connect(n));
  const events = collect(h.coordinator.launch({ rounds: 1, settings }).events);
  const sent = await Promise.all(sessions.filter((s) => selected.includes(s.name)).map((s) => s.next()));
  for (const b of sent) assert.equal(b.task.kind, 'train');
  return { sessions, events };
}

/** Read each session's evaluate broadcast and answer it with the same report. */
async function evaluateAll(h: Harness, sessions: readonly FakeSession[], round: number): Promise<void> {
  for (const s of sessions) {
    const b = await s.next();
    assert.equal(b.task.kind, 'evaluate');
    assert.equal(b.task.round, round);
    h.coordinator.submitEvaluation(s.name, { round, numExamples: 10, accuracy: 0.5, loss: 1 });
  }
}

function warned(h: Harness, msg: string, fields: Record<string, unknown>): boolean {
  return h.log.lines.some((l) => l.level === 'warn' && l.msg === msg && Object.entries(fields).every(([k, v]) => l.fields[k] === v));
}

/** `delta` with one value replaced. */
function poisoned(delta: Float32Array, at: number, value: number): Float32Array {
  const out = delta.slice();
  out[at] = value;
  return out;
}

describe('Coordinator (fake sessions, manual clock)', () => {
  describe('a complete round', () => {
    it('broadcasts the global weights, applies the exact FedAvg of the deltas and reports weighted metrics', async () => {
      const h = harness();
      const [a, b, c] = ['a', 'b', 'c'].map((n) => h.connect(n)) as [FakeSession, FakeSession, FakeSession];
      const handle = h.coordinator.launch({ rounds: 1, settings: {} });
      assert.equal(handle.firstRound, 1);
      assert.equal(handle.rounds, 1);
      const eventsP = collect(handle.events);

      const train = await Promise.all([a, b, c].map((s) => s.next()));
      const first = train[0];
      assert.ok(first);
      for (const t of train) assert.equal(t.task, first.task, 'one prepared task shared by every node');
      assert.deepEqual(first.task, {
        round: 1,
        kind: 'train',
        model: SPEC,
        train: DEFAULTS.train,
        numParameters: D,
        deadlineMs: DEFAULTS.trainTimeoutMs,
        seed: first.task.seed,
        modelVersion: { round: 0, sha256: weightsHash(initialWeights()) },
        updateEncoding: 'f32',
        progressTimeoutMs: DEFAULT_PROGRESS_TIMEOUT_MS,
        maxUpdateNorm: DEFAULTS.clipNorm,
      });
      assert.deepEqual(weightsOf(first, h), initialWeights());

      const updates = [
        { name: 'a', delta: deltaFor(0), examples: 1 },
        { name: 'b', delta: deltaFor(1), examples: 3 },
        { name: 'c', delta: deltaFor(2), examples: 4 },
      ];
      for (const u of updates) await upload(h, u.name, 1, u.delta, u.examples);
      const expected = fedAvg(initialWeights(), updates);
      assert.notDeepEqual(expected, initialWeights());
      // The unweighted mean differs, so a weighting bug cannot pass.
      assert.notDeepEqual(expected, fedAvg(initialWeights(), updates.map((u) => ({ ...u, examples: 1 }))));

      const evaluation = await Promise.all([a, b, c].map((s) => s.next()));
      for (const e of evaluation) {
        assert.equal(e.task.kind, 'evaluate');
        assert.equal(e.task.round, 1);
        assert.equal(e.task.deadlineMs, DEFAULTS.evalTimeoutMs);
        assert.deepEqual(weightsOf(e, h), expected, 'nodes evaluate the new model');
      }
      // Committed before it was sent for evaluation: the journal already holds the round.
      assert.deepEqual(h.coordinator.weights, expected);
      assert.deepEqual(
        (h.journal as MemoryJournal).events.map((e) => [e.round, e.state, e.accuracy]),
        [[1, 'completed', undefined]],
      );
      assert.equal(h.coordinator.status().current?.stage, 'evaluate');
      h.coordinator.submitEvaluation('a', { round: 1, numExamples: 100, accuracy: 0.5, loss: 1 });
      h.coordinator.submitEvaluation('b', { round: 1, numExamples: 300, accuracy: 0.75, loss: 2 });
      h.coordinator.submitEvaluation('c', { round: 1, numExamples: 100, accuracy: 1, loss: 0.5 });

      const events = await eventsP;
      assert.deepEqual(
        events.filter((e) => e.state === 'running').map((e) => e.stage),
        ['wait', 'select', 'train', 'commit', 'evaluate'],
      );
      const done = last(events);
      assert.deepEqual(done, {
        round: 1,
        state: 'completed',
        selected: 3,
        participants: 3,
        evaluated: 3,
        accuracy: (50 + 225 + 100) / 500,
        loss: (100 + 600 + 50) / 500,
        seconds: 0,
        startedAtMs: 0,
        index: 1,
        of: 1,
      });
      assert.deepEqual(h.coordinator.weights, expected);
      assert.deepEqual(
        h.coordinator.nodes().map((n) => [n.name, n.status, n.roundsParticipated]),
        [
          ['a', 'connected', 1],
          ['b', 'connected', 1],
          ['c', 'connected', 1],
        ],
      );
      const status = h.coordinator.status();
      assert.equal(status.completedRounds, 1);
      assert.equal(status.current, undefined);
      assert.deepEqual(status.recent, [done]);
      assert.equal(status.queuedRounds, 0);
      assert.equal(status.numParameters, D);
      assert.equal(h.clock.pending, 0, 'deadline timers are cancelled');
      assert.ok(h.log.lines.some((l) => l.level === 'info' && l.msg === 'round 1 completed' && l.fields.round === 1 && l.fields.participants === 3));
    });

    it('the weights getter hands out a copy', () => {
      const h = harness();
      const w = h.coordinator.weights;
      w[0] = 1234;
      assert.deepEqual(h.coordinator.weights, initialWeights());
    });

    it('refuses initial weights that do not fit the model', () => {
      assert.throws(() => harness({ initialWeights: new Float32Array(D - 1) }), coded('invalid_argument', /initial weights have 14 values, the model needs 15/));
    });
  });

  describe('selection', () => {
    it('skips the round when fewer than min-nodes are selected, naming the counts, and sends nothing', async () => {
      // Candidates are sorted by name: a draws 0.9 (out), b 0.1 (in), c 0.9 (out).
      const h = harness({ samplingRng: scriptedRandom([0.9, 0.1, 0.9]), defaults: { sampleRate: 0.5, minNodes: 2 } });
      const sessions = ['a', 'b', 'c'].map((n) => h.connect(n));
      const events = await collect(h.coordinator.launch({ rounds: 1, settings: {} }).events);
      const e = last(events);
      assert.equal(e.state, 'skipped');
      assert.equal(e.selected, 1);
      assert.equal(e.participants, 0);
      assert.equal(e.reason, 'only 1 of 3 connected nodes were selected (sample rate 0.5); at least 2 needed');
      for (const s of sessions) assert.equal(s.sent.length, 0);
      assert.deepEqual(h.coordinator.weights, initialWeights());
      assert.equal(h.coordinator.status().completedRounds, 0);
      assert.ok(warned(h, 'round 1 skipped: only 1 of 3 connected nodes were selected (sample rate 0.5); at least 2 needed', { round: 1 }));
    });

    it('only the sampled nodes get the task', async () => {
      const h = harness({ samplingRng: scriptedRandom([0.1, 0.9, 0.2]), defaults: { sampleRate: 0.5 } });
      const { sessions, events } = await startRound(h, ['a', 'b', 'c'], {}, ['a', 'c']);
      assert.equal(sessions[1]?.sent.length, 0);
      await upload(h, 'a', 1, deltaFor(0), 1);
      await upload(h, 'c', 1, deltaFor(2), 1);
      await evaluateAll(h, sessions, 1);
      const e = last(await events);
      assert.equal(e.selected, 2);
      assert.equal(e.participants, 2);
      assert.equal(e.evaluated, 3, 'every connected node evaluates');
    });

    it('waits for min-nodes to connect before selecting', async () => {
      const h = harness({ defaults: { minNodes: 2 } });
      const a = h.connect('a');
      const handle = h.coordinator.launch({ rounds: 1, settings: {} });
      const it = handle.events[Symbol.asyncIterator]();
      assert.equal((await it.next()).value?.stage, 'wait');
      const aTrain = a.next();
      assert.equal(await state(aTrain), 'pending');
      const b = h.connect('b');
      await aTrain;
      await b.next();
      await upload(h, 'a', 1, deltaFor(0), 1);
      await upload(h, 'b', 1, deltaFor(1), 1);
      await evaluateAll(h, [a, b], 1);
      const rest: RoundEvent[] = [];
      for (let r = await it.next(); !r.done; r = await it.next()) rest.push(r.value);
      assert.equal(last(rest).state, 'completed');
      assert.equal(last(rest).selected, 2);
    });

    it('stops waiting for nodes after waitForNodesMs and skips', async () => {
      const h = harness({ defaults: { minNodes: 2, waitForNodesMs: 1000 } });
      h.connect('a');
      const eventsP = collect(h.coordinator.launch({ rounds: 1, settings: {} }).events);
      h.clock.advance(999);
      assert.equal(await state(eventsP), 'pending');
      h.clock.advance(1);
      const e = last(await eventsP);
      assert.equal(e.state, 'skipped');
      assert.equal(e.reason, 'only 1 node(s) connected after waiting 1 s; at least 2 needed');
      assert.equal(e.seconds, 1);
    });
  });

  describe('nodes that drop out', () => {
    it('drops a node that never answers at the train deadline and completes with the rest', async () => {
      const h = harness();
      const { sessions, events } = await startRound(h, ['a', 'b', 'c']);
      const [a, b, c] = sessions as [FakeSession, FakeSession, FakeSession];
      await upload(h, 'a', 1, deltaFor(0), 2);
      await upload(h, 'b', 1, deltaFor(1), 6);
      h.clock.advance(DEFAULTS.trainTimeoutMs - 1);
      assert.equal(await state(events), 'pending');
      assert.equal(h.coordinator.status().current?.stage, 'train');
      assert.deepEqual(c.cancels, []);
      h.clock.advance(1);
      assert.deepEqual(c.cancels, [{ round: 1, reason: 'deadline passed' }]);
      assert.deepEqual(a.cancels, []);
      assert.deepEqual(b.cancels, []);
      // A late upload right after the deadline is refused.
      await assert.rejects(h.coordinator.openUpdate('c', header(1, deltaFor(2), 1), never), coded('failed_precondition', /^c is no longer part of round 1 \(deadline\)$/));

      const expected = fedAvg(initialWeights(), [
        { delta: deltaFor(0), examples: 2 },
        { delta: deltaFor(1), examples: 6 },
      ]);
      // The straggler is still connected, so it is asked to evaluate too; it stays silent.
      const evals = await Promise.all(sessions.map((s) => s.next()));
      for (const e of evals) assert.deepEqual(weightsOf(e, h), expected);
      h.coordinator.submitEvaluation('a', { round: 1, numExamples: 10, accuracy: 0.5, loss: 1 });
      h.coordinator.submitEvaluation('b', { round: 1, numExamples: 30, accuracy: 0.25, loss: 3 });
      h.clock.advance(DEFAULTS.evalTimeoutMs);
      assert.equal(c.cancels.length, 2);
      const e = last(await events);
      assert.equal(e.state, 'completed');
      assert.equal(e.selected, 3);
      assert.equal(e.participants, 2);
      assert.equal(e.evaluated, 2);
      assert.equal(e.accuracy, (5 + 7.5) / 40);
      assert.equal(e.loss, (10 + 90) / 40);
      assert.equal(e.seconds, (DEFAULTS.trainTimeoutMs + DEFAULTS.evalTimeoutMs) / 1000);
      assert.deepEqual(h.coordinator.weights, expected);
      assert.equal(h.coordinator.nodes().find((n) => n.name === 'c')?.roundsParticipated, 0);
      assert.ok(warned(h, 'node left the stage', { node: 'c', reason: 'deadline', stage: 'train' }));
      assert.equal(h.clock.pending, 0);
    });

    it('fails the round, global weights unchanged, when fewer than min-nodes return an update', async () => {
      const h = harness({ defaults: { minNodes: 3 } });
      const { sessions, events } = await startRound(h, ['a', 'b', 'c']);
      await upload(h, 'a', 1, deltaFor(0), 1);
      await upload(h, 'b', 1, deltaFor(1), 1);
      h.clock.advance(DEFAULTS.trainTimeoutMs);
      const e = last(await events);
      assert.equal(e.state, 'failed');
      assert.equal(e.selected, 3);
      assert.equal(e.participants, 2);
      assert.equal(
        e.reason,
        'only 2 of 3 selected nodes returned a valid update (1 dropped, timed out, declined or were rejected); at least 3 needed — the global model is unchanged',
      );
      assert.deepEqual(h.coordinator.weights, initialWeights());
      for (const s of sessions) assert.equal(s.sent.length, 1, 'no evaluation of a model that was not made');
      assert.ok(h.coordinator.nodes().every((n) => n.roundsParticipated === 0));
      assert.equal(h.coordinator.status().completedRounds, 0);
    });

    it('a node whose session closes mid-train leaves at once; the round does not wait for the deadline', async () => {
      const h = harness();
      const { sessions, events } = await startRound(h, ['a', 'b', 'c']);
      const [a, b, c] = sessions as [FakeSession, FakeSession, FakeSession];
      await upload(h, 'a', 1, deltaFor(0), 1);
      await upload(h, 'b', 1, deltaFor(1), 1);
      assert.equal(h.coordinator.status().current?.stage, 'train');
      h.coordinator.detach(c, 'stream closed');
      await evaluateAll(h, [a, b], 1);
      const e = last(await events);
      assert.equal(e.state, 'completed');
      assert.equal(e.participants, 2);
      assert.equal(e.evaluated, 2);
      assert.equal(e.seconds, 0);
      assert.equal(c.sent.length, 1, 'a disconnected node is not asked to evaluate');
      assert.equal(h.coordinator.nodes().find((n) => n.name === 'c')?.status, 'disconnected');
      assert.ok(warned(h, 'node left the stage', { node: 'c', reason: 'disconnected', detail: 'stream closed' }));
      assert.deepEqual(h.coordinator.weights, fedAvg(initialWeights(), [
        { delta: deltaFor(0), examples: 1 },
        { delta: deltaFor(1), examples: 1 },
      ]));
    });

    it('the late close of a replaced session does not drop the reconnected node', async () => {
      const h = harness();
      const { sessions, events } = await startRound(h, ['a', 'b']);
      const [a, b] = sessions as [FakeSession, FakeSession];
      const b2 = h.connect('b');
      assert.equal(b.closedWith, 'replaced by a newer connection from the same node');
      h.coordinator.detach(b, 'old stream closed');
      await upload(h, 'a', 1, deltaFor(0), 1);
      assert.equal(h.coordinator.status().current?.stage, 'train', 'b is still expected');
      await upload(h, 'b', 1, deltaFor(1), 1);
      await evaluateAll(h, [a, b2], 1);
      const e = last(await events);
      assert.equal(e.participants, 2);
      assert.equal(b.sent.length, 1);
    });

    it('a node whose session cannot be written to leaves at once', async () => {
      const h = harness();
      const a = h.connect('a');
      const b = h.connect('b');
      b.failSends = new Error('stream is gone');
      const events = collect(h.coordinator.launch({ rounds: 1, settings: {} }).events);
      await a.next();
      await upload(h, 'a', 1, deltaFor(0), 1);
      await evaluateAll(h, [a], 1);
      const e = last(await events);
      assert.equal(e.state, 'completed');
      assert.equal(e.selected, 2);
      assert.equal(e.participants, 1);
      assert.equal(e.evaluated, 1);
      assert.equal(e.seconds, 0);
      assert.ok(warned(h, 'could not send task', { node: 'b', stage: 'train', err: 'stream is gone' }));
    });

    it('a decline is a normal non-participation', async () => {
      const h = harness();
      const { sessions, events } = await startRound(h, ['a', 'b', 'c']);
      h.coordinator.decline('c', 1, 'train', 'model does not fit my data');
      assert.throws(() => h.coordinator.decline('c', 1, 'train', 'again'), coded('failed_precondition', /^c has no open train task in round 1$/));
      await upload(h, 'a', 1, deltaFor(0), 1);
      await upload(h, 'b', 1, deltaFor(1), 1);
      for (const s of sessions) assert.equal((await s.next()).task.kind, 'evaluate');
      h.coordinator.submitEvaluation('a', { round: 1, numExamples: 10, accuracy: 1, loss: 0 });
      h.coordinator.decline('c', 1, 'evaluate', 'no held-out data');
      h.coordinator.submitEvaluation('b', { round: 1, numExamples: 10, accuracy: 0, loss: 2 });
      const e = last(await events);
      assert.equal(e.state, 'completed');
      assert.equal(e.participants, 2);
      assert.equal(e.evaluated, 2);
      assert.equal(e.accuracy, 0.5);
      assert.equal(e.seconds, 0);
      assert.deepEqual(sessions[2]?.cancels, []);
      assert.ok(
        h.log.lines.some(
          (l) => l.level === 'info' && l.msg === 'node declined its task' && l.fields.node === 'c' && l.fields.stage === 'train' && l.fields.reason === 'model does not fit my data',
        ),
      );
    });

    it('commits without metrics when no node evaluates', async () => {
      const h = harness();
      const { sessions, events } = await startRound(h, ['a']);
      await upload(h, 'a', 1, deltaFor(0), 1);
      assert.equal((await sessions[0]?.next())?.task.kind, 'evaluate');
      h.coordinator.decline('a', 1, 'evaluate', 'no held-out data');
      const e = last(await events);
      assert.equal(e.state, 'completed');
      assert.equal(e.evaluated, 0);
      assert.equal(e.accuracy, undefined);
      assert.equal(e.reason, 'no node evaluated the new model before the deadline');
      assert.deepEqual(h.coordinator.weights, fedAvg(initialWeights(), [{ delta: deltaFor(0), examples: 1 }]));
    });
  });

  describe('bad input from nodes', () => {
    it('a malformed update header is invalid_argument; that node leaves, the others continue', async () => {
      const bad = [
        ['p', { numParameters: D + 1 }, /^update has 16 parameters, the model has 15$/],
        ['q', { encoding: 'int8' }, /^update is encoded as int8, this round takes f32$/],
        ['r', { numExamples: 0 }, /^num_examples must be an integer in \[1, 10000000\], got 0$/],
        ['s', { numExamples: 2.5 }, /got 2\.5$/],
        ['t', { numExamples: 10_000_001 }, /got 10000001$/],
        ['u', { trainLoss: Number.NaN }, /^train_loss must be a finite non-negative number, got NaN$/],
        ['v', { trainLoss: -1 }, /got -1$/],
      ] as const;
      const h = harness();
      const { sessions, events } = await startRound(h, ['a', 'b', ...bad.map(([n]) => n)]);
      for (const [name, over, why] of bad) {
        await assert.rejects(h.coordinator.openUpdate(name, header(1, deltaFor(5), 1, over), never), coded('invalid_argument', why));
        await assert.rejects(
          h.coordinator.openUpdate(name, header(1, deltaFor(5), 1), never),
          coded('failed_precondition', new RegExp(`^${name} is no longer part of round 1 \\(rejected\\)$`)),
        );
      }
      await upload(h, 'a', 1, deltaFor(0), 1);
      await upload(h, 'b', 1, deltaFor(1), 3);
      await evaluateAll(h, sessions, 1);
      const e = last(await events);
      assert.equal(e.state, 'completed');
      assert.equal(e.selected, 9);
      assert.equal(e.participants, 2);
      assert.equal(e.seconds, 0);
      assert.deepEqual(h.coordinator.weights, fedAvg(initialWeights(), [
        { delta: deltaFor(0), examples: 1 },
        { delta: deltaFor(1), examples: 3 },
      ]));
    });

    it('bad bytes (NaN, ±Infinity, too many, truncated) are invalid_argument, drop the node and free its buffer', async () => {
      // One upload slot: each rejected upload must give its buffer back or the next one would never start.
      const h = harness({ uploadSlots: 1 });
      const names = ['a', 'b', 'nan', 'inf', 'long', 'short'];
      const { sessions, events } = await startRound(h, names);
      const open = async (name: string) => {
        const opening = h.coordinator.openUpdate(name, header(1, deltaFor(9), 1), never);
        assert.equal(await state(opening), 'resolved', `${name} got no buffer`);
        return opening;
      };

      // 16-byte pieces: value 5 arrives in the second.
      const nan = pieces(poisoned(deltaFor(9), 5, Number.NaN), 16);
      const r1 = await open('nan');
      r1.write(nan[0] as Uint8Array);
      assert.throws(() => r1.write(nan[1] as Uint8Array), coded('invalid_argument', /^value 5 is NaN: values must be finite$/));
      assert.throws(() => r1.finish(), coded('failed_precondition', /no longer takes an update from nan: its report was refused/));

      const inf = pieces(poisoned(deltaFor(9), 14, Number.NEGATIVE_INFINITY), 16);
      const r2 = await open('inf');
      for (let i = 0; i < 3; i++) r2.write(inf[i] as Uint8Array);
      assert.throws(() => r2.write(inf[3] as Uint8Array), coded('invalid_argument', /^value 14 is -Infinity/));

      const good = pieces(deltaFor(9), 16);
      const r3 = await open('long');
      for (const p of good) r3.write(p);
      assert.throws(() => r3.write(new Uint8Array(4)), coded('invalid_argument', /^payload longer than the 60 bytes its header announced$/));

      const r4 = await open('short');
      r4.write(good[0] as Uint8Array);
      r4.write(good[1] as Uint8Array);
      assert.throws(() => r4.finish(), coded('invalid_argument', /^payload truncated: received 32 of 60 bytes$/));

      for (const name of ['nan', 'inf', 'long', 'short']) {
        await assert.rejects(h.coordinator.openUpdate(name, header(1, deltaFor(9), 1), never), coded('failed_precondition', /no longer part of round 1 \(rejected\)/));
        assert.ok(warned(h, 'node left the stage', { node: name, reason: 'rejected' }));
      }
      await upload(h, 'a', 1, deltaFor(0), 1);
      await upload(h, 'b', 1, deltaFor(1), 1);
      await evaluateAll(h, sessions, 1);
      const e = last(await events);
      assert.equal(e.participants, 2);
      assert.deepEqual(h.coordinator.weights, fedAvg(initialWeights(), [
        { delta: deltaFor(0), examples: 1 },
        { delta: deltaFor(1), examples: 1 },
      ]));
    });

    it('out-of-stage, unknown-round, unselected and duplicate submissions are failed_precondition and change nothing', async () => {
      const h = harness({ samplingRng: scriptedRandom([0.1, 0.1, 0.9]), defaults: { sampleRate: 0.5 } });
      const report = { round: 1, numExamples: 10, accuracy: 0.5, loss: 1 };
      await assert.rejects(h.coordinator.openUpdate('a', header(1, deltaFor(0), 1), never), coded('failed_precondition', /^round 1 is not open \(no round is running\)$/));
      assert.throws(() => h.coordinator.submitEvaluation('a', report), coded('failed_precondition', /no round is running/));
      assert.throws(() => h.coordinator.decline('a', 1, 'train', 'x'), coded('failed_precondition', /no round is running/));

      const { sessions, events } = await startRound(h, ['a', 'b', 'c'], {}, ['a', 'b']);
      await assert.rejects(h.coordinator.openUpdate('a', header(2, deltaFor(0), 1), never), coded('failed_precondition', /^round 2 is not open \(round 1 is running\)$/));
      await assert.rejects(h.coordinator.openUpdate('c', header(1, deltaFor(0), 1), never), coded('failed_precondition', /^c was not selected for round 1$/));
      await assert.rejects(h.coordinator.openUpdate('zed', header(1, deltaFor(0), 1), never), coded('failed_precondition', /^zed was not selected for round 1$/));
      assert.throws(() => h.coordinator.submitEvaluation('a', report), coded('failed_precondition', /^round 1 is not in its evaluate stage \(now: train\)$/));
      assert.throws(() => h.coordinator.decline('a', 1, 'evaluate', 'x'), coded('failed_precondition', /not in its evaluate stage/));
      assert.throws(() => h.coordinator.decline('c', 1, 'train', 'x'), coded('failed_precondition', /^c has no open train task in round 1$/));

      await upload(h, 'a', 1, deltaFor(0), 1);
      await assert.rejects(h.coordinator.openUpdate('a', header(1, deltaFor(7), 50), never), coded('failed_precondition', /^duplicate submission: a already submitted its update for round 1$/));
      const rb = await h.coordinator.openUpdate('b', header(1, deltaFor(1), 3), never);
      await assert.rejects(
        h.coordinator.openUpdate('b', header(1, deltaFor(7), 50), never),
        coded('failed_precondition', /^duplicate submission: an upload from b for round 1 is already in progress$/),
      );
      for (const p of pieces(deltaFor(1))) rb.write(p);
      rb.finish();
      assert.throws(() => rb.finish(), coded('failed_precondition', /no longer takes an update from b: it already submitted/));

      for (const s of sessions) assert.equal((await s.next()).task.kind, 'evaluate');
      await assert.rejects(h.coordinator.openUpdate('b', header(1, deltaFor(1), 1), never), coded('failed_precondition', /^round 1 is not in its train stage \(now: evaluate\)$/));
      h.coordinator.submitEvaluation('a', report);
      assert.throws(() => h.coordinator.submitEvaluation('a', { ...report, accuracy: 0 }), coded('failed_precondition', /^duplicate submission: a already evaluated round 1$/));
      assert.throws(() => h.coordinator.submitEvaluation('zed', report), coded('failed_precondition', /^zed was not asked to evaluate round 1$/));
      assert.throws(() => h.coordinator.submitEvaluation('b', { ...report, accuracy: 1.5 }), coded('invalid_argument', /^accuracy must be in \[0, 1\], got 1\.5$/));
      assert.throws(() => h.coordinator.submitEvaluation('b', report), coded('failed_precondition', /^b is no longer in the evaluation of round 1: its report was refused$/));
      h.coordinator.submitEvaluation('c', { round: 1, numExamples: 30, accuracy: 1, loss: 0 });

      const e = last(await events);
      assert.equal(e.state, 'completed');
      assert.equal(e.selected, 2);
      assert.equal(e.participants, 2);
      assert.equal(e.evaluated, 2);
      assert.equal(e.accuracy, (5 + 30) / 40);
      assert.equal(e.loss, 10 / 40);
      assert.deepEqual(h.coordinator.weights, fedAvg(initialWeights(), [
        { delta: deltaFor(0), examples: 1 },
        { delta: deltaFor(1), examples: 3 },
      ]));
      await assert.rejects(h.coordinator.openUpdate('a', header(1, deltaFor(0), 1), never), coded('failed_precondition', /no round is running/));
    });

    it('rejects malformed evaluation reports with invalid_argument', async () => {
      const cases = [
        [{ numExamples: 0 }, /^num_examples must be an integer/],
        [{ numExamples: 1.5 }, /got 1\.5$/],
        [{ accuracy: -0.1 }, /^accuracy must be in \[0, 1\]/],
        [{ accuracy: Number.NaN }, /got NaN$/],
        [{ loss: Number.POSITIVE_INFINITY }, /^loss must be a finite non-negative number, got Infinity$/],
        [{ loss: -1 }, /got -1$/],
      ] as const;
      const h = harness();
      const names = cases.map((_, i) => `n${i}`);
      const { sessions, events } = await startRound(h, ['a', ...names]);
      for (const name of names) h.coordinator.decline(name, 1, 'train', 'evaluation only');
      await upload(h, 'a', 1, deltaFor(0), 1);
      for (const s of sessions) assert.equal((await s.next()).task.kind, 'evaluate');
      cases.forEach(([over, why], i) => {
        assert.throws(() => h.coordinator.submitEvaluation(`n${i}`, { round: 1, numExamples: 10, accuracy: 0.5, loss: 1, ...over }), coded('invalid_argument', why));
      });
      h.coordinator.submitEvaluation('a', { round: 1, numExamples: 10, accuracy: 0.25, loss: 1 });
      const e = last(await events);
      assert.equal(e.evaluated, 1);
      assert.equal(e.accuracy, 0.25);
      assert.equal(e.seconds, 0);
    });
  });

  describe('model versions and compressed rounds', () => {
    it('serves the current model whole by version, and refuses any other version as stale', () => {
      const h = harness();
      const v = h.coordinator.modelVersion;
      assert.equal(v.round, 0);
      assert.ok(v.sha256.equals(weightsHash(initialWeights())));
      const t = h.coordinator.modelTransfer(v, undefined);
      assert.equal(t.encoding, 'f32');
      assert.equal(t.base, undefined);
      assert.deepEqual(decodeTensor(t.payload, new Float32Array(D), 'f32'), initialWeights());
      assert.throws(() => h.coordinator.modelTransfer({ round: 0, sha256: Buffer.alloc(32) }, undefined), coded('not_found', /is not the current global model \(round 0 \([0-9a-f]{12}\)\): the task is stale/));
    });

    it('an int8 round takes int8 updates, commits global + the quantised mean update, and sends it as a delta to nodes holding the previous model', async () => {
      const h = harness();
      const { sessions, events } = await startRound(h, ['a', 'b'], { compress: 'int8' });
      const v0 = h.coordinator.modelVersion;
      const train = await Promise.resolve(sessions[0]?.sent[0]);
      assert.equal(train?.task.updateEncoding, 'int8');
      const rng = new SeededRandom(9);
      const encoded: Float32Array[] = [];
      for (const [i, name] of ['a', 'b'].entries()) {
        const payload = encodeTensor(deltaFor(i), 'int8', () => rng.next32());
        encoded.push(decodeTensor(payload, new Float32Array(D), 'int8'));
        const r = await h.coordinator.openUpdate(name, header(1, deltaFor(i), 1 + i, { encoding: 'int8' }), never);
        for (let off = 0; off < payload.length; off += 5) r.write(payload.subarray(off, Math.min(payload.length, off + 5)));
        r.finish();
      }
      await evaluateAll(h, sessions, 1);
      const e = last(await events);
      assert.equal(e.state, 'completed', e.reason);
      const v1 = h.coordinator.modelVersion;
      assert.equal(v1.round, 1);
      assert.ok(v1.sha256.equals(weightsHash(h.coordinator.weights)));
      const delta = h.coordinator.modelTransfer(v1, v0);
      assert.equal(delta.encoding, 'int8');
      assert.ok(delta.base && delta.base.sha256.equals(v0.sha256));
      assert.equal(delta.payload.byteLength, 4 + D);
      // The committed model is exactly what a node holding v0 rebuilds.
      assert.deepEqual(decodeTensor(delta.payload, initialWeights(), 'int8', 'add'), h.coordinator.weights);
      // ... and within one quantisation step of the exact FedAvg of the decoded updates.
      const exact = fedAvg(initialWeights(), [{ delta: encoded[0] as Float32Array, examples: 1 }, { delta: encoded[1] as Float32Array, examples: 2 }]);
      const scale = Buffer.from(delta.payload.buffer, delta.payload.byteOffset, 4).readFloatLE(0);
      for (let i = 0; i < D; i++) assert.ok(Math.abs((h.coordinator.weights[i] as number) - (exact[i] as number)) <= scale * 1.0001, `value ${i}`);
      // A node holding anything else gets the whole model.
      assert.equal(h.coordinator.modelTransfer(v1, undefined).encoding, 'f32');
      assert.equal(h.coordinator.modelTransfer(v1, { round: 7, sha256: Buffer.alloc(32, 1) }).encoding, 'f32');
    });

    it('refuses an update in another encoding than the round\'s', async () => {
      const h = harness();
      await startRound(h, ['a'], { compress: 'fp16' });
      await assert.rejects(h.coordinator.openUpdate('a', header(1, deltaFor(0), 1), never), coded('invalid_argument', /^update is encoded as f32, this round takes fp16$/));
    });

    it('refuses --compress with secure aggregation or differential privacy, and unknown kinds', () => {
      const h = harness();
      assert.throws(() => h.coordinator.launch({ rounds: 1, settings: { compress: 'int8', secureAggregation: true, minNodes: 2 } }), coded('invalid_argument', /secure aggregation keeps its fixed-point ring/));
      assert.throws(() => h.coordinator.launch({ rounds: 1, settings: { compress: 'fp16', noiseMultiplier: 1 } }), coded('invalid_argument', /stochastic rounding would move clipped updates past the clip norm/));
      assert.throws(() => h.coordinator.launch({ rounds: 1, settings: { compress: 'int4' as never } }), coded('invalid_argument', /^compress must be int8 or fp16, got int4$/));
    });
  });

  describe('upload buffers', () => {
    it('at most uploadSlots uploads are buffered at once; a node that leaves mid-upload frees its slot', async () => {
      const h = harness({ uploadSlots: 1 });
      const { sessions, events } = await startRound(h, ['a', 'b', 'c', 'd']);
      const ra = await h.coordinator.openUpdate('a', header(1, deltaFor(0), 1), never);
      const openingB = h.coordinator.openUpdate('b', header(1, deltaFor(1), 1), never);
      assert.equal(await state(openingB), 'pending');
      for (const p of pieces(deltaFor(0))) ra.write(p);
      ra.finish();
      const rb = await openingB;
      rb.write(pieces(deltaFor(1))[0] as Uint8Array);
      // b stalls mid-upload, then declines: its buffer goes to c.
      const openingC = h.coordinator.openUpdate('c', header(1, deltaFor(2), 3), never);
      assert.equal(await state(openingC), 'pending');
      h.coordinator.decline('b', 1, 'train', 'changed my mind');
      const rc = await openingC;
      assert.throws(() => rb.write(pieces(deltaFor(1))[1] as Uint8Array), coded('failed_precondition', /no longer takes an update from b: it declined/));
      for (const p of pieces(deltaFor(2))) rc.write(p);
      rc.finish();

      // d's upload stream breaks off: it leaves, and its slot is free again.
      const rd = await h.coordinator.openUpdate('d', header(1, deltaFor(3), 1), never);
      rd.abort('stream reset', 'disconnected');
      assert.ok(warned(h, 'node left the stage', { node: 'd', reason: 'disconnected', detail: 'stream reset' }));

      await evaluateAll(h, sessions, 1);
      const e = last(await events);
      assert.equal(e.participants, 2);
      assert.deepEqual(h.coordinator.weights, fedAvg(initialWeights(), [
        { delta: deltaFor(0), examples: 1 },
        { delta: deltaFor(2), examples: 3 },
      ]));
    });

    it('an upload waiting for a buffer ends when its signal aborts, even one aborted before the call', async () => {
      const h = harness({ uploadSlots: 1 });
      const { sessions, events } = await startRound(h, ['a', 'b', 'c']);
      const ra = await h.coordinator.openUpdate('a', header(1, deltaFor(0), 1), never);
      const reason = new CohortError('cancelled', 'upload cancelled by the node');

      const live = new AbortController();
      const openingB = h.coordinator.openUpdate('b', header(1, deltaFor(1), 1), live.signal);
      assert.equal(await state(openingB), 'pending');
      live.abort(reason);
      await assert.rejects(openingB, (err) => err === reason);

      const dead = new AbortController();
      dead.abort(reason);
      const openingC = h.coordinator.openUpdate('c', header(1, deltaFor(2), 1), dead.signal);
      assert.equal(await state(openingC), 'rejected');
      await assert.rejects(openingC, (err) => err === reason);

      for (const name of ['b', 'c']) assert.ok(warned(h, 'node left the stage', { node: name, reason: 'cancelled' }));
      for (const p of pieces(deltaFor(0))) ra.write(p);
      ra.finish();
      await evaluateAll(h, sessions, 1);
      const e = last(await events);
      assert.equal(e.participants, 1);
      assert.equal(e.seconds, 0);
    });

    it('a stalled upload is cut at the deadline and its buffer serves the next round', async () => {
      const h = harness({ uploadSlots: 1 });
      const a = h.connect('a');
      const b = h.connect('b');
      const eventsP = collect(h.coordinator.launch({ rounds: 2, settings: {} }).events);
      await a.next();
      await b.next();
      const ra = await h.coordinator.openUpdate('a', header(1, deltaFor(0), 1), never);
      const chunks = pieces(deltaFor(0));
      ra.write(chunks[0] as Uint8Array);
      const openingB = h.coordinator.openUpdate('b', header(1, deltaFor(1), 1), never);
      assert.equal(await state(openingB), 'pending');
      h.clock.advance(DEFAULTS.trainTimeoutMs);
      await assert.rejects(openingB, coded('failed_precondition', /^b is no longer part of round 1 \(deadline\)$/));
      assert.throws(() => ra.write(chunks[1] as Uint8Array), coded('failed_precondition', /no longer takes an update from a: it missed the deadline/));

      assert.equal((await a.next()).task.round, 2);
      assert.equal((await b.next()).task.round, 2);
      await upload(h, 'b', 2, deltaFor(1), 1);
      await upload(h, 'a', 2, deltaFor(0), 1);
      await evaluateAll(h, [a, b], 2);
      const [r1, r2] = finals(await eventsP);
      assert.equal(r1?.state, 'failed');
      assert.equal(r1?.participants, 0);
      assert.equal(r2?.state, 'completed');
      assert.equal(r2?.participants, 2);
    });
  });

  describe('launch and the round queue', () => {
    it('validates a launch and names the bad option; a refused launch queues nothing', async () => {
      const h = harness();
      const cases: Array<[number, LaunchSettings, RegExp]> = [
        [0, {}, /^rounds must be an integer in \[1, 100000\], got 0$/],
        [-1, {}, /got -1$/],
        [1.5, {}, /got 1\.5$/],
        [100_001, {}, /got 100001$/],
        [Number.NaN, {}, /got NaN$/],
        [1, { minNodes: 0 }, /^min-nodes must be a positive integer, got 0$/],
        [1, { minNodes: 2.5 }, /^min-nodes must be a positive integer, got 2\.5$/],
        [1, { sampleRate: 0 }, /^sample-rate must be in \(0, 1\], got 0$/],
        [1, { sampleRate: 1.5 }, /^sample-rate must be in \(0, 1\], got 1\.5$/],
        [1, { sampleRate: -0.3 }, /^sample-rate must be in \(0, 1\], got -0\.3$/],
        [1, { sampleRate: Number.NaN }, /^sample-rate must be in \(0, 1\], got NaN$/],
        [1, { trainTimeoutMs: 0 }, /^train timeout must be between 1 ms and 24 h, got 0 ms$/],
        [1, { evalTimeoutMs: Number.POSITIVE_INFINITY }, /^eval timeout must be between 1 ms and 24 h/],
        [1, { waitForNodesMs: -1 }, /^wait for nodes must be between 0 and 24 h, got -1 ms$/],
        [1, { train: { epochs: 0 } }, /^epochs must be an integer in \[1, 1000\], got 0$/],
        [1, { train: { batchSize: 0 } }, /^batch size must be an integer in \[1, 65536\], got 0$/],
        [1, { train: { learningRate: 0 } }, /^learning rate must be in \(0, 100\], got 0$/],
        [1, { train: { learningRate: Number.NaN } }, /^learning rate must be in \(0, 100\], got NaN$/],
      ];
      for (const [rounds, settings, why] of cases) {
        assert.throws(() => h.coordinator.launch({ rounds, settings }), coded('invalid_argument', why), `${rounds} ${JSON.stringify(settings)}`);
      }
      assert.equal(h.coordinator.status().queuedRounds, 0);
      assert.equal(h.log.lines.filter((l) => l.msg === 'rounds queued').length, 0);

      // Unset fields take the defaults, training settings field by field.
      const a = h.connect('a');
      const handle = h.coordinator.launch({ rounds: 2, settings: { minNodes: undefined, train: { epochs: undefined, learningRate: 0.5 } } });
      assert.equal(handle.firstRound, 1, 'refused launches used no round numbers');
      const task = (await a.next()).task;
      assert.deepEqual(task.train, { ...DEFAULTS.train, learningRate: 0.5 });
      assert.equal(h.coordinator.status().queuedRounds, 1);
      await h.coordinator.close();
    });

    it('runs queued launches in order with increasing round numbers and counts what is still queued', async () => {
      const h = harness();
      const queued: number[] = [];
      const a = h.connect('a');
      autoAnswer(h, a, {
        train: (b) => {
          queued.push(h.coordinator.status().queuedRounds);
          return { delta: deltaFor(b.task.round), examples: 1 };
        },
        evaluate: () => ({ numExamples: 10, accuracy: 0.5, loss: 1 }),
      });
      autoAnswer(h, h.connect('b'), {
        train: (b) => ({ delta: deltaFor(b.task.round + 3), examples: 3 }),
        evaluate: () => ({ numExamples: 10, accuracy: 1, loss: 0 }),
      });
      const first = h.coordinator.launch({ rounds: 2, settings: {} });
      const second = h.coordinator.launch({ rounds: 1, settings: { minNodes: 2 } });
      assert.equal(first.firstRound, 1);
      assert.equal(second.firstRound, 3);
      const [e1, e2] = await Promise.all([collect(first.events), collect(second.events)]);
      assert.deepEqual(finals(e1).map((e) => [e.round, e.state, e.index, e.of, e.participants, e.accuracy]), [
        [1, 'completed', 1, 2, 2, 0.75],
        [2, 'completed', 2, 2, 2, 0.75],
      ]);
      assert.deepEqual(finals(e2).map((e) => [e.round, e.state, e.index, e.of]), [[3, 'completed', 1, 1]]);
      assert.ok(e1.every((e) => e.round <= 2) && e2.every((e) => e.round === 3));
      assert.deepEqual(a.sent.map((b) => `${b.task.round}:${b.task.kind}`), ['1:train', '1:evaluate', '2:train', '2:evaluate', '3:train', '3:evaluate']);
      assert.deepEqual(queued, [2, 1, 0]);

      let expected = initialWeights();
      for (const r of [1, 2, 3]) {
        expected = fedAvg(expected, [
          { delta: deltaFor(r), examples: 1 },
          { delta: deltaFor(r + 3), examples: 3 },
        ]);
      }
      assert.deepEqual(h.coordinator.weights, expected);
      assert.equal(h.coordinator.status().completedRounds, 3);
      assert.deepEqual(h.coordinator.status().recent.map((e) => e.round), [1, 2, 3]);

      const third = h.coordinator.launch({ rounds: 1, settings: {} });
      assert.equal(third.firstRound, 4);
      assert.equal(last(await collect(third.events)).state, 'completed');
      assert.deepEqual(h.errors, []);
    });

    it('close() cancels the running round (weights unchanged), drops queued rounds and closes sessions', async () => {
      const h = harness();
      const a = h.connect('a');
      const b = h.connect('b');
      const eventsP = collect(h.coordinator.launch({ rounds: 2, settings: {} }).events);
      await a.next();
      await b.next();
      await upload(h, 'a', 1, deltaFor(0), 1);
      await h.coordinator.close();
      assert.deepEqual(finals(await eventsP).map((e) => [e.round, e.state, e.reason]), [
        [1, 'failed', 'coordinator shut down during training'],
        [2, 'failed', 'coordinator shut down before the round started'],
      ]);
      assert.deepEqual(h.coordinator.weights, initialWeights());
      assert.equal(a.closedWith, 'coordinator shutting down');
      assert.equal(b.closedWith, 'coordinator shutting down');
      assert.equal(h.coordinator.status().queuedRounds, 0);
      assert.throws(() => h.coordinator.launch({ rounds: 1, settings: {} }), coded('unavailable', /shutting down/));
      await assert.rejects(h.coordinator.openUpdate('b', header(1, deltaFor(1), 1), never), coded('failed_precondition', /no round is running/));
      assert.equal(h.clock.pending, 0);
    });

    it('close() during evaluation leaves the round committed (it was, before any node saw the model), without metrics', async () => {
      const h = harness();
      const { sessions, events } = await startRound(h, ['a']);
      await upload(h, 'a', 1, deltaFor(0), 1);
      const evaluate = await sessions[0]?.next();
      assert.equal(evaluate?.task.kind, 'evaluate');
      const expected = fedAvg(initialWeights(), [{ delta: deltaFor(0), examples: 1 }]);
      assert.deepEqual(weightsOf(evaluate as Broadcast, h), expected);
      await h.coordinator.close();
      const e = last(await events);
      assert.equal(e.state, 'completed');
      assert.equal(e.reason, 'the model is committed; the coordinator shut down before it was evaluated');
      assert.equal(e.accuracy, undefined);
      assert.deepEqual(h.coordinator.weights, expected);
      assert.deepEqual(
        (h.journal as MemoryJournal).events.map((j) => [j.round, j.state]),
        [[1, 'completed']],
      );
      assert.equal(h.coordinator.status().completedRounds, 1);
    });

    it('a commit that fails releases nothing: no node is sent the new model and the global model is unchanged', async () => {
      const journal = new MemoryJournal();
      journal.committed = () => {
        throw new CohortError('unavailable', 'disk full');
      };
      const h = harness({ journal });
      const { sessions, events } = await startRound(h, ['a', 'b']);
      await upload(h, 'a', 1, deltaFor(0), 1);
      await upload(h, 'b', 1, deltaFor(1), 1);
      const e = last(await events);
      assert.equal(e.state, 'failed');
      assert.match(e.reason ?? '', /could not record the round durably, nothing was released: disk full/);
      for (const s of sessions) assert.deepEqual(s.sent.map((b) => b.task.kind), ['train'], `${s.name} received only the training task`);
      assert.deepEqual(h.coordinator.weights, initialWeights());
    });

    it('close() while waiting for nodes ends the round', async () => {
      const h = harness({ defaults: { minNodes: 2, waitForNodesMs: 60_000 } });
      const eventsP = collect(h.coordinator.launch({ rounds: 1, settings: {} }).events);
      await h.coordinator.close();
      const e = last(await eventsP);
      assert.equal(e.state, 'failed');
      assert.equal(e.reason, 'coordinator shut down');
      assert.equal(h.clock.pending, 0);
    });
  });

  describe('after a restart', () => {
    const restored: RoundEvent[] = [12, 13].map((round) => ({
      round,
      state: round === 12 ? 'completed' : 'failed',
      selected: 2,
      participants: round === 12 ? 2 : 0,
      evaluated: round === 12 ? 2 : 0,
      ...(round === 12 ? { accuracy: 0.75, loss: 0.5 } : { reason: 'coordinator stopped during the round; nothing was released' }),
      seconds: 1,
      startedAtMs: 0,
      index: 0,
      of: 0,
    }));
    const known = [
      { name: 'a', status: 'disconnected' as const, lastSeenMs: 500, roundsParticipated: 12 },
      { name: 'z', status: 'revoked' as const, lastSeenMs: 400, roundsParticipated: 3 },
    ];

    it('closes a pending --target-updates launch that the restart\'s --min-nodes no longer admits, and resumes one it does (attack: an operator restarting with other flags)', async () => {
      const journal = new MemoryJournal();
      const closed: number[] = [];
      journal.launchClosed = (id) => void closed.push(id);
      const h = harness({
        journal,
        defaults: { minNodes: 3 },
        resume: {
          nextRound: 5,
          launches: [
            { id: 1, firstRound: 1, rounds: 2, done: 1, settings: { targetUpdates: 2 } },
            { id: 2, firstRound: 3, rounds: 2, done: 0, settings: { targetUpdates: 3 } },
          ],
        },
      });
      const refused = h.log.lines.filter((l) => l.msg.startsWith('not resuming rounds queued before the restart'));
      assert.deepEqual(refused.map((l) => [l.fields.launch, l.fields.err]), [[1, 'target updates must be an integer of at least min-nodes (3), got 2']]);
      assert.deepEqual(closed, [1]);
      assert.ok(h.log.lines.some((l) => l.msg === 'resuming rounds queued before the restart' && l.fields.launch === 2 && l.fields.rounds === 2));
      await h.coordinator.close();
    });

    it('shows the rounds and nodes of the previous run, with nothing queued', async () => {
      const h = harness({ resume: { nextRound: 14, launches: [], completed: 12, recent: restored, nodes: known } });
      const s = h.coordinator.status();
      assert.equal(s.queuedRounds, 0, 'rounds 1..13 are finished, not queued');
      assert.equal(s.completedRounds, 12);
      assert.deepEqual(s.recent, restored);
      assert.equal(s.knownNodes, 2);
      assert.equal(s.connectedNodes, 0);
      assert.deepEqual(h.coordinator.nodes(), known);
      // A reconnecting node keeps its count. A name whose certificate was revoked stays listed
      // as revoked until it connects again, which only a new certificate can (the transport
      // refuses revoked serials), so that session takes part.
      const a = h.connect('a');
      assert.equal(h.coordinator.nodes().find((n) => n.name === 'z')?.status, 'revoked');
      const z = h.connect('z');
      assert.deepEqual(h.coordinator.registry.connected().map((x) => x.name), ['a', 'z']);
      for (const s of [a, z]) autoAnswer(h, s, { train: () => ({ delta: deltaFor(1), examples: 1 }), evaluate: () => ({ numExamples: 10, accuracy: 0.5, loss: 1 }) });
      const handle = h.coordinator.launch({ rounds: 1, settings: {} });
      assert.equal(handle.firstRound, 14);
      assert.equal(last(await collect(handle.events)).state, 'completed');
      assert.equal(z.sent.length, 2);
      assert.deepEqual(h.coordinator.nodes()[0], { name: 'a', status: 'connected', lastSeenMs: h.clock.now(), roundsParticipated: 13 });
      assert.equal(h.coordinator.status().completedRounds, 13);
      await h.coordinator.close();
    });

    it('counts as queued only the rounds a pending launch still has', async () => {
      const h = harness({ resume: { nextRound: 14, launches: [{ id: 3, firstRound: 10, rounds: 5, done: 3, settings: {} }], completed: 12, recent: restored } });
      // Round 14 is waiting for nodes; round 15 is queued.
      assert.equal(h.coordinator.status().queuedRounds, 1);
      await h.coordinator.close();
    });

    it('records each node durably when it connects, takes part, disconnects, is revoked, and at shutdown', async () => {
      const records: NodeRecord[] = [];
      const journal = new (class extends MemoryJournal {
        override node(r: NodeRecord): void {
          records.push(r);
        }
      })();
      const h = harness({ journal });
      const a = h.connect('a');
      const b = h.connect('b');
      autoAnswer(h, a, { train: () => ({ delta: deltaFor(1), examples: 1 }), evaluate: () => ({ numExamples: 10, accuracy: 0.5, loss: 1 }) });
      autoAnswer(h, b, { train: () => ({ delta: deltaFor(2), examples: 1 }), evaluate: () => ({ numExamples: 10, accuracy: 0.5, loss: 1 }) });
      await collect(h.coordinator.launch({ rounds: 1, settings: {} }).events);
      h.clock.advance(1000);
      h.coordinator.detach(b, 'gone');
      h.coordinator.revoke('b');
      h.clock.advance(1000);
      await h.coordinator.close();
      assert.deepEqual(
        records.map((r) => [r.name, r.status, r.roundsParticipated, r.lastSeenMs]),
        [
          ['a', 'connected', 0, 0],
          ['b', 'connected', 0, 0],
          ['a', 'connected', 1, 0],
          ['b', 'connected', 1, 0],
          ['b', 'disconnected', 1, 1000],
          ['b', 'revoked', 1, 1000],
          ['a', 'disconnected', 1, 2000],
        ],
      );
    });
  });

  describe('revocation', () => {
    it('revoke cuts the session, drops the node from the running round and from every later one', async () => {
      const h = harness();
      const { sessions, events } = await startRound(h, ['a', 'b', 'c']);
      const [a, b, c] = sessions as [FakeSession, FakeSession, FakeSession];
      h.coordinator.revoke('c');
      assert.equal(c.closedWith, 'certificate revoked');
      await assert.rejects(h.coordinator.openUpdate('c', header(1, deltaFor(2), 1), never), coded('failed_precondition', /^c is no longer part of round 1 \(rejected\)$/));
      await upload(h, 'a', 1, deltaFor(0), 1);
      await upload(h, 'b', 1, deltaFor(1), 1);
      await evaluateAll(h, [a, b], 1);
      const e = last(await events);
      assert.equal(e.participants, 2);
      assert.equal(e.seconds, 0);
      assert.equal(c.sent.length, 1);
      assert.ok(warned(h, 'node revoked: session closed', { node: 'c' }));

      const c2 = h.connect('c');
      assert.equal(h.coordinator.nodes().find((n) => n.name === 'c')?.status, 'revoked');
      const next = collect(h.coordinator.launch({ rounds: 1, settings: {} }).events);
      await a.next();
      await b.next();
      await upload(h, 'a', 2, deltaFor(0), 1);
      await upload(h, 'b', 2, deltaFor(1), 1);
      await evaluateAll(h, [a, b], 2);
      const e2 = last(await next);
      assert.equal(e2.selected, 2);
      assert.equal(e2.evaluated, 2);
      assert.equal(c2.sent.length, 0);
    });
  });
});
