import assert from 'node:assert/strict';
import { builtinModel } from '../../../shared/model/model.js';
import { ManualClock } from '../../../shared/clock.js';
import { MemoryLogger } from '../../../shared/logger.js';
import { DEFAULT_ROUND_SETTINGS } from '../../../server/core/coordinator.js';
import { describeRequirements, meets, NodeRegistry, requirementsFor } from '../../../server/core/registry.js';
import { FakeSession, state } from './fakes.js';

function setup(): { clock: ManualClock; registry: NodeRegistry; log: MemoryLogger } {
  const clock = new ManualClock(1_000);
  const log = new MemoryLogger();
  return { clock, registry: new NodeRegistry(clock, log), log };
}

describe('NodeRegistry', () => {
  it('waitForConnected resolves true as soon as enough nodes connect, and cancels its timer', async () => {
    const { clock, registry } = setup();
    registry.connect(new FakeSession('a'));
    const waiting = registry.waitForConnected(2, 500);
    clock.advance(499);
    assert.equal(await state(waiting), 'pending');
    registry.connect(new FakeSession('b'));
    assert.equal(await waiting, true);
    assert.equal(clock.pending, 0);
  });

  it('waitForConnected resolves false at the timeout, exactly', async () => {
    const { clock, registry } = setup();
    const waiting = registry.waitForConnected(1, 500);
    clock.advance(499);
    assert.equal(await state(waiting), 'pending');
    clock.advance(1);
    assert.equal(await waiting, false);
    // A later connection finds no stale listener to call.
    registry.connect(new FakeSession('a'));
    assert.equal(clock.pending, 0);
  });

  it('waitForConnected answers at once when enough nodes are already connected', async () => {
    const { clock, registry } = setup();
    registry.connect(new FakeSession('a'));
    assert.equal(await registry.waitForConnected(1, 0), true);
    assert.equal(clock.pending, 0);
  });

  it('revoked and disconnected nodes do not count; an abort resolves false', async () => {
    const { clock, registry } = setup();
    const a = new FakeSession('a');
    const b = new FakeSession('b');
    registry.connect(a);
    registry.connect(b);
    registry.revoke('a');
    registry.disconnect(b, 'gone');
    const stop = new AbortController();
    const waiting = registry.waitForConnected(1, 10_000, stop.signal);
    assert.equal(await state(waiting), 'pending');
    stop.abort();
    assert.equal(await waiting, false);
    assert.equal(clock.pending, 0);
  });

  it('a reconnect replaces and closes the old session; a late disconnect of the old one is ignored', () => {
    const { clock, registry } = setup();
    const s1 = new FakeSession('a');
    registry.connect(s1);
    clock.advance(10);
    const s2 = new FakeSession('a');
    registry.connect(s2);
    assert.equal(s1.closedWith, 'replaced by a newer connection from the same node');
    assert.equal(s2.closedWith, undefined);
    assert.equal(registry.disconnect(s1, 'old stream closed'), false);
    assert.equal(registry.session('a'), s2);
    assert.deepEqual(registry.list(), [{ name: 'a', status: 'connected', lastSeenMs: 1_010, roundsParticipated: 0 }]);
    clock.advance(5);
    assert.equal(registry.disconnect(s2, 'stream closed'), true);
    assert.deepEqual(registry.list(), [{ name: 'a', status: 'disconnected', lastSeenMs: 1_015, roundsParticipated: 0 }]);
  });

  it('revoke closes the session, survives a reconnect and is never listed as connected', () => {
    const { registry, log } = setup();
    const s = new FakeSession('a');
    registry.connect(s);
    registry.revoke('a');
    assert.equal(s.closedWith, 'certificate revoked');
    registry.connect(new FakeSession('a'));
    assert.deepEqual(registry.connected(), []);
    assert.equal(registry.list()[0]?.status, 'revoked');
    registry.revoke('a');
    assert.equal(log.lines.filter((l) => l.msg === 'node revoked: session closed').length, 1, 'revoking twice logs once');
  });

  it('a revocation applies to the certificate: the name takes part again with a new certificate', () => {
    const { registry } = setup();
    registry.connect(new FakeSession('a'));
    registry.revoke('a');
    registry.connect(new FakeSession('a'));
    assert.deepEqual(registry.connected(), [], 'the revoked certificate stays out');
    const renewed = new FakeSession('a');
    Object.defineProperty(renewed, 'certificatePem', { value: 'the new certificate' });
    registry.connect(renewed);
    assert.deepEqual(registry.connected(), [renewed]);
    assert.equal(registry.list()[0]?.status, 'connected');
  });

  it('lists nodes by name with last-seen times and participation counts', () => {
    const { clock, registry } = setup();
    for (const n of ['c', 'a', 'b']) registry.connect(new FakeSession(n));
    clock.advance(42);
    registry.touch('b');
    registry.touch('nobody');
    registry.participated('a');
    registry.participated('a');
    assert.deepEqual(registry.connected().map((s) => s.name), ['a', 'b', 'c']);
    assert.deepEqual(registry.list(), [
      { name: 'a', status: 'connected', lastSeenMs: 1_000, roundsParticipated: 2 },
      { name: 'b', status: 'connected', lastSeenMs: 1_042, roundsParticipated: 0 },
      { name: 'c', status: 'connected', lastSeenMs: 1_000, roundsParticipated: 0 },
    ]);
  });

  describe('capabilities', () => {
    const plain = { modelKind: 'logreg', secureAggregation: false, privacy: false };
    const secure = { ...plain, secureAggregation: true };
    const privateRound = { ...plain, privacy: true };

    it('a node meets a round only if it listed the model kind (or none) and supports what the round needs', () => {
      const legacy = { modelKinds: [], secureAggregation: false, privacy: false };
      assert.equal(meets(legacy, plain), true, 'a node that predates capabilities takes plain rounds of any kind');
      assert.equal(meets(legacy, secure), false);
      assert.equal(meets(legacy, privateRound), false);
      assert.equal(meets({ modelKinds: ['mlp'], secureAggregation: true, privacy: true }, plain), false);
      assert.equal(meets({ modelKinds: ['logreg'], secureAggregation: true, privacy: false }, secure), true);
      assert.equal(meets({ modelKinds: ['logreg'], secureAggregation: true, privacy: false }, { ...secure, privacy: true }), false);
    });

    it('requirementsFor reads secure aggregation and privacy from the settings and the kind from the model', () => {
      const model = builtinModel({ kind: 'mlp', features: 4, classes: 3, hidden: 2 });
      assert.deepEqual(requirementsFor(DEFAULT_ROUND_SETTINGS, model), { modelKind: 'mlp', secureAggregation: false, privacy: false });
      assert.deepEqual(requirementsFor({ ...DEFAULT_ROUND_SETTINGS, secureAggregation: true, noiseMultiplier: 1 }, model), { modelKind: 'mlp', secureAggregation: true, privacy: true });
      assert.equal(describeRequirements({ modelKind: 'mlp', secureAggregation: true, privacy: true }), 'model kind "mlp", secure aggregation, differential privacy');
    });

    it('eligible lists only capable nodes, and waitForConnected with requirements waits for capable ones', async () => {
      const { clock, registry } = setup();
      registry.connect(new FakeSession('plain', { modelKinds: [], secureAggregation: false, privacy: false }));
      registry.connect(new FakeSession('a'));
      assert.deepEqual(registry.eligible(secure).map((s) => s.name), ['a']);
      assert.deepEqual(registry.eligible(plain).map((s) => s.name), ['a', 'plain']);
      const waiting = registry.waitForConnected(2, 500, undefined, secure);
      registry.connect(new FakeSession('plain-2', { modelKinds: ['logreg'], secureAggregation: false, privacy: true }));
      assert.equal(await state(waiting), 'pending', 'a third node that cannot do secure aggregation does not count');
      registry.connect(new FakeSession('b'));
      assert.equal(await waiting, true);
      assert.equal(clock.pending, 0);
    });
  });
});
