/** Load: 200 node daemons, each with its own certificate and TLS connection, complete a round with d = 100k. */
import assert from 'node:assert/strict';
import { PerturbWork } from '../../client/core/work.js';
import { MemoryLogger } from '../../shared/logger.js';
import type { RoundEvent } from '../../server/core/types.js';
import type { StartedCoordinator } from '../../server/main.js';
import { type RunningNode, startTestCoordinator, startTestNode, TestPki } from '../helpers/federation.js';

const NODES = 200;

describe('load: 200 nodes (integration)', function () {
  this.timeout(240_000);
  let pki: TestPki;
  let coordinator: StartedCoordinator;
  let nodes: RunningNode[] = [];

  before(async function () {
    pki = new TestPki();
    for (let i = 1; i <= NODES; i++) pki.issue(`load-${i}`, 'node');
    // 9,999 features × 10 classes + 10 biases = 100,000 parameters.
    coordinator = await startTestCoordinator(pki, { log: new MemoryLogger(), model: { kind: 'logreg', features: 9999, classes: 10 }, settings: { minNodes: NODES } });
  });

  after(async function () {
    await Promise.all(nodes.map((n) => n.stop()));
    await coordinator?.close();
    pki?.remove();
  });

  it('completes a round with every node taking part', async function () {
    nodes = Array.from({ length: NODES }, (_, i) => startTestNode(pki, coordinator.port, `load-${i + 1}`, new PerturbWork()));
    await Promise.all(nodes.map((n) => n.daemon.when('connected')));
    assert.equal(coordinator.coordinator.status().connectedNodes, NODES);
    const handle = coordinator.coordinator.launch({ rounds: 1, settings: {} });
    const events: RoundEvent[] = [];
    for await (const e of handle.events) if (e.state !== 'running') events.push(e);
    assert.equal(events[0]?.state, 'completed', events[0]?.reason);
    assert.equal(events[0]?.participants, NODES);
    assert.equal(events[0]?.evaluated, NODES);
  });
});
