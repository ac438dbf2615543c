/**
 * README "Ports and firewalls": a node that joins but never reaches the bulk port is
 * dropped after 30 s with a message naming the port. A node written against the contract
 * joins over real TLS and never dials the bulk port; the coordinator's clock is injected.
 */
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { deferred } from '../../shared/async.js';
import { ManualClock } from '../../shared/clock.js';
import type { CoordinatorMessage__Output } from '../../shared/wire/generated/cohort/v1/CoordinatorMessage.js';
import type { StartedCoordinator } from '../../server/main.js';
import { startTestCoordinator, TestPki } from '../helpers/federation.js';
import { rawNodeClient } from '../helpers/grpc.js';
import { pemOf, ScriptedNode } from '../helpers/scripted-node.js';

describe('a node that cannot reach the bulk port (integration, real TLS, claims audit)', function () {
  let pki: TestPki;
  let coordinator: StartedCoordinator | undefined;
  const clients: grpc.Client[] = [];
  const scripted: ScriptedNode[] = [];

  before(function () {
    pki = new TestPki();
    for (const name of ['firewalled', 'witness']) pki.issue(name, 'node');
  });

  after(async function () {
    for (const s of scripted) s.close();
    for (const c of clients) c.close();
    await coordinator?.close();
    pki.remove();
  });

  it('is dropped 30 s after its Welcome, not earlier, with a message naming the bulk port', async function () {
    const clock = new ManualClock(Date.now());
    const c = await startTestCoordinator(pki, { clock });
    coordinator = c;
    const tls = pemOf(pki.dir, 'firewalled');
    const client = rawNodeClient(c.port, { ca: tls.ca as Buffer, cert: tls.cert as Buffer, key: tls.key as Buffer }, { 'grpc.use_local_subchannel_pool': 1 });
    clients.push(client);
    const call = client.Join({ protocol: 'cohort.v1', software: 'scripted/firewalled' });
    const welcomed = deferred<number>();
    const ended = deferred<{ code: number; details: string }>();
    let endedYet = false;
    call.on('data', (m: CoordinatorMessage__Output) => {
      if (m.body === 'welcome' && m.welcome) welcomed.resolve(m.welcome.bulkPort);
    });
    call.on('error', (err: grpc.ServiceError) => {
      endedYet = true;
      ended.resolve({ code: err.code, details: err.details });
    });
    call.on('end', () => {
      endedYet = true;
      ended.resolve({ code: grpc.status.OK, details: '' });
    });
    const bulkPort = await welcomed.promise;
    assert.notEqual(bulkPort, 0);

    clock.advance(29_999);
    // A full Join and bulk handshake of another node after that: the server has run past the advance.
    scripted.push(await ScriptedNode.connect(pki.dir, c.port, 'witness'));
    assert.equal(endedYet, false, 'dropped before 30 s');

    clock.advance(1);
    const outcome = await ended.promise;
    assert.notEqual(outcome.code, grpc.status.OK);
    assert.match(outcome.details, new RegExp(`no bulk connection within 30 s: the node must reach TCP port ${bulkPort} of this host as well`));
  });
});
