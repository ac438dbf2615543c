import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type RevocationMemory, VerifiedPeers } from '../../../client/core/secure.js';
import { CohortError } from '../../../shared/errors.js';
import { type RevokedCertificate, signRevocations, type SignedRevocations } from '../../../shared/pki/revocations.js';
import { TestPki } from '../../helpers/federation.js';

const DAY = 86_400_000;

/** A node data dir's revocations.json, in memory. */
class MemoryRevocations implements RevocationMemory {
  stored: SignedRevocations | undefined;
  saves = 0;
  load(): SignedRevocations | undefined {
    return this.stored;
  }
  save(signed: SignedRevocations): void {
    this.stored = signed;
    this.saves += 1;
  }
}

describe('VerifiedPeers (secure aggregation peer certificates)', function () {
  let pki: TestPki;
  let foreign: TestPki;
  const pem = (p: TestPki, name: string): string => readFileSync(join(p.dir, `${name}.crt`), 'utf8');
  const ca = (): string => readFileSync(join(pki.dir, 'ca.crt'), 'utf8');
  // Lists in the order the CA signed them.
  const lists: SignedRevocations[] = [];
  let alicePem: string;
  let bobOldPem: string;

  before(function () {
    pki = new TestPki();
    foreign = new TestPki();
    pki.issue('alice', 'node');
    pki.issue('ops', 'operator');
    pki.issue('carol', 'node');
    pki.issue('bob', 'node');
    foreign.issue('alice', 'node');
    alicePem = pem(pki, 'alice');
    bobOldPem = pem(pki, 'bob');
    lists.push(pki.revocations()); // #1: nothing revoked
    pki.revoke('carol');
    lists.push(pki.revocations()); // #2: carol revoked
    pki.issue('bob', 'node');
    lists.push(pki.revocations()); // #3: bob's first certificate replaced
  });

  after(function () {
    pki.remove();
    foreign.remove();
  });

  const refused = (code: string, message: RegExp) => (err: unknown): boolean => {
    assert.ok(err instanceof CohortError, String(err));
    assert.equal(err.code, code);
    assert.match(err.message, message);
    return true;
  };
  const newest = (): SignedRevocations => lists[lists.length - 1] as SignedRevocations;
  const ready = (): VerifiedPeers => {
    const peers = new VerifiedPeers(ca());
    peers.admitRound(newest(), new Date());
    return peers;
  };

  it('accepts a node certificate from the CA for its own name, and keeps accepting it from the cache', function () {
    const peers = ready();
    const now = new Date();
    const key = peers.key('alice', alicePem, now);
    assert.equal(key.asymmetricKeyType, 'rsa');
    assert.equal(peers.key('alice', alicePem, now), key);
  });

  it('refuses a certificate presented for another name, another role, or from a foreign CA', function () {
    const peers = ready();
    const now = new Date();
    assert.throws(() => peers.key('bob', alicePem, now), refused('unauthenticated', /belongs to node alice/));
    assert.throws(() => peers.key('ops', pem(pki, 'ops'), now), refused('unauthenticated', /belongs to operator ops/));
    assert.throws(() => peers.key('alice', pem(foreign, 'alice'), now), refused('unauthenticated', /not issued by the federation CA/));
  });

  it('re-checks validity on every use, even for a cached certificate', function () {
    const peers = ready();
    peers.key('alice', alicePem, new Date());
    assert.throws(() => peers.key('alice', alicePem, new Date(Date.now() + 400 * DAY)), refused('unauthenticated', /not valid now|expired/));
  });

  describe('revocation, checked by the node itself', function () {
    it('trusts no peer before it has a revocation list', function () {
      const peers = new VerifiedPeers(ca());
      assert.throws(() => peers.key('alice', alicePem, new Date()), refused('unauthenticated', /no revocation list yet/));
    });

    it('refuses a revoked peer, and the certificate a re-issue replaced, but not its successor', function () {
      const peers = ready();
      const now = new Date();
      assert.throws(() => peers.key('carol', pem(pki, 'carol'), now), refused('unauthenticated', /certificate of carol \(serial [0-9a-f]+\) is revoked \(revocation list #3\)/));
      assert.throws(() => peers.key('bob', bobOldPem, now), refused('unauthenticated', /certificate of bob .* was replaced by a newer certificate, which revokes it/));
      assert.equal(peers.key('bob', pem(pki, 'bob'), now).asymmetricKeyType, 'rsa');
    });

    it('refuses a peer that became revoked after its certificate was cached', function () {
      const peers = new VerifiedPeers(ca());
      peers.admitRound(lists[0], new Date());
      const now = new Date();
      peers.key('carol', pem(pki, 'carol'), now);
      peers.offerRevocations(lists[1] as SignedRevocations);
      assert.throws(() => peers.key('carol', pem(pki, 'carol'), now), refused('unauthenticated', /carol .* is revoked/));
    });

    it('refuses a secure round without a list, with a forged or edited list, or with an older one than it has seen', function () {
      const peers = ready();
      const now = new Date();
      assert.throws(() => peers.admitRound(undefined, now), refused('unauthenticated', /sent no revocation list/));
      assert.throws(() => peers.admitRound(foreign.revocations(), now), refused('unauthenticated', /not signed by the federation CA/));
      const edited = JSON.parse(Buffer.from(newest().list).toString('utf8')) as { revoked: unknown[] };
      edited.revoked = [];
      assert.throws(() => peers.admitRound({ list: Buffer.from(JSON.stringify(edited)), signature: newest().signature }, now), refused('unauthenticated', /not signed by the federation CA/));
      assert.throws(() => peers.admitRound({ list: newest().list, signature: new Uint8Array(384) }, now), refused('unauthenticated', /not signed/));
      assert.throws(() => peers.admitRound(lists[1], now), refused('permission_denied', /revocation list #2 is older than list #3/));
      assert.throws(() => peers.admitRound(lists[0], now), refused('permission_denied', /#1 is older than list #3/));
      // The refused lists changed nothing: carol is still revoked.
      assert.throws(() => peers.key('carol', pem(pki, 'carol'), now), refused('unauthenticated', /revoked/));
      peers.admitRound(newest(), now);
    });

    it('refuses a second, different list under a number it already has', function () {
      // Only a CA key holder can make these: two lists with the same number and other entries.
      const caKey = readFileSync(join(pki.caDir, 'ca.key'), 'utf8');
      const sign = (revoked: RevokedCertificate[]): SignedRevocations =>
        signRevocations(ca(), caKey, { number: 10, issuedAt: new Date(), nextUpdate: new Date(Date.now() + DAY), revoked });
      const peers = new VerifiedPeers(ca());
      const a = sign([]);
      assert.equal(peers.offerRevocations(a), 'newer');
      assert.equal(peers.offerRevocations(a), 'same');
      const b = sign([{ serial: 'abc', name: 'carol', reason: 'revoked', revokedAt: new Date().toISOString() }]);
      assert.throws(() => peers.offerRevocations(b), refused('permission_denied', /two different revocation lists carry number 10/));
    });

    it('refuses secure rounds once the newest list it has seen has expired', function () {
      const peers = ready();
      const later = new Date(Date.now() + 31 * DAY);
      assert.throws(() => peers.admitRound(newest(), later), refused('unauthenticated', /newest revocation list this node has seen \(#3\) expired at/));
      assert.throws(() => peers.key('alice', alicePem, later), refused('unauthenticated', /expired/));
    });

    it('remembers the newest list across restarts, so a rolled-back list is still refused', function () {
      const memory = new MemoryRevocations();
      const first = new VerifiedPeers(ca(), memory);
      first.admitRound(lists[0], new Date());
      first.offerRevocations(newest());
      assert.equal(memory.saves, 2);
      assert.equal(first.offerRevocations(newest()), 'same');
      assert.equal(memory.saves, 2, 'the same list is not written again');
      const restarted = new VerifiedPeers(ca(), memory);
      assert.equal(restarted.revocations?.number, 3);
      assert.throws(() => restarted.admitRound(lists[1], new Date()), refused('permission_denied', /#2 is older than list #3/));
    });

    it('will not start from a stored list that its CA did not sign', function () {
      const memory = new MemoryRevocations();
      memory.stored = foreign.revocations();
      assert.throws(() => new VerifiedPeers(ca(), memory), refused('failed_precondition', /revocation list this node kept is not valid for its ca\.crt/));
    });
  });
});
