/**
 * Node daemons as real `cohort node` processes outlive their coordinator: started before
 * it, through a kill -9 and restart on the same port, and through a clean restart, they
 * stay up, reconnect by themselves, and the next rounds include them. A daemon exits only
 * when told to (SIGTERM: code 0) or when its certificate is revoked (code 3), with a message.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestPki } from '../helpers/federation.js';
import { type Background, freePort, runCohort, startCohort } from '../helpers/processes.js';

const NODES = ['n1', 'n2', 'n3'];
const RECONNECTING = /disconnected from coordinator; reconnecting/;

describe('node daemon processes and coordinator restarts (integration, processes)', function () {
  this.timeout(120_000);
  let pki: TestPki;
  let work: string;
  let port: number;
  let nodes: Background[] = [];
  let coordinator: Background | undefined;

  before(async function () {
    pki = new TestPki();
    pki.issue('op', 'operator');
    for (const n of NODES) pki.issue(n, 'node');
    work = mkdtempSync(join(tmpdir(), 'cohort-daemons-'));
    port = await freePort();
  });

  after(async function () {
    await Promise.all([...nodes, ...(coordinator ? [coordinator] : [])].map((p) => p.stop('SIGKILL')));
    pki.remove();
    rmSync(work, { recursive: true, force: true });
  });

  function startCoordinator(): Background {
    const args = ['coordinator', '--port', String(port), '--bulk-port', '0', '--certs', pki.dir, '--data-dir', join(work, 'coordinator'), '--min-nodes', '3', '--log-level', 'warn'];
    return startCohort(args, { cwd: work });
  }

  /** One round with every node; returns its participants. */
  async function roundWithAllNodes(): Promise<{ round: number; participants: number }> {
    const r = await runCohort(
      ['round', 'launch', '--rounds', '1', '--min-nodes', '3', '--wait', '60', '--json', '--coordinator', `127.0.0.1:${port}`, '--certs', pki.dir, '--name', 'op'],
      { cwd: work },
    );
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { rounds: Array<{ round: number; status: string; participants: number }> };
    assert.equal(doc.rounds.length, 1);
    assert.equal(doc.rounds[0]?.status, 'completed', r.stdout);
    return { round: doc.rounds[0]?.round ?? 0, participants: doc.rounds[0]?.participants ?? 0 };
  }

  /** Every node logs `times` more reconnect attempts after `marks`, and is still running. */
  async function allRetrying(marks: readonly number[], times: number): Promise<void> {
    await Promise.all(nodes.map((n, i) => n.waitForCount(RECONNECTING, times, marks[i])));
    for (const n of nodes) assert.ok(n.running, `${NODES[nodes.indexOf(n)]} exited:\n${n.stderr.slice(-2000)}`);
  }

  it('daemons started before the coordinator keep retrying, then join it and train', async function () {
    nodes = NODES.map(
      (name, i) =>
        startCohort(['node', '--coordinator', `127.0.0.1:${port}`, '--name', name, '--certs', pki.dir, '--data', `mnist:${i + 1}/3`, '--data-dir', join(work, name)], { cwd: work }),
    );
    // Three attempts span more than one backoff: the process used to exit after the first.
    await allRetrying([0, 0, 0], 3);
    coordinator = startCoordinator();
    await coordinator.waitFor(/listening on 127\.0\.0\.1:\d+/);
    assert.deepEqual(await roundWithAllNodes(), { round: 1, participants: 3 });
  });

  it('daemons survive a kill -9 of the coordinator and rejoin the one restarted on the same port', async function () {
    const marks = nodes.map((n) => n.stderr.length);
    assert.equal((await coordinator?.stop('SIGKILL'))?.signal, 'SIGKILL');
    await allRetrying(marks, 2);
    coordinator = startCoordinator();
    await coordinator.waitFor(/listening on 127\.0\.0\.1:\d+/);
    assert.deepEqual(await roundWithAllNodes(), { round: 2, participants: 3 });
  });

  it('daemons rejoin after a second restart (a clean stop this time)', async function () {
    const marks = nodes.map((n) => n.stderr.length);
    assert.equal((await coordinator?.stop('SIGTERM'))?.code, 0);
    await allRetrying(marks, 2);
    coordinator = startCoordinator();
    await coordinator.waitFor(/listening on 127\.0\.0\.1:\d+/);
    assert.deepEqual(await roundWithAllNodes(), { round: 3, participants: 3 });
  });

  it('a daemon whose certificate is revoked exits 3 and says why', async function () {
    const node = nodes[1] as Background;
    pki.revoke('n2');
    const exit = await node.exited;
    assert.deepEqual([exit.code, exit.signal], [3, null], node.stderr.slice(-2000));
    assert.match(node.stderr, /^cohort: .*revoked/m);
  });

  it('a daemon exits on SIGTERM with code 0 and says so', async function () {
    const node = nodes[0] as Background;
    const exit = await node.stop('SIGTERM');
    assert.deepEqual([exit.code, exit.signal], [0, null], node.stderr.slice(-2000));
    assert.match(node.stderr, /stopp/i);
  });
});
