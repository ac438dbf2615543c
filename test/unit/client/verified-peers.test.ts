import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VerifiedPeers } from '../../../client/core/secure.js';
import { CohortError } from '../../../shared/errors.js';
import { TestPki } from '../../helpers/federation.js';

describe('VerifiedPeers (secure aggregation peer certificates)', function () {
  let pki: TestPki;
  let foreign: TestPki;
  const pem = (p: TestPki, name: string): string => readFileSync(join(p.dir, `${name}.crt`), 'utf8');

  before(function () {
    pki = new TestPki();
    foreign = new TestPki();
    pki.issue('alice', 'node');
    pki.issue('ops', 'operator');
    foreign.issue('alice', 'node');
  });

  after(function () {
    pki.remove();
    foreign.remove();
  });

  const refused = (err: unknown): boolean => err instanceof CohortError && err.code === 'unauthenticated';

  it('accepts a node certificate from the CA for its own name, and keeps accepting it from the cache', function () {
    const peers = new VerifiedPeers(readFileSync(join(pki.dir, 'ca.crt'), 'utf8'));
    const now = new Date();
    const key = peers.key('alice', pem(pki, 'alice'), now);
    assert.equal(key.asymmetricKeyType, 'rsa');
    assert.equal(peers.key('alice', pem(pki, 'alice'), now), key);
  });

  it('refuses a certificate presented for another name, another role, or from a foreign CA', function () {
    const peers = new VerifiedPeers(readFileSync(join(pki.dir, 'ca.crt'), 'utf8'));
    const now = new Date();
    assert.throws(() => peers.key('bob', pem(pki, 'alice'), now), refused);
    assert.throws(() => peers.key('ops', pem(pki, 'ops'), now), refused);
    assert.throws(() => peers.key('alice', pem(foreign, 'alice'), now), refused);
  });

  it('re-checks validity on every use, even for a cached certificate', function () {
    const peers = new VerifiedPeers(readFileSync(join(pki.dir, 'ca.crt'), 'utf8'));
    peers.key('alice', pem(pki, 'alice'), new Date());
    assert.throws(() => peers.key('alice', pem(pki, 'alice'), new Date(Date.now() + 400 * 86_400_000)), refused);
  });
});
