/** Differential privacy over real TLS: noise is really added, the budget is enforced, the ledger records every private round. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeBudget } from '../../client/core/budget.js';
import { openNodeStore } from '../../client/store/index.js';
import { systemClock } from '../../shared/clock.js';
import { epsilonRdp } from '../../shared/dp/rdp.js';
import { CohortError } from '../../shared/errors.js';
import { MemoryLogger } from '../../shared/logger.js';
import { privateRounds } from '../../server/core/privacy.js';
import type { RoundEvent } from '../../server/core/types.js';
import type { StartedCoordinator } from '../../server/main.js';
import { type RunningNode, startTestCoordinator, startTestNode, TestPki } from '../helpers/federation.js';
import { ConstantWork } from '../helpers/work.js';

// 500 features × 2 classes + 2 biases = 1002 parameters: enough coordinates to measure the noise.
const MODEL = { kind: 'logreg', features: 500, classes: 2 };
const NAMES = ['a', 'b', 'c', 'd'];

async function runRounds(coordinator: StartedCoordinator, rounds: number, settings: object): Promise<{ events: RoundEvent[]; deltas: Float32Array[] }> {
  const events: RoundEvent[] = [];
  const deltas: Float32Array[] = [];
  let before = coordinator.coordinator.weights;
  for await (const e of coordinator.coordinator.launch({ rounds, settings }).events) {
    if (e.state === 'running') continue;
    events.push(e);
    const after = coordinator.coordinator.weights;
    deltas.push(after.map((w, i) => w - (before[i] as number)));
    before = after;
  }
  return { events, deltas };
}

/** Sample standard deviation of the released step around the true mean step. */
function noiseStd(step: Float32Array, trueMean: number): number {
  let sq = 0;
  for (const x of step) sq += (x - trueMean) ** 2;
  return Math.sqrt(sq / step.length);
}

describe('differential privacy (integration)', function () {
  let pki: TestPki;
  let nodes: RunningNode[] = [];

  before(function () {
    pki = new TestPki();
    for (const n of NAMES) pki.issue(n, 'node');
  });

  after(function () {
    pki?.remove();
  });

  async function federation(budget?: number): Promise<StartedCoordinator> {
    const coordinator = await startTestCoordinator(pki, {
      log: new MemoryLogger(),
      model: MODEL,
      settings: { minNodes: 4, clipNorm: 1 },
      privacy: { epsilon: budget, delta: 1e-5 },
    });
    nodes = NAMES.map((n) => startTestNode(pki, coordinator.port, n, new ConstantWork({ numExamples: 50 })));
    await Promise.all(nodes.map((n) => n.daemon.when('connected')));
    return coordinator;
  }

  afterEach(async function () {
    await Promise.all(nodes.map((n) => n.stop()));
    nodes = [];
  });

  for (const mode of ['central', 'distributed'] as const) {
    it(`adds the promised noise (${mode}) and records the round in the ledger`, async function () {
      const coordinator = await federation();
      try {
        const sigma = 2;
        const { events, deltas } = await runRounds(coordinator, 1, { noiseMultiplier: sigma, noise: mode, secureAggregation: mode === 'distributed' });
        const event = events[0] as RoundEvent;
        assert.equal(event.state, 'completed', event.reason);
        // Mean of 4 clipped updates plus N(0, (σC)²) on the sum, divided by 4 survivors.
        const expected = (sigma * 1) / 4;
        const measured = noiseStd(deltas[0] as Float32Array, 0.01);
        // 1002 coordinates: the sample std is within ±10% of the truth with overwhelming probability (±4.5 s.e.).
        assert.ok(Math.abs(measured / expected - 1) < 0.1, `noise std ${measured}, expected ${expected}`);
        const ledger = privateRounds(coordinator.coordinator.accountant.entries());
        assert.equal(ledger.length, 1);
        assert.equal(ledger[0]?.noise, mode);
        assert.equal(ledger[0]?.survivors, 4);
        const reference = epsilonRdp({ q: 1, sigma, steps: 1, delta: 1e-5 }).epsilon;
        assert.equal(event.epsilon, reference);
        assert.equal(ledger[0]?.epsilonAfter, reference);
      } finally {
        await coordinator.close();
      }
    });
  }

  for (const secure of [false, true]) {
    it(`adapts the clip norm and charges the bit's noise within σ (adaptive clipping, ${secure ? 'secure, distributed' : 'central'} noise)`, async function () {
      const coordinator = await federation();
      try {
        const z = 2;
        const { events, deltas } = await runRounds(coordinator, 2, { noiseMultiplier: z, secureAggregation: secure, adaptiveClip: { targetQuantile: 0.5, learningRate: 0.2 } });
        assert.deepEqual(
          events.map((e) => e.state),
          ['completed', 'completed'],
        );
        const ledger = privateRounds(coordinator.coordinator.accountant.entries());
        // The accountant charges the operator's z: the same ε as a fixed-clip round.
        assert.equal(ledger[0]?.noiseMultiplier, z);
        assert.equal(ledger[1]?.epsilonAfter, epsilonRdp({ q: 1, sigma: z, steps: 2, delta: 1e-5 }).epsilon);
        assert.equal(ledger[0]?.clipNorm, 1);
        assert.notEqual(ledger[1]?.clipNorm, 1, 'the clip norm moved after the first round');
        assert.equal(events[1]?.clipNorm, ledger[1]?.clipNorm);
        // σ_b = max(expected/20, z) = z, so the update carries σ_Δ = (z⁻² − (2z)⁻²)^(−1/2) = z·√(4/3).
        const expected = (z * Math.sqrt(4 / 3) * 1) / 4;
        const measured = noiseStd(deltas[0] as Float32Array, 0.01);
        assert.ok(Math.abs(measured / expected - 1) < 0.1, `noise std ${measured}, expected ${expected}`);
      } finally {
        await coordinator.close();
      }
    });
  }

  it('lets a node with its own budget decline once it is spent, as a normal non-participation', async function () {
    const coordinator = await startTestCoordinator(pki, { log: new MemoryLogger(), model: MODEL, settings: { minNodes: 3, clipNorm: 1 } });
    const dir = mkdtempSync(join(tmpdir(), 'cohort-node-'));
    const store = openNodeStore(dir, { clock: systemClock, log: new MemoryLogger() });
    try {
      const sigma = 3;
      // The node's own accountant composes its rounds (q = 1) and converts once.
      const two = epsilonRdp({ q: 1, sigma, steps: 2, delta: 1e-5 }).epsilon;
      const three = epsilonRdp({ q: 1, sigma, steps: 3, delta: 1e-5 }).epsilon;
      const budget = new NodeBudget(store, (two + three) / 2, 1e-5);
      nodes = NAMES.map((n) => startTestNode(pki, coordinator.port, n, new ConstantWork({ numExamples: 50 }), n === 'a' ? { budget } : {}));
      await Promise.all(nodes.map((n) => n.daemon.when('connected')));
      // A node with a budget takes part only where it adds its own noise: distributed, with secure aggregation.
      const { events } = await runRounds(coordinator, 3, { noiseMultiplier: sigma, secureAggregation: true, noise: 'distributed' });
      assert.deepEqual(
        events.map((e) => [e.state, e.participants]),
        [
          ['completed', 4],
          ['completed', 4],
          ['completed', 3],
        ],
      );
      assert.deepEqual(
        store.entries().map((e) => [e.round, e.noiseMultiplier]),
        [
          [1, sigma],
          [2, sigma],
        ],
      );
      assert.equal(store.spent(), two);
      assert.equal(nodes[0]?.daemon.agent?.stats.declinedForBudget, 1);
    } finally {
      await coordinator.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses the round that would overspend the budget, after spending what it allows', async function () {
    const sigma = 4;
    const two = epsilonRdp({ q: 1, sigma, steps: 2, delta: 1e-5 }).epsilon;
    const three = epsilonRdp({ q: 1, sigma, steps: 3, delta: 1e-5 }).epsilon;
    const coordinator = await federation((two + three) / 2);
    try {
      // The launch says at once that the budget affords 2 of the 4 rounds, and queues only those.
      const handle = coordinator.coordinator.launch({ rounds: 4, settings: { noiseMultiplier: sigma } });
      assert.deepEqual([handle.rounds, handle.plan?.requested, handle.plan?.affordable, handle.plan?.epsilonAfter], [2, 4, 2, two]);
      const events: RoundEvent[] = [];
      for await (const e of handle.events) if (e.state !== 'running') events.push(e);
      assert.deepEqual(
        events.map((e) => [e.round, e.state]),
        [
          [1, 'completed'],
          [2, 'completed'],
        ],
      );
      assert.ok(coordinator.coordinator.accountant.spent() <= (two + three) / 2);
      assert.equal(privateRounds(coordinator.coordinator.accountant.entries()).length, 2);
      assert.throws(
        () => coordinator.coordinator.launch({ rounds: 1, settings: { noiseMultiplier: sigma } }),
        (err: unknown) => err instanceof CohortError && err.code === 'budget_exhausted',
      );
      assert.throws(
        () => coordinator.coordinator.launch({ rounds: 1, settings: { noiseMultiplier: 0 } }),
        (err: unknown) => err instanceof CohortError && err.code === 'permission_denied',
      );
    } finally {
      await coordinator.close();
    }
  });
});
