/**
 * The README's exit codes ("Exit codes and output") that no other test showed, with the
 * real `cohort` binary: an unknown option is bad usage (2), a certificate that does not
 * match its key is bad input (2), an unreachable coordinator is a runtime failure (1).
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Finished, freePort, runCohort } from '../helpers/processes.js';

describe('exit codes the README states (real binary, claims audit)', function () {
  let dir: string;
  let certs: string;
  const cohort = (args: string[]): Promise<Finished> => runCohort(args, { cwd: dir });

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), 'cohort-claims-exit-'));
    const ca = join(dir, 'ca');
    certs = join(dir, 'certs');
    assert.equal((await cohort(['ca', 'init', '--dir', ca])).code, 0);
    for (const name of ['alice', 'bob']) assert.equal((await cohort(['ca', 'issue', name, '--role', 'operator', '--dir', ca])).code, 0);
    mkdirSync(certs);
    for (const f of ['ca.crt', 'coordinator.crt', 'coordinator.key', 'revocations.json', 'alice.crt', 'alice.key']) copyFileSync(join(ca, f), join(certs, f));
    // mallory: alice's certificate with bob's key.
    copyFileSync(join(ca, 'alice.crt'), join(certs, 'mallory.crt'));
    copyFileSync(join(ca, 'bob.key'), join(certs, 'mallory.key'));
  });

  after(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  it('exits 2 on an unknown option, naming it', async function () {
    const r = await cohort(['status', '--coordinator', '127.0.0.1:1', '--certs', certs, '--name', 'alice', '--no-such-flag']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /unknown option '--no-such-flag'/);
  });

  it('exits 1 when the coordinator is unreachable (nothing listens on its port)', async function () {
    const port = await freePort();
    const r = await cohort(['status', '--coordinator', `127.0.0.1:${port}`, '--certs', certs, '--name', 'alice']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`cannot reach the coordinator at 127\\.0\\.0\\.1:${port}`));
  });

  it('exits 2 when a certificate does not match its key, naming the file', async function () {
    const port = await freePort();
    const r = await cohort(['status', '--coordinator', `127.0.0.1:${port}`, '--certs', certs, '--name', 'mallory']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /mallory\.key does not belong to .*mallory\.crt/);
  });
});
