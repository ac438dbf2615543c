import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import fc from 'fast-check';
import { CohortError } from '../../../shared/errors.js';
import { SeededRandom } from '../../../shared/random.js';
import { agreeKey, generateX25519, open, seal, shareAad, x25519, x25519PublicKey } from '../../../shared/secagg/keys.js';
import { advertisementData, keyObjectSigner, publicKeyVerifier, survivorListData } from '../../../shared/secagg/signing.js';

const hex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));

describe('secagg key agreement and share encryption', () => {
  it('known answer: X25519 Diffie–Hellman of RFC 7748 §6.1', () => {
    const alice = hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
    const bob = hex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
    assert.equal(Buffer.from(x25519PublicKey(alice)).toString('hex'), '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
    assert.equal(Buffer.from(x25519PublicKey(bob)).toString('hex'), 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
    const shared = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';
    assert.equal(Buffer.from(x25519(alice, x25519PublicKey(bob))).toString('hex'), shared);
    assert.equal(Buffer.from(x25519(bob, x25519PublicKey(alice))).toString('hex'), shared);
  });

  it('refuses a low-order public key (all-zero shared secret)', () => {
    const me = generateX25519(new SeededRandom(1));
    assert.throws(() => x25519(me.privateKey, new Uint8Array(32)), (e: unknown) => e instanceof CohortError && e.code === 'invalid_argument');
  });

  it('both ends derive the same key; round, pair and purpose each change it', () => {
    fc.assert(
      fc.property(fc.integer(), (s) => {
        const rng = new SeededRandom(s);
        const u = generateX25519(rng);
        const v = generateX25519(rng);
        const ctx = { roundId: 'r1', a: 'alice', b: 'bob', purpose: 'mask' as const };
        const k1 = agreeKey(u.privateKey, v.publicKey, ctx);
        assert.deepEqual(agreeKey(v.privateKey, u.publicKey, { ...ctx, a: 'bob', b: 'alice' }), k1);
        const differ = (other: Uint8Array): void => assert.notDeepEqual(other, k1);
        differ(agreeKey(u.privateKey, v.publicKey, { ...ctx, roundId: 'r2' }));
        differ(agreeKey(u.privateKey, v.publicKey, { ...ctx, purpose: 'enc' }));
        differ(agreeKey(u.privateKey, v.publicKey, { ...ctx, b: 'carol' }));
      }),
      { seed: 42, numRuns: 20 },
    );
  });

  it('a box opens only with the same key and associated data (round, sender, receiver, stage)', () => {
    const rng = new SeededRandom(3);
    const key = new Uint8Array(32).fill(9);
    const msg = new Uint8Array([1, 2, 3, 4]);
    const aad = shareAad('r1', 'alice', 'bob', 2);
    const box = seal(key, msg, aad, rng);
    assert.deepEqual(open(key, box, aad), msg);
    assert.equal(open(key, box, shareAad('r2', 'alice', 'bob', 2)), undefined);
    assert.equal(open(key, box, shareAad('r1', 'alice', 'carol', 2)), undefined);
    assert.equal(open(key, box, shareAad('r1', 'bob', 'alice', 2)), undefined);
    assert.equal(open(key, box, shareAad('r1', 'alice', 'bob', 3)), undefined);
    assert.equal(open(new Uint8Array(32).fill(8), box, aad), undefined);
    const tampered = box.slice();
    tampered[13] = (tampered[13] as number) ^ 1;
    assert.equal(open(key, tampered, aad), undefined);
    assert.equal(open(key, box.subarray(0, 20), aad), undefined);
  });

  it('signatures over advertisements verify with RSA certificate keys and fail when anything changes', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const signer = keyObjectSigner(rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    const verifier = publicKeyVerifier(new Map<string, KeyObject | string>([['alice', rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString()], ['mallory', other.publicKey]]));
    const c = new Uint8Array(32).fill(1);
    const s = new Uint8Array(32).fill(2);
    const r1 = new Uint8Array(32).fill(7);
    const r2 = new Uint8Array(32).fill(8);
    const sig = signer.sign(advertisementData(r1, 'alice', c, s));
    assert.ok(verifier.verify('alice', advertisementData(r1, 'alice', c, s), sig));
    assert.ok(!verifier.verify('alice', advertisementData(r2, 'alice', c, s), sig));
    assert.ok(!verifier.verify('alice', advertisementData(r1, 'alice', s, c), sig));
    assert.ok(!verifier.verify('mallory', advertisementData(r1, 'alice', c, s), sig));
    assert.ok(!verifier.verify('nobody', advertisementData(r1, 'alice', c, s), sig));
    assert.ok(!verifier.verify('alice', advertisementData(r1, 'alice', c, s), sig.subarray(1)));
    // Field boundaries are unambiguous: ['a','bc'] and ['ab','c'] sign differently.
    assert.notDeepEqual(survivorListData(r1, r2, ['a', 'bc']), survivorListData(r1, r2, ['ab', 'c']));
  });
});
