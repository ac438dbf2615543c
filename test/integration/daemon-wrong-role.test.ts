/**
 * README "A real deployment", step 5: a node daemon exits with code 3 and a message when
 * the coordinator refuses its certificate for its role. Real `cohort` processes: a
 * coordinator and a `cohort node` started with an operator's certificate.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestPki } from '../helpers/federation.js';
import { type Background, startCohort } from '../helpers/processes.js';

describe('a node daemon with a certificate of another role (integration, processes, claims audit)', function () {
  this.timeout(60_000);
  let pki: TestPki;
  let work: string;
  const processes: Background[] = [];

  before(function () {
    pki = new TestPki();
    pki.issue('alice', 'operator');
    work = mkdtempSync(join(tmpdir(), 'cohort-wrong-role-'));
  });

  after(async function () {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    pki.remove();
    rmSync(work, { recursive: true, force: true });
  });

  it('exits 3 and says its certificate has the wrong role; the coordinator stays up', async function () {
    const coordinator = startCohort(['coordinator', '--port', '0', '--bulk-port', '0', '--certs', pki.dir, '--data-dir', join(work, 'coordinator'), '--log-level', 'warn'], { cwd: work });
    processes.push(coordinator);
    const port = (await coordinator.waitFor(/listening on 127\.0\.0\.1:(\d+)/))[1] as string;
    const node = startCohort(['node', '--coordinator', `127.0.0.1:${port}`, '--name', 'alice', '--certs', pki.dir, '--data', 'mnist:1/3', '--data-dir', join(work, 'alice')], { cwd: work });
    processes.push(node);
    const exit = await node.exited;
    assert.deepEqual([exit.code, exit.signal], [3, null], exit.stderr.slice(-2000));
    assert.match(exit.stderr, /^cohort: .*alice has role "operator"; Join needs role "node"/m);
    assert.ok(coordinator.running, 'the coordinator is still running');
  });
});
