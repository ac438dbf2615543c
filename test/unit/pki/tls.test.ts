/**
 * Real mutual TLS on loopback with certificates from the certs directory: what the
 * coordinator's gRPC server will do, minus gRPC. No sleeps: every step waits on an event.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import {
  identityFromPeer,
  initCa,
  issue,
  loadRevocations,
  loadTlsMaterial,
  revoke,
  type PeerIdentity,
} from '../../../shared/pki/index.js';
import { pkiFixture } from './fixture.js';

const DAY = 86_400_000;

type ServerEvent =
  | { kind: 'accepted'; identity: PeerIdentity; cn: unknown; ou: unknown }
  | { kind: 'revoked'; identity: PeerIdentity }
  | { kind: 'tlsClientError'; code: string | undefined; reason: string | undefined; authorizationError: unknown };

/** Server events in arrival order; `next()` waits for the next one. */
class EventQueue {
  private readonly items: ServerEvent[] = [];
  private readonly waiters: Array<(e: ServerEvent) => void> = [];

  push(e: ServerEvent): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter(e);
    else this.items.push(e);
  }

  next(): Promise<ServerEvent> {
    const e = this.items.shift();
    return e ? Promise.resolve(e) : new Promise((resolve) => this.waiters.push(resolve));
  }

  get pending(): number {
    return this.items.length;
  }
}

interface ClientOutcome {
  secureConnect: boolean;
  data: string;
  error: string | undefined;
  serverIdentity: PeerIdentity | undefined;
}

describe('pki: mutual TLS 1.3 with federation certificates', function () {
  let root: string;
  let dir: string;
  let foreign: { cert: string; key: string };
  let server: tls.Server;
  let port: number;
  const events = new EventQueue();

  before(async function () {
    root = mkdtempSync(join(tmpdir(), 'cohort-tls-'));
    dir = join(root, 'certs');
    // OpenSSL checks validity against the wall clock, so these certificates use it too.
    const now = new Date();
    initCa(dir, { sans: ['localhost', '127.0.0.1'], now, commonName: 'Cohort test CA' });
    issue(dir, 'hospital-a', 'node', { now });
    issue(dir, 'ops', 'operator', { now });
    issue(dir, 'hospital-b', 'node', { now });
    issue(dir, 'hospital-old', 'node', { now: new Date(now.getTime() - 400 * DAY), validityDays: 30 });
    issue(dir, 'hospital-future', 'node', { now: new Date(now.getTime() + 2 * DAY) });
    // A stranger's CA with exactly the subject of the fixture's CA, vouching for "hospital-a".
    const stranger = pkiFixture().foreignNode;
    foreign = { cert: stranger.certPem, key: stranger.keyPem };

    const own = loadTlsMaterial(dir, 'coordinator');
    server = tls.createServer({
      key: own.key,
      cert: own.cert,
      ca: [own.ca],
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: 'TLSv1.3',
    });
    server.on('secureConnection', (socket: tls.TLSSocket) => {
      const peer = socket.getPeerCertificate();
      const identity = identityFromPeer(peer);
      // The coordinator reads revoked.json at first use; the handshake alone cannot know it.
      if (loadRevocations(dir).isRevoked(identity.serial)) {
        events.push({ kind: 'revoked', identity });
        socket.destroy();
        return;
      }
      events.push({ kind: 'accepted', identity, cn: peer.subject.CN, ou: peer.subject.OU });
      socket.end(`hello ${identity.name}`);
    });
    server.on('tlsClientError', (err: NodeJS.ErrnoException & { reason?: string }, socket: tls.TLSSocket) => {
      events.push({ kind: 'tlsClientError', code: err.code, reason: err.reason, authorizationError: socket.authorizationError });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });

  after(async function () {
    if (server) {
      const open = await new Promise<number>((resolve, reject) => server.getConnections((e, n) => (e ? reject(e) : resolve(n))));
      server.close();
      await once(server, 'close');
      assert.equal(open, 0, 'a test leaked a connection');
    }
    assert.equal(events.pending, 0, 'an unexpected server event was not checked');
    rmSync(root, { recursive: true, force: true });
  });

  async function connect(options: tls.ConnectionOptions): Promise<ClientOutcome> {
    const ca = loadTlsMaterial(dir, 'coordinator').ca;
    const socket = tls.connect({ host: '127.0.0.1', port, ca: [ca], ...options });
    const outcome: ClientOutcome = { secureConnect: false, data: '', error: undefined, serverIdentity: undefined };
    socket.on('secureConnect', () => {
      outcome.secureConnect = true;
      outcome.serverIdentity = identityFromPeer(socket.getPeerCertificate());
    });
    socket.on('data', (d: Buffer) => {
      outcome.data += d.toString();
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      outcome.error = e.code;
    });
    // Not events.once: it would reject on the 'error' that refused clients see.
    await new Promise<void>((resolve) => socket.on('close', () => resolve()));
    return outcome;
  }

  function clientCert(name: string): tls.ConnectionOptions {
    const m = loadTlsMaterial(dir, name);
    return { cert: m.cert, key: m.key };
  }

  it('accepts a node certificate, and both sides learn who the other is', async function () {
    const [outcome, event] = await Promise.all([connect(clientCert('hospital-a')), events.next()]);
    assert.equal(event.kind, 'accepted');
    assert.ok(event.kind === 'accepted');
    assert.equal(event.cn, 'hospital-a');
    assert.equal(event.ou, 'node');
    assert.equal(event.identity.name, 'hospital-a');
    assert.equal(event.identity.role, 'node');
    assert.match(event.identity.serial, /^[4-7][0-9a-f]{31}$/);
    assert.equal(outcome.data, 'hello hospital-a');
    assert.equal(outcome.serverIdentity?.role, 'coordinator', 'the node can tell it reached the coordinator');
    assert.equal(outcome.error, undefined);
  });

  it('tells an operator from a node', async function () {
    const [outcome, event] = await Promise.all([connect(clientCert('ops')), events.next()]);
    assert.ok(event.kind === 'accepted');
    assert.deepEqual([event.identity.name, event.identity.role], ['ops', 'operator']);
    assert.equal(outcome.data, 'hello ops');
  });

  it('refuses a client without a certificate at the handshake', async function () {
    const [outcome, event] = await Promise.all([connect({}), events.next()]);
    assert.deepEqual(event, {
      kind: 'tlsClientError',
      code: 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE',
      reason: 'peer did not return a certificate',
      authorizationError: null,
    });
    assert.equal(outcome.data, '');
    assert.equal(outcome.error, 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
  });

  it('refuses a certificate from a foreign CA with the same name and subject', async function () {
    const [outcome, event] = await Promise.all([connect(foreign), events.next()]);
    assert.equal(event.kind, 'tlsClientError');
    assert.ok(event.kind === 'tlsClientError');
    assert.equal(event.authorizationError, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    assert.equal(outcome.data, '');
  });

  it('refuses an expired certificate', async function () {
    const [outcome, event] = await Promise.all([connect(clientCert('hospital-old')), events.next()]);
    assert.ok(event.kind === 'tlsClientError');
    assert.equal(event.authorizationError, 'CERT_HAS_EXPIRED');
    assert.equal(outcome.data, '');
  });

  it('refuses a certificate that is not valid yet', async function () {
    const [outcome, event] = await Promise.all([connect(clientCert('hospital-future')), events.next()]);
    assert.ok(event.kind === 'tlsClientError');
    assert.equal(event.authorizationError, 'CERT_NOT_YET_VALID');
    assert.equal(outcome.data, '');
  });

  it('refuses TLS 1.2', async function () {
    const [outcome, event] = await Promise.all([connect({ ...clientCert('hospital-a'), maxVersion: 'TLSv1.2' }), events.next()]);
    assert.ok(event.kind === 'tlsClientError');
    assert.equal(event.code, 'ERR_SSL_UNSUPPORTED_PROTOCOL');
    assert.equal(outcome.secureConnect, false);
  });

  it('refuses a revoked certificate at first use, matching Node’s upper-case serial', async function () {
    const first = await Promise.all([connect(clientCert('hospital-b')), events.next()]);
    assert.equal(first[1].kind, 'accepted');
    revoke(dir, 'hospital-b', { now: new Date() });
    const [outcome, event] = await Promise.all([connect(clientCert('hospital-b')), events.next()]);
    assert.ok(event.kind === 'revoked');
    assert.equal(event.identity.name, 'hospital-b');
    assert.equal(outcome.data, '');
    // A fresh certificate for the same name is not covered by the revocation.
    issue(dir, 'hospital-b', 'node', { now: new Date() });
    const [again, accepted] = await Promise.all([connect(clientCert('hospital-b')), events.next()]);
    assert.equal(accepted.kind, 'accepted');
    assert.equal(again.data, 'hello hospital-b');
  });
});
