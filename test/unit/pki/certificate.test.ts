import assert from 'node:assert/strict';
import { X509Certificate, createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import fc from 'fast-check';
import { CohortError } from '../../../shared/errors.js';
import {
  createCa,
  identityFromPeer,
  issueCertificate,
  normaliseSerial,
  signWithKey,
  verifyCertificate,
  verifySignature,
} from '../../../shared/pki/index.js';
import { randomSerial } from '../../../shared/pki/serial.js';
import { SeededRandom } from '../../../shared/random.js';
import { pkiFixture, type PkiFixture } from './fixture.js';

const DAY = 86_400_000;

function rejects(fn: () => unknown, code: string, message?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof CohortError, `expected CohortError, got ${String(err)}`);
    assert.equal(err.code, code);
    if (message) assert.match(err.message, message);
    return true;
  });
}

function hasBytes(der: Buffer, hex: string): boolean {
  return der.includes(Buffer.from(hex, 'hex'));
}

// RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING contents (the RSAPublicKey).
function keyIdentifier(certPem: string): string {
  const rsaPublicKey = new X509Certificate(certPem).publicKey.export({ type: 'pkcs1', format: 'der' });
  return createHash('sha1').update(rsaPublicKey).digest('hex');
}

describe('pki: certificates', function () {
  let fx: PkiFixture;
  before(function () {
    fx = pkiFixture();
  });

  describe('createCa', function () {
    it('makes a self-signed CA certificate that OpenSSL accepts as a CA', function () {
      const ca = new X509Certificate(fx.ca.certPem);
      assert.equal(ca.ca, true);
      assert.equal(ca.subject, 'O=Cohort federation\nCN=Cohort test CA');
      assert.equal(ca.issuer, ca.subject);
      assert.ok(ca.verify(ca.publicKey));
      assert.equal(createPublicKey(fx.ca.keyPem).asymmetricKeyDetails?.modulusLength, 3072);
      assert.equal(ca.publicKey.asymmetricKeyDetails?.modulusLength, 3072);
    });

    it('encodes basicConstraints CA:true pathlen 0 critical, keyUsage keyCertSign+cRLSign critical, and the SKI', function () {
      const der = new X509Certificate(fx.ca.certPem).raw;
      // extnID 2.5.29.19, critical TRUE, OCTET STRING { SEQUENCE { BOOLEAN TRUE, INTEGER 0 } }
      assert.ok(hasBytes(der, '0603551d130101ff040830060101ff020100'));
      // extnID 2.5.29.15, critical TRUE, OCTET STRING { BIT STRING 0x06 with 1 unused bit }
      assert.ok(hasBytes(der, '0603551d0f0101ff040403020106'));
      // extnID 2.5.29.14, OCTET STRING { OCTET STRING keyIdentifier }
      assert.ok(hasBytes(der, `0603551d0e04160414${keyIdentifier(fx.ca.certPem)}`));
      // sha256WithRSAEncryption
      assert.ok(hasBytes(der, '06092a864886f70d01010b'));
    });

    it('sets the validity window from the injected time, truncated to whole seconds', function () {
      const start = Math.floor(fx.now.getTime() / 1000) * 1000 - 1000 * DAY;
      assert.equal(fx.ca.notBefore.getTime(), start);
      assert.equal(fx.ca.notAfter.getTime(), start + 3000 * DAY);
      const x = new X509Certificate(fx.ca.certPem);
      assert.equal(Date.parse(x.validFrom), fx.ca.notBefore.getTime());
      assert.equal(Date.parse(x.validTo), fx.ca.notAfter.getTime());
      const leaf = new X509Certificate(fx.node.certPem);
      assert.equal(fx.node.notBefore.getTime(), fx.now.getTime() - 999);
      assert.equal(fx.node.notAfter.getTime(), fx.node.notBefore.getTime() + 30 * DAY);
      assert.equal(Date.parse(leaf.validFrom), fx.node.notBefore.getTime());
      assert.equal(Date.parse(leaf.validTo), fx.node.notAfter.getTime());
    });

    it('refuses bad names and validity periods', function () {
      const now = new Date();
      rejects(() => createCa({ commonName: '', now, validityDays: 1 }), 'invalid_argument');
      rejects(() => createCa({ commonName: 'a\nb', now, validityDays: 1 }), 'invalid_argument');
      rejects(() => createCa({ commonName: 'ok', now, validityDays: 0 }), 'invalid_argument');
      rejects(() => createCa({ commonName: 'ok', now, validityDays: 1.5 }), 'invalid_argument');
      rejects(() => createCa({ commonName: 'ok', now: new Date(NaN), validityDays: 1 }), 'invalid_argument');
    });
  });

  describe('issueCertificate', function () {
    it('issues certificates that verify against the CA with node:crypto', function () {
      const ca = new X509Certificate(fx.ca.certPem);
      for (const c of [fx.coordinator, fx.node, fx.operator, fx.auditor, fx.expired, fx.notYetValid]) {
        const x = new X509Certificate(c.certPem);
        assert.ok(x.checkIssued(ca));
        assert.ok(x.verify(ca.publicKey));
        assert.equal(x.ca, false);
      }
    });

    it('pairs each certificate with its own 2048-bit private key', function () {
      for (const c of [fx.coordinator, fx.node, fx.operator, fx.auditor]) {
        const x = new X509Certificate(c.certPem);
        assert.ok(x.checkPrivateKey(createPrivateKey(c.keyPem)));
        const key = createPublicKey(c.keyPem);
        assert.equal(key.asymmetricKeyDetails?.modulusLength, 2048);
      }
    });

    it('puts the name and role in the subject and records the serial', function () {
      const x = new X509Certificate(fx.node.certPem);
      assert.equal(x.subject, 'O=Cohort federation\nOU=node\nCN=hospital-a');
      assert.equal(x.issuer, 'O=Cohort federation\nCN=Cohort test CA');
      assert.equal(x.serialNumber.toLowerCase(), fx.node.serial);
      assert.equal(new X509Certificate(fx.operator.certPem).subject, 'O=Cohort federation\nOU=operator\nCN=ops.team_1');
    });

    it('gives clients clientAuth and the coordinator serverAuth with its subjectAltNames', function () {
      const node = new X509Certificate(fx.node.certPem);
      assert.deepEqual(node.keyUsage, ['1.3.6.1.5.5.7.3.2']);
      assert.equal(node.subjectAltName, undefined);
      const coordinator = new X509Certificate(fx.coordinator.certPem);
      assert.deepEqual([...(coordinator.keyUsage ?? [])].sort(), ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
      assert.equal(coordinator.subjectAltName, 'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
      assert.equal(coordinator.checkHost('localhost'), 'localhost');
      assert.equal(coordinator.checkIP('127.0.0.1'), '127.0.0.1');
      assert.equal(coordinator.checkHost('127.0.0.1'), undefined, 'an IP must not be encoded as a DNS name');
    });

    it('links each certificate to the CA key (AKI) and marks it as a leaf with digitalSignature only', function () {
      const der = new X509Certificate(fx.node.certPem).raw;
      // extnID 2.5.29.35, OCTET STRING { SEQUENCE { [0] keyIdentifier of the CA } }
      assert.ok(hasBytes(der, `0603551d23041830168014${keyIdentifier(fx.ca.certPem)}`));
      assert.ok(hasBytes(der, `0603551d0e04160414${keyIdentifier(fx.node.certPem)}`));
      // basicConstraints critical, empty SEQUENCE (CA:FALSE is the DER default)
      assert.ok(hasBytes(der, '0603551d130101ff04023000'));
      // keyUsage critical, digitalSignature (bit 0)
      assert.ok(hasBytes(der, '0603551d0f0101ff04040302078'));
    });

    it('draws fresh positive 128-bit serials', function () {
      const serials = [fx.coordinator, fx.node, fx.operator, fx.auditor, fx.expired, fx.notYetValid].map((c) => c.serial);
      assert.equal(new Set(serials).size, serials.length);
      for (const s of serials) assert.match(s, /^[4-7][0-9a-f]{31}$/);
    });

    it('refuses names that are not safe file names and roles that do not exist', function () {
      const now = fx.now;
      rejects(() => issueCertificate(fx.ca, { name: '../etc/passwd', role: 'node', now, validityDays: 1 }), 'usage');
      rejects(() => issueCertificate(fx.ca, { name: 'ca', role: 'node', now, validityDays: 1 }), 'usage', /reserved/);
      rejects(() => issueCertificate(fx.ca, { name: 'coordinator', role: 'node', now, validityDays: 1 }), 'usage');
      rejects(() => issueCertificate(fx.ca, { name: 'evil', role: 'coordinator', now, validityDays: 1, sans: ['x'] }), 'usage');
      rejects(() => issueCertificate(fx.ca, { name: 'x', role: 'admin' as 'node', now, validityDays: 1 }), 'usage');
    });

    it('needs a subjectAltName for the coordinator and checks each entry', function () {
      const now = fx.now;
      rejects(() => issueCertificate(fx.ca, { name: 'coordinator', role: 'coordinator', now, validityDays: 1 }), 'invalid_argument', /subjectAltName/);
      for (const bad of ['', 'a b', 'host/x', '-x.example', '999.1.1.1.1', '10.0.0.300', 'a..b']) {
        rejects(
          () => issueCertificate(fx.ca, { name: 'coordinator', role: 'coordinator', now, validityDays: 1, sans: [bad] }),
          'invalid_argument',
          /subjectAltName/,
        );
      }
    });

    it('never outlives the CA and refuses to issue from an expired CA', function () {
      const caEnd = fx.ca.notAfter.getTime();
      const late = issueCertificate(fx.ca, { name: 'late', role: 'node', now: new Date(caEnd - 2 * DAY), validityDays: 30 });
      assert.equal(late.notAfter.getTime(), caEnd);
      rejects(
        () => issueCertificate(fx.ca, { name: 'later', role: 'node', now: new Date(caEnd + 1000), validityDays: 30 }),
        'failed_precondition',
        /expired/,
      );
    });

    it('refuses a CA key that does not belong to the CA certificate', function () {
      const mixed = { certPem: fx.ca.certPem, keyPem: fx.foreignCa.keyPem };
      rejects(() => issueCertificate(mixed, { name: 'x', role: 'node', now: fx.now, validityDays: 1 }), 'failed_precondition', /does not match/);
      const leafAsCa = { certPem: fx.node.certPem, keyPem: fx.node.keyPem };
      rejects(() => issueCertificate(leafAsCa, { name: 'x', role: 'node', now: fx.now, validityDays: 1 }), 'invalid_argument', /not a CA/);
    });
  });

  describe('verifyCertificate', function () {
    it('returns the holder, role, serial and public key of a valid certificate', function () {
      const v = verifyCertificate(fx.node.certPem, fx.ca.certPem, fx.now);
      assert.equal(v.name, 'hospital-a');
      assert.equal(v.role, 'node');
      assert.equal(v.serial, fx.node.serial);
      assert.ok(createPublicKey(v.publicKeyPem).equals(createPublicKey(fx.node.keyPem)));
      assert.equal(verifyCertificate(fx.coordinator.certPem, fx.ca.certPem, fx.now).role, 'coordinator');
    });

    it('accepts exactly the validity window, to the second', function () {
      const c = fx.node;
      const at = (t: number): Date => new Date(t);
      assert.equal(verifyCertificate(c.certPem, fx.ca.certPem, at(c.notBefore.getTime())).name, 'hospital-a');
      assert.equal(verifyCertificate(c.certPem, fx.ca.certPem, at(c.notAfter.getTime())).name, 'hospital-a');
      rejects(() => verifyCertificate(c.certPem, fx.ca.certPem, at(c.notBefore.getTime() - 1)), 'unauthenticated', /not yet valid/);
      rejects(() => verifyCertificate(c.certPem, fx.ca.certPem, at(c.notAfter.getTime() + 1)), 'unauthenticated', /expired/);
    });

    it('refuses expired and not-yet-valid certificates made with an injected clock', function () {
      rejects(() => verifyCertificate(fx.expired.certPem, fx.ca.certPem, fx.now), 'unauthenticated', /^certificate has expired$/);
      rejects(() => verifyCertificate(fx.notYetValid.certPem, fx.ca.certPem, fx.now), 'unauthenticated', /^certificate is not yet valid$/);
      assert.equal(verifyCertificate(fx.notYetValid.certPem, fx.ca.certPem, new Date(fx.now.getTime() + 2 * DAY)).role, 'node');
    });

    it('refuses certificates of a foreign CA, even one with the same subject', function () {
      assert.equal(new X509Certificate(fx.foreignCa.certPem).subject, new X509Certificate(fx.ca.certPem).subject);
      rejects(() => verifyCertificate(fx.foreignNode.certPem, fx.ca.certPem, fx.now), 'unauthenticated', /not issued by the federation CA/);
    });

    it('refuses the CA certificate itself, garbage, and an expired CA', function () {
      rejects(() => verifyCertificate(fx.ca.certPem, fx.ca.certPem, fx.now), 'unauthenticated', /CA certificate cannot identify/);
      rejects(() => verifyCertificate('not a certificate', fx.ca.certPem, fx.now), 'unauthenticated', /could not be read/);
      rejects(() => verifyCertificate(fx.node.certPem, fx.node.certPem, fx.now), 'invalid_argument', /not a CA/);
      const afterCa = new Date(fx.ca.notAfter.getTime() + 1000);
      rejects(() => verifyCertificate(fx.node.certPem, fx.ca.certPem, afterCa), 'unauthenticated', /federation CA certificate has expired/);
    });
  });

  describe('identityFromPeer', function () {
    it('round-trips name and role of every role through Node’s peer-certificate object', function () {
      const cases: Array<[string, string, string]> = [
        [fx.coordinator.certPem, 'coordinator', 'coordinator'],
        [fx.node.certPem, 'hospital-a', 'node'],
        [fx.operator.certPem, 'ops.team_1', 'operator'],
        [fx.auditor.certPem, 'auditor-1', 'auditor'],
      ];
      for (const [pem, name, role] of cases) {
        const peer = new X509Certificate(pem).toLegacyObject();
        assert.match(peer.serialNumber, /^[0-9A-F]+$/, 'Node prints serials in upper case');
        const id = identityFromPeer(peer);
        assert.deepEqual(id, { name, role, serial: peer.serialNumber.toLowerCase() });
      }
    });

    it('normalises the serial: case and leading zeros', function () {
      const subject = { CN: 'a', OU: 'node' };
      assert.equal(identityFromPeer({ subject, serialNumber: '00AbCd' }).serial, 'abcd');
      assert.equal(identityFromPeer({ subject, serialNumber: '0' }).serial, '0');
    });

    it('refuses missing, repeated or malformed fields', function () {
      const ok = { subject: { CN: 'a', OU: 'node' }, serialNumber: '01' };
      const bad: unknown[] = [
        undefined,
        null,
        {},
        { ...ok, subject: undefined },
        { ...ok, subject: { OU: 'node' } },
        { ...ok, subject: { CN: ['a', 'b'], OU: 'node' } },
        { ...ok, subject: { CN: 'a', OU: ['node', 'coordinator'] } },
        { ...ok, subject: { CN: 'a', OU: 'admin' } },
        { ...ok, subject: { CN: 'a' } },
        { ...ok, subject: { CN: '../a', OU: 'node' } },
        { ...ok, subject: { CN: 'A', OU: 'node' } },
        { ...ok, serialNumber: undefined },
        { ...ok, serialNumber: 'xyz' },
        { ...ok, serialNumber: '' },
      ];
      for (const peer of bad) {
        rejects(() => identityFromPeer(peer as Parameters<typeof identityFromPeer>[0]), 'unauthenticated');
      }
    });
  });

  describe('serials', function () {
    it('are 32 hex digits, positive, with the top two bits 01', function () {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (seed) => {
          const s = randomSerial(new SeededRandom(seed));
          assert.match(s, /^[4-7][0-9a-f]{31}$/);
          assert.equal(normaliseSerial(s), s);
        }),
        { seed: 42, numRuns: 200 },
      );
    });

    it('compare equal regardless of case and zero padding', function () {
      fc.assert(
        fc.property(fc.stringMatching(/^[0-9a-f]{1,40}$/), fc.nat({ max: 6 }), (hex, pad) => {
          const canonical = normaliseSerial(hex);
          assert.notEqual(canonical, undefined);
          assert.equal(normaliseSerial('0'.repeat(pad) + hex.toUpperCase()), canonical);
          assert.equal(BigInt(`0x${canonical}`), BigInt(`0x${hex}`));
        }),
        { seed: 42, numRuns: 300 },
      );
      assert.equal(normaliseSerial('12:34'), undefined);
      assert.equal(normaliseSerial('-1'), undefined);
    });
  });

  describe('signWithKey / verifySignature', function () {
    it('verifies a signature with the signer’s certificate and no other', function () {
      const data = Buffer.from('secagg keys for round 7');
      const sig = signWithKey(fx.node.keyPem, data);
      assert.equal(sig.length, 256);
      assert.equal(verifySignature(fx.node.certPem, data, sig), true);
      assert.equal(verifySignature(fx.operator.certPem, data, sig), false);
      assert.equal(verifySignature(fx.node.certPem, Buffer.from('secagg keys for round 8'), sig), false);
      assert.equal(verifySignature(fx.node.certPem, data, sig.subarray(1)), false);
      assert.equal(verifySignature(fx.node.certPem, data, new Uint8Array(0)), false);
    });

    it('rejects any single flipped bit of data or signature (property)', function () {
      const key = fx.auditor.keyPem;
      const cert = fx.auditor.certPem;
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.nat(), fc.boolean(), (data, pos, inSignature) => {
          const sig = signWithKey(key, data);
          assert.equal(verifySignature(cert, data, sig), true);
          const target = inSignature ? Buffer.from(sig) : Buffer.from(data);
          const bit = pos % (target.length * 8);
          target[bit >> 3] = (target[bit >> 3] as number) ^ (1 << (bit & 7));
          assert.equal(inSignature ? verifySignature(cert, data, target) : verifySignature(cert, target, sig), false);
        }),
        { seed: 42, numRuns: 25 },
      );
    });

    it('reports unreadable keys and certificates', function () {
      rejects(() => signWithKey('nope', Buffer.alloc(1)), 'invalid_argument');
      rejects(() => verifySignature('nope', Buffer.alloc(1), Buffer.alloc(256)), 'unauthenticated');
    });
  });
});
