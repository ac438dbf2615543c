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
import { loadTlsMaterial } from '../../shared/pki/ca-dir.js';
import { loadContract } from '../../shared/wire/proto.js';
import { mutualTlsServerCredentials } from '../../server/grpc/credentials.js';
import { TestPki } from '../helpers/federation.js';
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
    const s = new grpc.Server();
    server = s;
    s.addService(loadContract().cohort.v1.NodeService.service, {
      Join: (call: grpc.ServerWritableStream<unknown, unknown>) => {
        joins += 1;
        if (joins === 2) secondJoin();
        call.write({ welcome: { nodeName: 'hospital-a', coordinatorVersion: 'scripted', bulkPort: closedPort, bulkToken: Buffer.alloc(16, 5) } });
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      s.bindAsync('127.0.0.1:0', mutualTlsServerCredentials(loadTlsMaterial(pki.dir, 'coordinator')), (err, p) => (err ? reject(err) : resolve(p))),
    );
    node = startCohort(['node', '--coordinator', `127.0.0.1:${port}`, '--name', 'hospital-a', '--certs', pki.dir, '--data', 'mnist:1/3', '--data-dir', join(work, 'hospital-a')], { cwd: work });
    const line = (await node.waitFor(/^.*cannot open the bulk channel.*$/m))[0];
    assert.match(line, new RegExp(`"bulkPort":${closedPort}\\b`));
    await joinedAgain;
    assert.ok(node.running, node.stderr.slice(-2000));
  });
});
