/** A node dying mid-round: the round goes on with the rest or fails cleanly, and the node rejoins. */
import assert from 'node:assert/strict';
import type { IncomingTask, LocalEvaluation, LocalUpdate, LocalWork } from '../../client/core/agent.js';
import { PerturbWork } from '../../client/core/work.js';
import { deferred, type Deferred } from '../../shared/async.js';
import { MemoryLogger } from '../../shared/logger.js';
import type { RoundEvent } from '../../server/core/types.js';
import type { StartedCoordinator } from '../../server/main.js';
import { type RunningNode, startTestCoordinator, startTestNode, TestPki } from '../helpers/federation.js';

/** Training that signals when it starts and then never finishes: the node "hangs" until killed. */
class HangingWork implements LocalWork {
  readonly started: Deferred<number> = deferred<number>();
  incompatibility(): undefined {
    return undefined;
  }
  train(task: IncomingTask): Promise<LocalUpdate> {
    this.started.resolve(task.round);
    return new Promise<LocalUpdate>(() => undefined);
  }
  evaluate(): LocalEvaluation {
    return { numExamples: 1, accuracy: 0, loss: 0 };
  }
}

async function collect(events: AsyncIterable<RoundEvent>): Promise<RoundEvent[]> {
  const out: RoundEvent[] = [];
  for await (const e of events) if (e.state !== 'running') out.push(e);
  return out;
}

describe('a node dies mid-round (integration)', function () {
  let pki: TestPki;
  let coordinator: StartedCoordinator;
  let healthy: RunningNode[] = [];
  const log = new MemoryLogger();

  before(async function () {
    pki = new TestPki();
    for (const n of ['alive-1', 'alive-2', 'doomed']) pki.issue(n, 'node');
    coordinator = await startTestCoordinator(pki, { log });
    healthy = ['alive-1', 'alive-2'].map((n) => startTestNode(pki, coordinator.port, n, new PerturbWork(), { log }));
    await Promise.all(healthy.map((n) => n.daemon.when('connected')));
  });

  after(async function () {
    await Promise.all(healthy.map((n) => n.stop()));
    await coordinator?.close();
    pki?.remove();
  });

  async function killDuringTraining(minNodes: number): Promise<RoundEvent> {
    const work = new HangingWork();
    const doomed = startTestNode(pki, coordinator.port, 'doomed', work, { log });
    await doomed.daemon.when('connected');
    const handle = coordinator.coordinator.launch({ rounds: 1, settings: { minNodes } });
    const events = collect(handle.events);
    await work.started.promise;
    await doomed.stop();
    const [event] = await events;
    assert.ok(event);
    return event;
  }

  it('completes the round with the survivors when enough remain', async function () {
    const event = await killDuringTraining(2);
    assert.equal(event.state, 'completed', event.reason);
    assert.equal(event.selected, 3);
    assert.equal(event.participants, 2);
    assert.ok(log.lines.some((l) => l.msg === 'node left the stage' && l.fields['node'] === 'doomed' && l.fields['reason'] === 'disconnected'));
  });

  it('fails the round cleanly, leaving the model unchanged, when too few remain', async function () {
    const before = coordinator.coordinator.weights;
    const event = await killDuringTraining(3);
    assert.equal(event.state, 'failed');
    assert.match(event.reason ?? '', /only 2 of 3 selected nodes returned a valid update.*at least 3 needed/);
    assert.deepEqual(coordinator.coordinator.weights, before);
  });

  it('takes the node back when it restarts', async function () {
    const again = startTestNode(pki, coordinator.port, 'doomed', new PerturbWork(), { log });
    await again.daemon.when('connected');
    const [event] = await collect(coordinator.coordinator.launch({ rounds: 1, settings: { minNodes: 3 } }).events);
    await again.stop();
    assert.equal(event?.state, 'completed', event?.reason);
    assert.equal(event?.participants, 3);
  });
});
