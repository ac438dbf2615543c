/**
 * Secure aggregation over real mutual TLS: the coordinator learns only the survivors' sum,
 * rounds survive dropouts at every stage, and too many dropouts abort without release.
 */
import assert from 'node:assert/strict';
import type { DropStage } from '../../client/grpc/daemon.js';
import { MemoryLogger } from '../../shared/logger.js';
import type { RoundEvent } from '../../server/core/types.js';
import type { StartedCoordinator } from '../../server/main.js';
import { type RunningNode, startTestCoordinator, startTestNode, TestPki } from '../helpers/federation.js';
import { ConstantWork } from '../helpers/work.js';

// Small model: 20 features × 2 classes + 2 biases = 42 parameters.
const MODEL = { kind: 'logreg', features: 20, classes: 2 };

describe('secure aggregation (integration)', function () {
  let pki: TestPki;
  let coordinator: StartedCoordinator;
  const log = new MemoryLogger();
  const names = Array.from({ length: 8 }, (_, i) => `site-${i + 1}`);
  // Values are multiples of 1/64 so fixed-point encoding is exact.
  const value = (name: string): number => (names.indexOf(name) + 1) / 64;

  before(async function () {
    pki = new TestPki();
    for (const n of names) pki.issue(n, 'node');
    coordinator = await startTestCoordinator(pki, { log, model: MODEL, settings: { secureAggregation: true, minNodes: 5, secaggStageTimeoutMs: 10_000 } });
  });

  after(async function () {
    await coordinator?.close();
    pki?.remove();
  });

  async function round(drop: Partial<Record<string, DropStage>>, minNodes?: number): Promise<{ event: RoundEvent; before: Float32Array; after: Float32Array }> {
    const nodes: RunningNode[] = names.map((n) => startTestNode(pki, coordinator.port, n, new ConstantWork({ value: value(n), numExamples: 100 }), { log, ...(drop[n] ? { dropAt: drop[n] } : {}) }));
    try {
      await Promise.all(nodes.map((n) => n.daemon.when('connected')));
      const before = coordinator.coordinator.weights;
      const events: RoundEvent[] = [];
      for await (const e of coordinator.coordinator.launch({ rounds: 1, settings: minNodes ? { minNodes } : {} }).events) if (e.state !== 'running') events.push(e);
      return { event: events[0] as RoundEvent, before, after: coordinator.coordinator.weights };
    } finally {
      await Promise.all(nodes.map((n) => n.stop()));
    }
  }

  function assertMeanOf(survivors: string[], before: Float32Array, after: Float32Array): void {
    const mean = survivors.reduce((s, n) => s + value(n), 0) / survivors.length;
    for (let i = 0; i < after.length; i++) assert.equal(after[i], Math.fround((before[i] as number) + mean), `parameter ${i}`);
  }

  it('releases exactly the mean of all inputs when nobody drops out', async function () {
    const { event, before, after } = await round({});
    assert.equal(event.state, 'completed', event.reason);
    assert.equal(event.participants, 8);
    assertMeanOf(names, before, after);
    assert.ok(log.lines.some((l) => l.msg === 'secure sum released' && l.fields['survivors'] === 8));
  });

  for (const stage of ['keys', 'shares', 'masked', 'unmask'] as const) {
    it(`completes with the survivors when two nodes drop out at the ${stage} stage`, async function () {
      const { event, before, after } = await round({ 'site-2': stage, 'site-7': stage });
      assert.equal(event.state, 'completed', event.reason);
      // A node that vanishes while unmasking has already had its masked input counted.
      const survivors = stage === 'unmask' ? names : names.filter((n) => n !== 'site-2' && n !== 'site-7');
      assert.equal(event.participants, survivors.length);
      assertMeanOf(survivors, before, after);
    });
  }

  it('aborts and releases nothing when half of the selected nodes drop before confirming, even above the minimum', async function () {
    // 8 selected, min-nodes 2: 4 survivors are enough inputs, but a survivor list needs 5 signatures.
    const drops: Record<string, DropStage> = { 'site-2': 'masked', 'site-4': 'masked', 'site-6': 'masked', 'site-8': 'masked' };
    const { event, before, after } = await round(drops, 2);
    assert.equal(event.state, 'failed');
    assert.match(event.reason ?? '', /nothing was released: only 4 masked inputs arrived: the survivor list needs signatures from more than half of the 8 participants \(5\)/);
    assert.deepEqual(after, before);
  });

  it('aborts and releases nothing when fewer than the minimum survive', async function () {
    const drops: Record<string, DropStage> = { 'site-1': 'masked', 'site-2': 'masked', 'site-3': 'masked', 'site-4': 'masked' };
    const { event, before, after } = await round(drops, 5);
    assert.equal(event.state, 'failed');
    assert.match(event.reason ?? '', /secure aggregation aborted, nothing was released/);
    assert.deepEqual(after, before);
  });
});
