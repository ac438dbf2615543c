/**
 * README "Ports and firewalls", the node's side: a daemon whose Welcome names a bulk port it
 * cannot reach logs `cannot open the bulk channel` with that port, stays up and joins
 * again. The real `cohort node` binary against a scripted coordinator (real mutual TLS)
 * that announces a port nothing listens on.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { TestPki } from '../helpers/federation.js';
import { serveScriptedNodeService } from '../helpers/scripted-node-service.js';
import { type Background, freePort, startCohort } from '../helpers/processes.js';

describe('a node daemon that cannot reach the bulk port (integration, processes, claims audit)', function () {
  this.timeout(30_000);
  let pki: TestPki;
  let work: string;
  let server: grpc.Server | undefined;
  let node: Background | undefined;

  before(function () {
    pki = new TestPki();
    pki.issue('hospital-a', 'node');
    work = mkdtempSync(join(tmpdir(), 'cohort-bulk-unreachable-'));
  });

  after(async function () {
    await node?.stop('SIGKILL');
    server?.forceShutdown();
    pki.remove();
    rmSync(work, { recursive: true, force: true });
  });

  it('logs "cannot open the bulk channel" naming the port, keeps running and joins again', async function () {
    const closedPort = await freePort();
    let secondJoin: () => void = () => undefined;
    const joinedAgain = new Promise<void>((resolve) => {
      secondJoin = resolve;
    });
    let joins = 0;
    const scripted = await serveScriptedNodeService(pki.dir, {
      Join: (call: grpc.ServerWritableStream<unknown, unknown>) => {
        joins += 1;
        if (joins === 2) secondJoin();
        call.write({ welcome: { nodeName: 'hospital-a', coordinatorVersion: 'scripted', bulkPort: closedPort, bulkToken: Buffer.alloc(16, 5) } });
      },
    });
    server = scripted.server;
    const port = scripted.port;
    node = startCohort(['node', '--coordinator', `127.0.0.1:${port}`, '--name', 'hospital-a', '--certs', pki.dir, '--data', 'mnist:1/3', '--data-dir', join(work, 'hospital-a')], { cwd: work });
    const line = (await node.waitFor(/^.*cannot open the bulk channel.*$/m))[0];
    assert.match(line, new RegExp(`"bulkPort":${closedPort}\\b`));
    await joinedAgain;
    assert.ok(node.running, node.stderr.slice(-2000));
  });
});
