/**
 * A node's own budget attacked by a scripted coordinator: it declares a σ and a noise split
 * apart from the survivor floor the node enforces, asks for central noise, or just runs many
 * rounds. The node must charge only the noise it adds itself (measured from its real
 * encoding code), decline rounds that leave its update without its own noise, and account
 * rounds with its own RDP accountant at q = 1 (δ once, not T·δ).
 */
import type { DeclineCategory } from '../../../shared/decline.js';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CoordinatorLink, type IncomingTask, type LocalUpdate, type LocalWork, NodeAgent, type PrivacyTask, type ReceivedModel, type TaskKind } from '../../../client/core/agent.js';
import { ModelCache } from '../../../client/core/models.js';
import { NodeBudget } from '../../../client/core/budget.js';
import { secureInput } from '../../../client/core/secure.js';
import { openNodeStore } from '../../../client/store/index.js';
import { ManualClock } from '../../../shared/clock.js';
import { epsilonRdp } from '../../../shared/dp/rdp.js';
import { CohortError } from '../../../shared/errors.js';
import { MemoryLogger } from '../../../shared/logger.js';
import { SeededRandom } from '../../../shared/random.js';
import { decodeSum, fixedPointParams } from '../../../shared/secagg/fixed-point.js';
import { versionOf } from '../../../shared/model/version.js';
import type { SecureSetup } from '../../../shared/wire/secagg.js';
import { D, DEFAULTS, initialWeights, SPEC } from '../core/fakes.js';

const C = 1;
const DELTA = 1e-5;

/** The secure setup a coordinator sends: `floor` is the round's min survivors, which every node enforces. */
function setup(floor: number, withBit: boolean, privacy: PrivacyTask): SecureSetup {
  const sigma = Math.max(privacy.noiseMultiplier, privacy.clipBitNoiseMultiplier ?? 0);
  const fp = fixedPointParams({ clipNorm: C, noiseBound: (8 * sigma * C) / Math.sqrt(Math.min(floor, privacy.minSurvivors)), maxSummands: Math.max(floor, 2) });
  return {
    config: {
      roundId: '1-abc',
      participants: ['a', 'b'],
      k: 1,
      t: 1,
      minSurvivors: floor,
      vectorLength: D + (withBit ? 1 : 0),
      graphSeed: new Uint8Array(32),
      fixedPoint: { clipNorm: fp.clipNorm, noiseBound: fp.noiseBound, maxSummands: fp.maxSummands, scale: fp.scale },
    },
    certificates: new Map(),
  };
}

function std(xs: readonly number[]): number {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
}

/** σ the node's real encoding realises, over the floor it enforces: its shares measured, scaled by √floor, over C (update) and C/2 (centred bit). */
function realisedSigma(task: { privacy: PrivacyTask; secure: SecureSetup }, trials: number): number {
  const fp = fixedPointParams(task.secure.config.fixedPoint);
  const floor = task.secure.config.minSurvivors;
  const update: number[] = [];
  const bit: number[] = [];
  for (let t = 0; t < trials; t++) {
    const values = decodeSum(secureInput(new Float32Array(D), task.secure, task.privacy, new SeededRandom(t + 1), new MemoryLogger()), fp);
    for (let i = 0; i < D; i++) update.push(values[i] as number);
    if (values.length > D) bit.push(values[D] as number);
  }
  const su = (std(update) * Math.sqrt(floor)) / C;
  if (bit.length === 0) return su;
  const sb = (std(bit) * Math.sqrt(floor)) / (C / 2);
  return (su ** -2 + sb ** -2) ** -0.5;
}

describe('a node\'s own budget against a scripted coordinator', function () {
  this.timeout(60_000);

  it('never charges more σ than the noise it adds itself over the survivor floor it enforces; declines a split that does not match it', function () {
    let charged = 0;
    for (const sigma of [1, 4, 100]) {
      for (const declaredM of [2, 5, 10_000]) {
        for (const floor of [2, 5]) {
          for (const withBit of [false, true]) {
            const privacy: PrivacyTask = { clipNorm: C, noiseMultiplier: sigma, minSurvivors: declaredM, noise: 'distributed', ...(withBit ? { clipBitNoiseMultiplier: sigma } : {}) };
            const task = { round: 1, privacy, secure: setup(floor, withBit, privacy) };
            let vouched: number;
            try {
              vouched = NodeBudget.ownSigma(task);
            } catch (err) {
              assert.ok(err instanceof CohortError && err.code === 'permission_denied', String(err));
              assert.notEqual(declaredM, floor, `declined a consistent round: ${err.message}`);
              assert.match(err.message, /splits its noise over \d+ survivors, but its secure aggregation releases sums of as few as \d+ inputs/);
              // And the node's encoding refuses it too, budget or not.
              assert.throws(() => secureInput(new Float32Array(D), task.secure, privacy, new SeededRandom(1), new MemoryLogger()), /splits its noise/);
              continue;
            }
            charged += 1;
            const realised = realisedSigma(task, 400);
            assert.ok(realised >= vouched * 0.95, `σ ${sigma}, m ${declaredM}, floor ${floor}, bit ${withBit}: realised ${realised.toFixed(3)} < charged ${vouched}`);
            assert.ok(realised <= vouched * 1.05, `σ ${sigma}: realised ${realised.toFixed(3)} far above charged ${vouched}: the accounting is loose`);
          }
        }
      }
    }
    assert.ok(charged >= 6, 'the consistent rounds were charged');
  });

  describe('in the daemon', function () {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'cohort-node-budget-'))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    /** The one model every task names: the initial weights, as round 0. */
    const MODEL_VERSION = versionOf(0, initialWeights());

    class Link implements CoordinatorLink {
      readonly calls: { op: string; round: number; category?: DeclineCategory; reason?: string }[] = [];
      fetchModel(_want: unknown, _have: unknown, _base: unknown, into: Float32Array): Promise<ReceivedModel> {
        into.set(initialWeights());
        return Promise.resolve({ weights: into, encoding: 'f32', payloadBytes: into.byteLength });
      }
      submitUpdate(round: number): Promise<void> {
        this.calls.push({ op: 'update', round });
        return Promise.resolve();
      }
      submitEvaluation(round: number): Promise<void> {
        this.calls.push({ op: 'evaluation', round });
        return Promise.resolve();
      }
      decline(round: number, _kind: TaskKind, category: DeclineCategory, reason: string): Promise<void> {
        this.calls.push({ op: 'decline', round, category, reason });
        return Promise.resolve();
      }
      secaggSend(): Promise<void> {
        return Promise.resolve();
      }
      submitMasked(): Promise<void> {
        return Promise.resolve();
      }
    }

    const work: LocalWork = {
      incompatibility: () => undefined,
      train: (task: IncomingTask): LocalUpdate => ({ delta: new Float32Array(task.numParameters).fill(0.1), numExamples: 5, trainLoss: 0 }),
      evaluate: () => ({ numExamples: 5, accuracy: 0.5, loss: 1 }),
    };

    async function send(agent: NodeAgent, round: number, privacy: PrivacyTask | undefined): Promise<void> {
      agent.onTask({ round, kind: 'train', model: SPEC, train: DEFAULTS.train, numParameters: D, deadlineMs: 1e15, seed: 1, modelVersion: MODEL_VERSION, updateEncoding: 'f32', ...(privacy ? { privacy } : {}) });
      await agent.idle();
    }

    it('declines a central-noise round, saying why, sends nothing and charges nothing (before: sent its un-noised update)', async function () {
      const store = openNodeStore(dir, { clock: new ManualClock(0), log: new MemoryLogger() });
      try {
        const link = new Link();
        const agent = new NodeAgent(work, link, new ModelCache(undefined, new MemoryLogger()), new MemoryLogger(), undefined, new NodeBudget(store, 10, DELTA));
        await send(agent, 1, { clipNorm: C, noiseMultiplier: 2, minSurvivors: 2, noise: 'central' });
        assert.deepEqual(link.calls.map((c) => c.op), ['decline']);
        assert.equal(link.calls[0]?.category, 'privacy_budget');
        assert.match(link.calls[0]?.reason ?? '', /^local privacy budget: this node has a privacy budget and declines central-noise rounds: its update would reach the coordinator without noise of its own/);
        assert.equal(agent.stats.declinedForBudget, 1);
        assert.deepEqual(store.entries(), []);
        // A node without a budget still takes part; nobody takes a "distributed" round without secure aggregation.
        const open = new NodeAgent(work, link, new ModelCache(undefined, new MemoryLogger()), new MemoryLogger());
        await send(open, 2, { clipNorm: C, noiseMultiplier: 2, minSurvivors: 2, noise: 'central' });
        await send(open, 3, { clipNorm: C, noiseMultiplier: 2, minSurvivors: 2, noise: 'distributed' });
        assert.deepEqual(link.calls.slice(1).map((c) => [c.op, c.round]), [
          ['update', 2],
          ['decline', 3],
        ]);
        assert.match(link.calls[2]?.reason ?? '', /distributed noise without secure aggregation/);
      } finally {
        store.close();
      }
    });

    it('accounts its rounds with its own RDP accountant at q = 1: after T rounds (ε, δ) is the composed Gaussian, not (Σε, T·δ)', function () {
      const store = openNodeStore(dir, { clock: new ManualClock(0), log: new MemoryLogger() });
      try {
        const budget = new NodeBudget(store, 100, DELTA);
        const privacy: PrivacyTask = { clipNorm: C, noiseMultiplier: 2, minSurvivors: 3, noise: 'distributed' };
        const task = (round: number): { round: number; privacy: PrivacyTask; secure: SecureSetup } => ({ round, privacy, secure: setup(3, false, privacy) });
        for (let r = 1; r <= 10; r++) budget.charge(task(r));
        const composed = epsilonRdp({ q: 1, sigma: 2, steps: 10, delta: DELTA }).epsilon;
        const basic = 10 * epsilonRdp({ q: 1, sigma: 2, steps: 1, delta: DELTA }).epsilon;
        assert.equal(budget.spent(), composed);
        assert.ok(composed < basic / 2, `${composed} vs ${basic}`);
        assert.deepEqual(store.guarantee(DELTA), { epsilon: composed, delta: DELTA });
        // The budget stops it once the composition would pass it.
        const tight = new NodeBudget(store, composed * 1.01, DELTA);
        assert.throws(() => tight.charge(task(11)), (e: unknown) => e instanceof CohortError && e.code === 'budget_exhausted');
        assert.equal(store.entries().length, 10);
      } finally {
        store.close();
      }
    });
  });
});
