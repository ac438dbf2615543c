/** A coordinator and three node daemons train MNIST together over mutual TLS on 127.0.0.1:0. */
import assert from 'node:assert/strict';
import { BuiltinTrainer } from '../../client/trainer/builtin.js';
import { TrainerWork } from '../../client/trainer/work.js';
import { loadLocalData } from '../../client/data/index.js';
import { MemoryLogger } from '../../shared/logger.js';
import type { RoundEvent } from '../../server/core/types.js';
import type { StartedCoordinator } from '../../server/main.js';
import { type RunningNode, startTestCoordinator, startTestNode, TestPki } from '../helpers/federation.js';

describe('federation over mutual TLS (integration)', function () {
  const names = ['hospital-a', 'hospital-b', 'hospital-c'];
  let pki: TestPki;
  let coordinator: StartedCoordinator;
  let nodes: RunningNode[] = [];
  const log = new MemoryLogger();

  before(async function () {
    pki = new TestPki();
    for (const n of names) pki.issue(n, 'node');
    coordinator = await startTestCoordinator(pki, { log, settings: { minNodes: 3 } });
    nodes = await Promise.all(
      names.map(async (name, i) => startTestNode(pki, coordinator.port, name, new TrainerWork(new BuiltinTrainer(await loadLocalData({ kind: 'mnist', shard: i + 1, of: 3 })), log), { log })),
    );
    await Promise.all(nodes.map((n) => n.daemon.when('connected')));
  });

  after(async function () {
    await Promise.all(nodes.map((n) => n.stop()));
    await coordinator?.close();
    pki?.remove();
  });

  it('registers every node as connected', function () {
    const listed = coordinator.coordinator.nodes();
    assert.deepEqual(
      listed.map((n) => [n.name, n.status]),
      names.map((n) => [n, 'connected']),
    );
    for (const n of listed) assert.ok(n.lastSeenMs > 0);
  });

  it('trains to at least 0.85 federated accuracy within 3 rounds, every node taking part', async function () {
    const before = coordinator.coordinator.weights;
    const handle = coordinator.coordinator.launch({ rounds: 3, settings: {} });
    const finished: RoundEvent[] = [];
    for await (const e of handle.events) if (e.state !== 'running') finished.push(e);
    assert.equal(finished.length, 3);
    for (const e of finished) {
      assert.equal(e.state, 'completed', e.reason);
      assert.equal(e.participants, 3);
      assert.equal(e.evaluated, 3);
    }
    const last = finished[2] as RoundEvent;
    assert.ok((last.accuracy ?? 0) >= 0.85, `accuracy ${last.accuracy}`);
    assert.ok((last.loss ?? Infinity) < 0.6, `loss ${last.loss}`);
    assert.notDeepEqual(coordinator.coordinator.weights, before);
    for (const n of coordinator.coordinator.nodes()) assert.equal(n.roundsParticipated, 3);
  });

  it('logs each round with its id and stage, and no node name without a round', function () {
    const roundLines = log.lines.filter((l) => typeof l.fields['round'] === 'number' && l.fields['stage'] !== undefined);
    assert.ok(roundLines.length >= 9, `expected stage log lines, got ${roundLines.length}`);
    assert.ok(log.lines.some((l) => l.msg === 'round 1 completed' && l.fields['stage'] === 'commit'));
    assert.ok(log.lines.some((l) => l.msg === 'local training done' && l.fields['node'] === 'hospital-a' && l.fields['round'] === 1));
  });
});
