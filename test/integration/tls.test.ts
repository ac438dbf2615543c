/** Who gets in: handshake refusals, revocation, roles, and openssl s_client against a live coordinator. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { PerturbWork } from '../../client/core/work.js';
import { CohortError } from '../../shared/errors.js';
import { MemoryLogger } from '../../shared/logger.js';
import type { StartedCoordinator } from '../../server/main.js';
import { startTestCoordinator, startTestNode, TestPki } from '../helpers/federation.js';
import { joinOutcome, rawAdminClient, rawNodeClient, type RawTls, statusCodeOfGetStatus } from '../helpers/grpc.js';

const DAY = 86_400_000;

function material(pki: TestPki, name: string): RawTls {
  return {
    ca: readFileSync(join(pki.dir, 'ca.crt')),
    cert: readFileSync(join(pki.dir, `${name}.crt`)),
    key: readFileSync(join(pki.dir, `${name}.key`)),
  };
}

/**
 * Run `openssl s_client` against the coordinator. Resolves "talked" as soon as the server's
 * first HTTP/2 frame arrives (the connection was accepted), or "refused" when s_client
 * exits without receiving any application data.
 */
function sClient(port: number, args: string[]): Promise<{ outcome: 'talked' | 'refused'; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-alpn', 'h2', '-quiet', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    let settled = false;
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      // An HTTP/2 SETTINGS frame (type 0x04) from the server: the TLS session is up.
      if (!settled && d.length >= 4 && d[3] === 0x04) {
        settled = true;
        child.kill();
        resolve({ outcome: 'talked', stderr });
      }
    });
    child.on('error', reject);
    child.on('exit', () => {
      if (!settled) resolve({ outcome: 'refused', stderr });
    });
  });
}

describe('mutual TLS and roles (integration)', function () {
  let pki: TestPki;
  let foreign: TestPki;
  let coordinator: StartedCoordinator;
  const log = new MemoryLogger();

  before(async function () {
    pki = new TestPki();
    foreign = new TestPki();
    pki.issue('node-1', 'node');
    pki.issue('ops', 'operator');
    pki.issue('audit', 'auditor');
    pki.issue('to-revoke', 'node');
    pki.issue('expired', 'node', new Date(Date.now() - 10 * DAY), 1);
    foreign.issue('node-1', 'node');
    coordinator = await startTestCoordinator(pki, { log, revocationPollMs: 50 });
  });

  after(async function () {
    await coordinator?.close();
    pki?.remove();
    foreign?.remove();
  });

  const refusedHandshakes = (): string[] => log.lines.filter((l) => l.msg === 'TLS handshake refused').map((l) => String(l.fields['reason']));

  it('lets a node certificate from our CA join', async function () {
    const client = rawNodeClient(coordinator.port, material(pki, 'node-1'));
    const outcome = await joinOutcome(client);
    client.close();
    assert.deepEqual(outcome, { code: 0, details: '', first: 'welcome' });
  });

  it('refuses a client without a certificate at the handshake and logs why', async function () {
    const client = rawNodeClient(coordinator.port, { ca: readFileSync(join(pki.dir, 'ca.crt')) });
    const before = refusedHandshakes().length;
    const outcome = await joinOutcome(client);
    client.close();
    assert.equal(outcome.code, grpc.status.UNAVAILABLE);
    const reasons = refusedHandshakes().slice(before);
    assert.ok(reasons.some((r) => /did not return a certificate/.test(r)), reasons.join(' | '));
  });

  it('refuses a certificate from a foreign CA and logs why', async function () {
    const tls = { ...material(foreign, 'node-1'), ca: readFileSync(join(pki.dir, 'ca.crt')) };
    const before = refusedHandshakes().length;
    const outcome = await joinOutcome(rawNodeClient(coordinator.port, tls));
    assert.equal(outcome.code, grpc.status.UNAVAILABLE);
    const reasons = refusedHandshakes().slice(before);
    assert.ok(reasons.some((r) => /certificate/i.test(r)), reasons.join(' | '));
  });

  it('refuses an expired certificate and logs why', async function () {
    const before = refusedHandshakes().length;
    const outcome = await joinOutcome(rawNodeClient(coordinator.port, material(pki, 'expired')));
    assert.equal(outcome.code, grpc.status.UNAVAILABLE);
    const reasons = refusedHandshakes().slice(before);
    assert.ok(reasons.some((r) => /expired/i.test(r)), reasons.join(' | '));
  });

  it('refuses TLS 1.2', async function () {
    const outcome = await joinOutcome(rawNodeClient(coordinator.port, { ...material(pki, 'node-1'), maxVersion: 'TLSv1.2' }));
    assert.equal(outcome.code, grpc.status.UNAVAILABLE);
  });

  it('checks the role on every call: nodes cannot administer, operators cannot join as nodes', async function () {
    const asNode = await statusCodeOfGetStatus(rawAdminClient(coordinator.port, material(pki, 'node-1')));
    assert.equal(asNode.code, grpc.status.PERMISSION_DENIED);
    assert.match(asNode.details, /node-1 has role "node"; GetStatus needs role "operator"/);
    const asAuditor = await statusCodeOfGetStatus(rawAdminClient(coordinator.port, material(pki, 'audit')));
    assert.equal(asAuditor.code, grpc.status.PERMISSION_DENIED);
    const asOperator = await statusCodeOfGetStatus(rawAdminClient(coordinator.port, material(pki, 'ops')));
    assert.equal(asOperator.code, 0);
    const operatorJoins = await joinOutcome(rawNodeClient(coordinator.port, material(pki, 'ops')));
    assert.equal(operatorJoins.code, grpc.status.PERMISSION_DENIED);
    assert.ok(log.lines.some((l) => l.msg === 'call refused: wrong role' && l.fields['node'] === 'ops'));
  });

  it('cuts off a connected node when its certificate is revoked, and refuses it afterwards', async function () {
    const node = startTestNode(pki, coordinator.port, 'to-revoke', new PerturbWork());
    await node.daemon.when('connected');
    pki.revoke('to-revoke');
    await assert.rejects(node.done, (err: unknown) => err instanceof CohortError && err.code === 'unauthenticated');
    const again = await joinOutcome(rawNodeClient(coordinator.port, material(pki, 'to-revoke')));
    assert.equal(again.code, grpc.status.UNAUTHENTICATED);
    assert.match(again.details, /revoked/);
    assert.equal(coordinator.coordinator.nodes().find((n) => n.name === 'to-revoke')?.status, 'revoked');
    assert.ok(log.lines.some((l) => l.msg === 'call refused: certificate revoked' && l.fields['node'] === 'to-revoke'));
  });

  describe('openssl s_client', function () {
    const ca = (): string[] => ['-CAfile', join(pki.dir, 'ca.crt')];

    it('cannot talk without a client certificate', async function () {
      const r = await sClient(coordinator.port, ca());
      assert.equal(r.outcome, 'refused', r.stderr);
      assert.match(r.stderr, /certificate required/);
    });

    it('cannot talk with a certificate from another CA', async function () {
      const r = await sClient(coordinator.port, [...ca(), '-cert', join(foreign.dir, 'node-1.crt'), '-key', join(foreign.dir, 'node-1.key')]);
      assert.equal(r.outcome, 'refused', r.stderr);
    });

    it('talks with a node certificate from cohort ca issue', async function () {
      const r = await sClient(coordinator.port, [...ca(), '-cert', join(pki.dir, 'node-1.crt'), '-key', join(pki.dir, 'node-1.key')]);
      assert.equal(r.outcome, 'talked', r.stderr);
    });
  });
});
