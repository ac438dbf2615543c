/**
 * A node whose data dir cannot take a newer revocation list: it declines secure rounds,
 * saying why, until the list is stored (a restart would otherwise forget it and take an
 * older list again), and still refuses the older list meanwhile.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type RevocationMemory, VerifiedPeers } from '../../../client/core/secure.js';
import { CohortError } from '../../../shared/errors.js';
import type { SignedRevocations } from '../../../shared/pki/revocations.js';
import { TestPki } from '../../helpers/federation.js';

/** revocations.json in a data dir that refuses writes until `writable` is set. */
class FailingRevocations implements RevocationMemory {
  stored: SignedRevocations | undefined;
  writable = false;
  attempts = 0;
  load(): SignedRevocations | undefined {
    return this.stored;
  }
  save(signed: SignedRevocations): void {
    this.attempts += 1;
    if (!this.writable) throw new Error("EACCES: permission denied, open '/var/lib/cohort/revocations.json.tmp'");
    this.stored = signed;
  }
}

describe('VerifiedPeers: a revocation list that cannot be stored', function () {
  let pki: TestPki;
  const lists: SignedRevocations[] = [];

  before(function () {
    pki = new TestPki();
    pki.issue('alice', 'node');
    pki.issue('carol', 'node');
    lists.push(pki.revocations()); // #1
    pki.revoke('carol');
    lists.push(pki.revocations()); // #2: carol revoked
  });
  after(() => pki.remove());

  const ca = (): string => readFileSync(join(pki.dir, 'ca.crt'), 'utf8');
  const refused = (code: string, message: RegExp) => (err: unknown): boolean => {
    assert.ok(err instanceof CohortError, String(err));
    assert.equal(err.code, code);
    assert.match(err.message, message);
    return true;
  };

  it('declines every secure round until the newer list is stored, refusing the older list meanwhile; then takes part', function () {
    const memory = new FailingRevocations();
    memory.writable = true;
    const peers = new VerifiedPeers(ca(), memory);
    peers.admitRound(lists[0] as SignedRevocations, new Date());
    memory.writable = false;
    const cannot = refused('failed_precondition', /^revocation list #2 could not be kept in the data dir \(EACCES: permission denied.*\); secure rounds are declined until it can be$/);
    assert.throws(() => peers.admitRound(lists[1] as SignedRevocations, new Date()), cannot);
    // The next round brings the same list: the save is tried again, and fails again.
    assert.throws(() => peers.admitRound(lists[1] as SignedRevocations, new Date()), cannot);
    assert.equal(memory.attempts, 3);
    assert.throws(() => peers.admitRound(lists[0] as SignedRevocations, new Date()), refused('permission_denied', /older/));
    memory.writable = true;
    peers.admitRound(lists[1] as SignedRevocations, new Date());
    assert.equal(memory.attempts, 4);
    assert.deepEqual(memory.stored, lists[1]);
    // Stored: the same list is not written again.
    peers.admitRound(lists[1] as SignedRevocations, new Date());
    assert.equal(memory.attempts, 4);
  });
});
