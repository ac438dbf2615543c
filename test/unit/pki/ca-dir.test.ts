import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ErrorCode } from '../../../shared/errors.js';
import {
  copyHolderFiles,
  decodeRevocationFile,
  encodeRevocationFile,
  findCaPrivateKey,
  initCa,
  issue,
  listCertificates,
  loadRevocations,
  loadTlsMaterial,
  refreshRevocations,
  revoke,
  verifyCertificate,
  type InitCaResult,
} from '../../../shared/pki/index.js';
import { coded } from '../../helpers/errors.js';

const NOW = new Date('2030-03-01T12:00:00.000Z');
const LATER = new Date('2030-03-02T12:00:00.000Z');
const DAY = 86_400_000;

function mode(path: string): number {
  return statSync(path).mode & 0o777;
}

function rejects(fn: () => unknown, code: ErrorCode, message: RegExp): void {
  assert.throws(fn, coded(code, message));
}

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}

describe('pki: certs directory', function () {
  let root: string;
  let dir: string;
  let init: InitCaResult;

  before(function () {
    root = mkdtempSync(join(tmpdir(), 'cohort-pki-'));
    dir = join(root, 'certs');
    init = initCa(dir, { sans: ['localhost', '127.0.0.1'], now: NOW });
  });

  after(function () {
    rmSync(root, { recursive: true, force: true });
  });

  describe('initCa', function () {
    it('writes the CA, the coordinator certificate, the index, an empty record and signed list #1', function () {
      assert.deepEqual(readdirSync(dir).sort(), [
        'ca.crt',
        'ca.key',
        'coordinator.crt',
        'coordinator.key',
        'index.json',
        'revocations.json',
        'revoked.json',
      ]);
      assert.equal(init.caCertPath, join(dir, 'ca.crt'));
      assert.equal(init.coordinator.certPath, join(dir, 'coordinator.crt'));
      assert.deepEqual(init.warnings, []);
      assert.deepEqual(readJson(join(dir, 'revoked.json')), { version: 1, revoked: [] });
      const list = loadRevocations(dir);
      assert.deepEqual([list.number, list.issuedAt, list.nextUpdate, list.revoked], [1, NOW, new Date(NOW.getTime() + 30 * DAY), []]);
      assert.deepEqual(init.revocations, { path: join(dir, 'revocations.json'), number: 1, nextUpdate: list.nextUpdate, entries: 0 });
      const index = readJson(join(dir, 'index.json')) as { certificates: Array<Record<string, string>> };
      assert.equal(index.certificates.length, 1);
      assert.deepEqual(index.certificates[0], {
        name: 'coordinator',
        role: 'coordinator',
        serial: init.coordinator.serial,
        notBefore: init.coordinator.notBefore.toISOString(),
        notAfter: init.coordinator.notAfter.toISOString(),
        issuedAt: NOW.toISOString(),
      });
    });

    it('creates the directory 0700 and the private keys 0600', function () {
      assert.equal(mode(dir), 0o700);
      assert.equal(mode(join(dir, 'ca.key')), 0o600);
      assert.equal(mode(join(dir, 'coordinator.key')), 0o600);
      assert.equal(mode(join(dir, 'ca.crt')), 0o644);
    });

    it('makes a coordinator certificate for the requested names, valid slightly before now for clock skew', function () {
      const ca = readFileSync(join(dir, 'ca.crt'), 'utf8');
      const cert = readFileSync(join(dir, 'coordinator.crt'), 'utf8');
      const v = verifyCertificate(cert, ca, NOW);
      assert.deepEqual([v.name, v.role], ['coordinator', 'coordinator']);
      assert.equal(new X509Certificate(cert).subjectAltName, 'DNS:localhost, IP Address:127.0.0.1');
      assert.equal(init.coordinator.notBefore.toISOString(), '2030-03-01T11:55:00.000Z');
      assert.equal(init.coordinator.notAfter.toISOString(), '2031-03-01T12:00:00.000Z');
      assert.equal(init.caNotAfter.toISOString(), '2040-02-27T12:00:00.000Z');
    });

    it('refuses to overwrite an existing CA and names the file', function () {
      const before = readFileSync(join(dir, 'ca.key'));
      rejects(() => initCa(dir, { sans: ['localhost'], now: LATER }), 'already_exists', /certs\/ca\.key already exists/);
      assert.deepEqual(readFileSync(join(dir, 'ca.key')), before);
    });

    it('refuses a directory holding any file of a CA, and writes nothing into it', function () {
      const partial = join(root, 'partial');
      mkdirSync(partial);
      writeFileSync(join(partial, 'index.json'), '{}');
      rejects(() => initCa(partial, { sans: ['localhost'], now: NOW }), 'already_exists', /partial\/index\.json already exists/);
      assert.deepEqual(readdirSync(partial), ['index.json']);
    });

    it('writes nothing when the input is bad', function () {
      const bad = join(root, 'bad-san');
      rejects(() => initCa(bad, { sans: ['not a host'], now: NOW }), 'invalid_argument', /subjectAltName/);
      assert.equal(existsSync(bad), false);
    });
  });

  describe('issue', function () {
    it('writes NAME.crt and NAME.key (0600) and records the certificate', function () {
      const r = issue(dir, 'hospital-a', 'node', { now: NOW });
      assert.equal(r.certPath, join(dir, 'hospital-a.crt'));
      assert.equal(r.keyPath, join(dir, 'hospital-a.key'));
      assert.equal(mode(r.keyPath), 0o600);
      assert.equal(mode(r.certPath), 0o644);
      const v = verifyCertificate(readFileSync(r.certPath, 'utf8'), readFileSync(join(dir, 'ca.crt'), 'utf8'), NOW);
      assert.deepEqual([v.name, v.role, v.serial], ['hospital-a', 'node', r.serial]);
      const listed = listCertificates(dir).filter((c) => c.name === 'hospital-a');
      assert.deepEqual(
        listed.map((c) => [c.serial, c.role, c.revoked, c.current]),
        [[r.serial, 'node', false, true]],
      );
      assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('.') || f.endsWith('.tmp')), [], 'no temporary or lock files left behind');
    });

    it('rotates: re-issuing replaces the files and adds a new serial to the index', function () {
      const first = issue(dir, 'rotating', 'operator', { now: NOW });
      assert.deepEqual(first.replacedSerials, []);
      assert.equal(first.revocations, undefined, 'a new name changes no list');
      const firstKey = readFileSync(first.keyPath, 'utf8');
      const second = issue(dir, 'rotating', 'operator', { now: LATER, validityDays: 7 });
      assert.notEqual(second.serial, first.serial);
      assert.notEqual(readFileSync(second.keyPath, 'utf8'), firstKey);
      assert.equal(new X509Certificate(readFileSync(second.certPath)).serialNumber.toLowerCase(), second.serial);
      assert.equal(second.notAfter.toISOString(), '2030-03-09T12:00:00.000Z');
      const listed = listCertificates(dir).filter((c) => c.name === 'rotating');
      assert.deepEqual(
        listed.map((c) => [c.serial, c.current]),
        [
          [first.serial, false],
          [second.serial, true],
        ],
      );
      const tls = loadTlsMaterial(dir, 'rotating');
      assert.equal(new X509Certificate(tls.cert).serialNumber.toLowerCase(), second.serial);
    });

    it('re-issuing revokes the certificate it replaces in a newly signed list', function () {
      const before = loadRevocations(dir);
      const first = issue(dir, 'hospital-rot', 'node', { now: NOW });
      const second = issue(dir, 'hospital-rot', 'node', { now: LATER });
      assert.deepEqual(second.replacedSerials, [first.serial]);
      const list = loadRevocations(dir);
      assert.equal(second.revocations?.number, list.number);
      assert.equal(list.number, before.number + 1);
      assert.deepEqual(list.entry(first.serial), { serial: first.serial, name: 'hospital-rot', reason: 'replaced', revokedAt: LATER.toISOString() });
      assert.equal(list.isRevoked(second.serial), false);
      assert.equal(listCertificates(dir).find((c) => c.serial === first.serial)?.current, false);
    });

    it('refuses unsafe names before touching the disk', function () {
      for (const name of ['../escape', 'a/b', 'ca', 'index', 'revoked', '']) {
        rejects(() => issue(dir, name, 'node', { now: NOW }), 'usage', /invalid name/);
      }
      assert.equal(existsSync(join(root, 'escape.crt')), false);
      assert.equal(existsSync(join(root, 'escape.key')), false);
      rejects(() => issue(dir, 'coordinator', 'node', { now: NOW }), 'usage', /coordinator/);
    });

    it('renews the coordinator certificate with its subjectAltNames', function () {
      const r = issue(dir, 'coordinator', 'coordinator', { now: LATER, sans: ['coord.example.org', '10.0.0.5'] });
      const x = new X509Certificate(readFileSync(r.certPath));
      assert.equal(x.subjectAltName, 'DNS:coord.example.org, IP Address:10.0.0.5');
      assert.equal(x.serialNumber.toLowerCase(), r.serial);
    });

    it('refuses to run while another command holds the directory lock', function () {
      const lock = join(dir, '.lock');
      writeFileSync(lock, '');
      try {
        rejects(() => issue(dir, 'hospital-l', 'node', { now: NOW }), 'aborted', /another "cohort ca" command is updating .*\.lock exists/);
        rejects(() => revoke(dir, 'hospital-a', { now: NOW }), 'aborted', /\.lock exists/);
      } finally {
        rmSync(lock);
      }
      assert.equal(listCertificates(dir).some((c) => c.name === 'hospital-l' || (c.name === 'hospital-a' && c.revoked)), false);
    });

    it('explains a missing CA: which file, and how to create it', function () {
      const empty = join(root, 'empty');
      mkdirSync(empty);
      rejects(() => issue(empty, 'hospital-a', 'node', { now: NOW }), 'failed_precondition', /empty\/ca\.crt not found: run "cohort ca init" first/);
      assert.deepEqual(readdirSync(empty), []);
    });

    it('explains an unreadable CA key', function () {
      const broken = join(root, 'broken');
      mkdirSync(broken);
      copyFileSync(join(dir, 'ca.crt'), join(broken, 'ca.crt'));
      mkdirSync(join(broken, 'ca.key'));
      rejects(() => issue(broken, 'hospital-a', 'node', { now: NOW }), 'failed_precondition', /broken\/ca\.key could not be read/);
    });
  });

  describe('revoke', function () {
    it('revokes every serial ever issued to a name, but not a certificate issued afterwards', function () {
      const a = issue(dir, 'hospital-r', 'node', { now: NOW });
      const b = issue(dir, 'hospital-r', 'node', { now: NOW });
      const numberBefore = loadRevocations(dir).number;
      const r = revoke(dir, 'hospital-r', { now: LATER });
      assert.deepEqual(r.revokedSerials, [a.serial, b.serial]);
      assert.equal(r.alreadyRevoked, 0);
      assert.equal(r.revocations?.number, numberBefore + 1, 'revoking signs the next list');
      const doc = readJson(join(dir, 'revoked.json')) as { revoked: unknown[] };
      assert.deepEqual(doc.revoked, [
        { name: 'hospital-r', serial: a.serial, revokedAt: LATER.toISOString() },
        { name: 'hospital-r', serial: b.serial, revokedAt: LATER.toISOString() },
      ]);
      let list = loadRevocations(dir);
      assert.equal(list.isRevoked(a.serial), true);
      assert.equal(list.isRevoked(b.serial.toUpperCase()), true, 'Node prints serials in upper case');
      assert.equal(list.isRevoked(`00${b.serial}`), true);
      assert.equal(list.entry(a.serial)?.reason, 'revoked', 'an explicit revocation outranks the replacement');

      const c = issue(dir, 'hospital-r', 'node', { now: LATER });
      list = loadRevocations(dir);
      assert.equal(list.isRevoked(c.serial), false, 'the name is usable again with its new certificate');
      assert.equal(list.isRevoked(a.serial), true);

      const again = revoke(dir, 'hospital-r', { now: LATER });
      assert.deepEqual([again.revokedSerials, again.alreadyRevoked], [[c.serial], 2]);
      assert.equal(loadRevocations(dir).isRevoked(c.serial), true);
      const nothing = revoke(dir, 'hospital-r', { now: LATER });
      assert.deepEqual([nothing.revokedSerials, nothing.revocations], [[], undefined]);
    });

    it('leaves other holders alone and treats unreadable serials as revoked', function () {
      const other = issue(dir, 'hospital-ok', 'node', { now: NOW });
      revoke(dir, 'rotating', { now: LATER });
      const list = loadRevocations(dir);
      assert.equal(list.isRevoked(other.serial), false);
      assert.equal(list.isRevoked('not-hex'), true);
      assert.deepEqual(
        list.revoked.filter((r) => r.name === 'rotating').map((r) => r.reason),
        ['revoked', 'revoked'],
      );
      assert.deepEqual(
        listCertificates(dir)
          .filter((c) => c.name === 'rotating')
          .map((c) => c.revoked),
        [true, true],
      );
    });

    it('reports an unknown name as not found and a bad name as usage', function () {
      rejects(() => revoke(dir, 'nobody', { now: LATER }), 'not_found', /no certificate has been issued to "nobody"/);
      rejects(() => revoke(dir, '../x', { now: LATER }), 'usage', /invalid name/);
      rejects(() => revoke(dir, 'coordinator', { now: LATER }), 'usage', /reserved/);
    });
  });

  describe('the signed revocation list', function () {
    it('crl signs the next number with the same entries, for as long as the last list unless told', function () {
      const before = loadRevocations(dir);
      const r = refreshRevocations(dir, { now: LATER });
      const after = loadRevocations(dir);
      assert.deepEqual([r.number, after.number], [before.number + 1, before.number + 1]);
      assert.deepEqual(after.revoked, before.revoked);
      assert.equal(after.nextUpdate.getTime() - after.issuedAt.getTime(), before.nextUpdate.getTime() - before.issuedAt.getTime());
      const short = refreshRevocations(dir, { now: LATER, days: 2 });
      assert.deepEqual(short.nextUpdate, new Date(LATER.getTime() + 2 * DAY));
      rejects(() => refreshRevocations(dir, { now: LATER, days: 0 }), 'invalid_argument', /whole number of days/);
    });

    it('leaves out certificates that have expired', function () {
      const short = issue(dir, 'short-lived', 'node', { now: NOW, validityDays: 1 });
      revoke(dir, 'short-lived', { now: NOW });
      assert.equal(loadRevocations(dir).isRevoked(short.serial), true);
      refreshRevocations(dir, { now: new Date(NOW.getTime() + 3 * DAY) });
      assert.equal(loadRevocations(dir).entry(short.serial), undefined);
      assert.equal(listCertificates(dir).find((c) => c.serial === short.serial)?.revoked, true, 'the CA keeps its record');
    });

    it('refuses a list that was edited, or signed by another CA', function () {
      const other = join(root, 'other-ca');
      initCa(other, { sans: ['localhost'], now: NOW });
      const forged = join(root, 'forged');
      mkdirSync(forged);
      copyFileSync(join(dir, 'ca.crt'), join(forged, 'ca.crt'));
      copyFileSync(join(other, 'revocations.json'), join(forged, 'revocations.json'));
      rejects(() => loadRevocations(forged), 'failed_precondition', /forged\/revocations\.json: the revocation list is not signed by the federation CA/);
      const signed = decodeRevocationFile(readFileSync(join(dir, 'revocations.json'), 'utf8'), 'x');
      const text = JSON.stringify({ ...(JSON.parse(Buffer.from(signed.list).toString('utf8')) as object), revoked: [] });
      writeFileSync(join(forged, 'revocations.json'), encodeRevocationFile({ list: Buffer.from(text), signature: signed.signature }));
      rejects(() => loadRevocations(forged), 'failed_precondition', /not signed by the federation CA/);
      rmSync(join(forged, 'revocations.json'));
      rejects(() => loadRevocations(forged), 'failed_precondition', /revocations\.json not found: copy revocations\.json from the CA directory/);
    });

    it('signs a first list for a CA directory made before lists were signed, with the replaced certificates on it', function () {
      const old = join(root, 'old-ca');
      initCa(old, { sans: ['localhost'], now: NOW });
      const a = issue(old, 'site', 'node', { now: NOW });
      const b = issue(old, 'site', 'node', { now: NOW });
      rmSync(join(old, 'revocations.json'));
      const r = refreshRevocations(old, { now: LATER });
      assert.equal(r.number, 1);
      const list = loadRevocations(old);
      assert.equal(list.entry(a.serial)?.reason, 'replaced');
      assert.equal(list.isRevoked(b.serial), false);
    });
  });

  describe('coordinator certs dir', function () {
    it('copyHolderFiles gives the coordinator ca.crt, its pair and the list, never the CA key', function () {
      const to = join(root, 'coordinator-host');
      mkdirSync(to);
      copyHolderFiles(dir, 'coordinator', to);
      assert.deepEqual(readdirSync(to).sort(), ['ca.crt', 'coordinator.crt', 'coordinator.key', 'revocations.json']);
      assert.equal(mode(join(to, 'coordinator.key')), 0o600);
      assert.equal(findCaPrivateKey(to), undefined);
      assert.equal(loadRevocations(to).number, loadRevocations(dir).number);
    });

    it('finds the CA key in a certs dir, also under another name', function () {
      assert.deepEqual(findCaPrivateKey(dir), { path: join(dir, 'ca.key'), readable: true });
      const renamed = join(root, 'renamed');
      mkdirSync(renamed);
      copyHolderFiles(dir, 'coordinator', renamed);
      copyFileSync(join(dir, 'hospital-a.key'), join(renamed, 'hospital-a.key'));
      assert.equal(findCaPrivateKey(renamed), undefined, 'another holder\'s key is not the CA key');
      copyFileSync(join(dir, 'ca.key'), join(renamed, 'backup.pem'));
      assert.deepEqual(findCaPrivateKey(renamed), { path: join(renamed, 'backup.pem'), readable: true });
    });
  });

  describe('loadTlsMaterial', function () {
    it('returns the CA, certificate and key of a holder', function () {
      const m = loadTlsMaterial(dir, 'hospital-a');
      assert.deepEqual(m.ca, readFileSync(join(dir, 'ca.crt')));
      assert.deepEqual(m.cert, readFileSync(join(dir, 'hospital-a.crt')));
      assert.deepEqual(m.key, readFileSync(join(dir, 'hospital-a.key')));
      assert.ok(loadTlsMaterial(dir, 'coordinator').cert.length > 0);
    });

    it('names the missing file and the command that makes it', function () {
      rejects(() => loadTlsMaterial(dir, 'hospital-z'), 'failed_precondition', /hospital-z\.crt not found: create it .*cohort ca issue hospital-z --role/);
      const nodeDir = join(root, 'node-host');
      mkdirSync(nodeDir);
      rejects(() => loadTlsMaterial(nodeDir, 'hospital-a'), 'failed_precondition', /node-host\/ca\.crt not found: .*cohort ca init/);
      rejects(() => loadTlsMaterial(dir, '../hospital-a'), 'usage', /invalid name/);
    });

    it('notices a key that does not belong to the certificate', function () {
      const mixed = join(root, 'mixed');
      mkdirSync(mixed);
      copyFileSync(join(dir, 'ca.crt'), join(mixed, 'ca.crt'));
      copyFileSync(join(dir, 'hospital-a.crt'), join(mixed, 'hospital-a.crt'));
      copyFileSync(join(dir, 'hospital-ok.key'), join(mixed, 'hospital-a.key'));
      rejects(() => loadTlsMaterial(mixed, 'hospital-a'), 'failed_precondition', /hospital-a\.key does not belong to .*hospital-a\.crt/);
    });
  });

  describe('damaged files', function () {
    function withIndex(name: string, index: string): string {
      const d = join(root, name);
      mkdirSync(d);
      copyFileSync(join(dir, 'ca.crt'), join(d, 'ca.crt'));
      copyFileSync(join(dir, 'ca.key'), join(d, 'ca.key'));
      copyFileSync(join(dir, 'revoked.json'), join(d, 'revoked.json'));
      copyFileSync(join(dir, 'revocations.json'), join(d, 'revocations.json'));
      writeFileSync(join(d, 'index.json'), index);
      return d;
    }

    it('refuses a damaged index instead of guessing', function () {
      rejects(() => issue(withIndex('d1', '{'), 'x', 'node', { now: NOW }), 'failed_precondition', /index\.json is not valid JSON/);
      rejects(() => issue(withIndex('d2', '[]'), 'x', 'node', { now: NOW }), 'failed_precondition', /index\.json is damaged/);
      const badEntry = JSON.stringify({ version: 1, certificates: [{ name: 'x', role: 'root', serial: 'ab', notBefore: 'x', notAfter: 'x', issuedAt: 'x' }] });
      rejects(() => listCertificates(withIndex('d3', badEntry)), 'failed_precondition', /certificates\[0\]\.role is not a valid role/);
      rejects(() => issue(withIndex('d4', '{"version": 2, "certificates": []}'), 'x', 'node', { now: NOW }), 'failed_precondition', /unsupported version/);
    });

    it('does not let a crafted index pollute prototypes', function () {
      const entry = { name: 'x', role: 'node', serial: 'ab', notBefore: NOW.toISOString(), notAfter: NOW.toISOString(), issuedAt: NOW.toISOString() };
      const crafted = `{"version":1,"__proto__":{"polluted":true},"certificates":[${JSON.stringify(entry).replace('{', '{"__proto__":{"polluted":true},')}]}`;
      const d = withIndex('d5', crafted);
      const listed = listCertificates(d);
      assert.equal(listed.length, 1);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
      assert.equal(Object.getPrototypeOf(listed[0]), Object.prototype);
      assert.equal((listed[0] as unknown as Record<string, unknown>).polluted, undefined);
    });
  });
});
