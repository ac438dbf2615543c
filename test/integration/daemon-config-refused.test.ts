/**
 * README "A real deployment", step 5: a node daemon exits with code 2 and a message when
 * the coordinator refuses its configuration (FAILED_PRECONDITION, as for another protocol).
 * The real `cohort node` binary against a scripted coordinator (real mutual TLS) whose
 * Join refuses every node that way.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { TestPki } from '../helpers/federation.js';
import { serveScriptedNodeService } from '../helpers/scripted-node-service.js';
import { type Background, startCohort } from '../helpers/processes.js';

describe('a node daemon whose configuration the coordinator refuses (integration, processes, claims audit)', function () {
  this.timeout(30_000);
  let pki: TestPki;
  let work: string;
  let server: grpc.Server | undefined;
  let node: Background | undefined;
  let joins = 0;

  before(function () {
    pki = new TestPki();
    pki.issue('hospital-a', 'node');
    work = mkdtempSync(join(tmpdir(), 'cohort-config-refused-'));
  });

  after(async function () {
    await node?.stop('SIGKILL');
    server?.forceShutdown();
    pki.remove();
    rmSync(work, { recursive: true, force: true });
  });

  it('exits 2 with the coordinator\'s reason, after one Join (no retrying)', async function () {
    const scripted = await serveScriptedNodeService(pki.dir, {
      Join: (call: grpc.ServerWritableStream<unknown, unknown>) => {
        joins += 1;
        call.emit('error', { code: grpc.status.FAILED_PRECONDITION, details: 'node speaks protocol "cohort.v0", this coordinator speaks "cohort.v1"' });
      },
    });
    server = scripted.server;
    const port = scripted.port;
    node = startCohort(['node', '--coordinator', `127.0.0.1:${port}`, '--name', 'hospital-a', '--certs', pki.dir, '--data', 'mnist:1/3', '--data-dir', join(work, 'hospital-a')], { cwd: work });
    const exit = await node.exited;
    assert.deepEqual([exit.code, exit.signal], [2, null], exit.stderr.slice(-2000));
    assert.match(exit.stderr, /^cohort: the coordinator refused this node's configuration: .*this coordinator speaks "cohort\.v1"/m);
    assert.equal(joins, 1);
  });
});
