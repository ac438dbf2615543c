/**
 * README "Exit codes and output": a round that did not complete is a runtime failure
 * (exit 1). Real `cohort` processes: a coordinator with no node connected, and a `round
 * launch` whose wait for nodes runs out, so the round is skipped.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestPki } from '../helpers/federation.js';
import { type Background, runCohort, startCohort } from '../helpers/processes.js';

describe('round launch when no round completes (integration, processes, claims audit)', function () {
  this.timeout(60_000);
  let pki: TestPki;
  let work: string;
  let coordinator: Background | undefined;

  before(function () {
    pki = new TestPki();
    pki.issue('alice', 'operator');
    work = mkdtempSync(join(tmpdir(), 'cohort-incomplete-'));
  });

  after(async function () {
    await coordinator?.stop('SIGKILL');
    pki.remove();
    rmSync(work, { recursive: true, force: true });
  });

  it('exits 1 and says which round did not complete', async function () {
    coordinator = startCohort(['coordinator', '--port', '0', '--bulk-port', '0', '--certs', pki.dir, '--data-dir', join(work, 'coordinator'), '--log-level', 'warn'], { cwd: work });
    const port = (await coordinator.waitFor(/listening on 127\.0\.0\.1:(\d+)/))[1] as string;
    const r = await runCohort(['round', 'launch', '--rounds', '1', '--min-nodes', '1', '--wait', '1', '--coordinator', `127.0.0.1:${port}`, '--certs', pki.dir, '--name', 'alice'], { cwd: work });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /1 of 1 round\(s\) did not complete \(round 1: skipped\)/);
    assert.ok(coordinator.running, 'the coordinator is still running');
  });
});
