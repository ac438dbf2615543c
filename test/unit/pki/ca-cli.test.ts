import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIo } from '../../../cli/io.js';
import { runCli } from '../../../cli/main.js';
import { ManualClock } from '../../../shared/clock.js';

interface FakeIo extends CliIo {
  readonly stdout: string[];
  readonly stderr: string[];
}

function fakeIo(now: number): FakeIo {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (s) => void stdout.push(s),
    err: (s) => void stderr.push(s),
    isTty: false,
    clock: new ManualClock(now),
    shutdown: new AbortController().signal,
  };
}

const NOW = Date.parse('2030-06-01T00:00:00.000Z');
const YEAR_LATER = NOW + 400 * 86_400_000;

describe('cli: cohort ca', function () {
  let root: string;
  let dir: string;

  before(function () {
    root = mkdtempSync(join(tmpdir(), 'cohort-ca-cli-'));
    dir = join(root, 'certs');
  });

  after(function () {
    rmSync(root, { recursive: true, force: true });
  });

  async function run(args: string[], now = NOW): Promise<{ code: number; out: string; err: string }> {
    const io = fakeIo(now);
    const code = await runCli(args, io);
    return { code, out: io.stdout.join(''), err: io.stderr.join('') };
  }

  it('init creates the CA and the coordinator certificate and says where', async function () {
    // An existing directory that others can read: init works but warns.
    mkdirSync(dir);
    chmodSync(dir, 0o755);
    const r = await run(['ca', 'init', '--dir', dir, '--san', 'localhost, 127.0.0.1,coord.example', '--days', '30']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, new RegExp(`created federation CA: ${dir}/ca\\.crt, ${dir}/ca\\.key \\(mode 0600`));
    assert.match(r.out, /issued coordinator certificate for localhost, 127\.0\.0\.1, coord\.example: .*coordinator\.crt, .*coordinator\.key \(mode 0600\), valid until 2030-07-01/);
    assert.match(r.err, /warning: .* is accessible by other users \(mode 0755\)/);
    assert.equal(statSync(join(dir, 'ca.key')).mode & 0o777, 0o600);
  });

  it('init says which files go to the coordinator host, and keeps ca.key here', async function () {
    const r = await run(['ca', 'init', '--dir', join(root, 'fresh'), '--san', 'coordinator.hospital-net.example,10.0.0.5']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /keep ca\.key on this workstation, never on the coordinator host/);
    assert.match(r.out, /signed revocation list #1: .*fresh\/revocations\.json, valid until 2030-07-01/);
    assert.match(r.out, /copy ca\.crt, coordinator\.crt, coordinator\.key and revocations\.json from .*fresh to the coordinator's certs dir/);
  });

  it('init always covers localhost and 127.0.0.1 besides the names given, unless --no-localhost', async function () {
    const sans = (d: string): string => new X509Certificate(readFileSync(join(root, d, 'coordinator.crt'))).subjectAltName ?? '';
    assert.equal(sans('fresh'), 'DNS:coordinator.hospital-net.example, IP Address:10.0.0.5, DNS:localhost, IP Address:127.0.0.1');
    const none = await run(['ca', 'init', '--dir', join(root, 'default-names')]);
    assert.equal(none.code, 0, none.err);
    assert.equal(sans('default-names'), 'DNS:localhost, IP Address:127.0.0.1');
    const only = await run(['ca', 'init', '--dir', join(root, 'no-loopback'), '--san', 'coord.example', '--no-localhost']);
    assert.equal(only.code, 0, only.err);
    assert.equal(sans('no-loopback'), 'DNS:coord.example');
    const nothing = await run(['ca', 'init', '--dir', join(root, 'no-names'), '--no-localhost']);
    assert.equal(nothing.code, 2);
    assert.match(nothing.err, /--no-localhost needs --san/);
  });

  it('issue coordinator --role coordinator --san renews the coordinator certificate for more names and revokes the old one', async function () {
    const d = join(root, 'fresh');
    const oldSerial = new X509Certificate(readFileSync(join(d, 'coordinator.crt'))).serialNumber.toLowerCase();
    const r = await run(['ca', 'issue', 'coordinator', '--role', 'coordinator', '--dir', d, '--san', 'coordinator.hospital-net.example,10.0.0.5,coord-2.example']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /issued coordinator certificate for "coordinator" for coordinator\.hospital-net\.example, 10\.0\.0\.5, coord-2\.example, localhost, 127\.0\.0\.1: /);
    assert.match(r.out, new RegExp(`the certificate it replaces \\(serial ${oldSerial.replace(/^0+/, '')}\\) is revoked in revocation list #2 .*install the new certificate on the coordinator first, then copy revocations\\.json`));
    const missing = await run(['ca', 'issue', 'coordinator', '--role', 'coordinator', '--dir', d]);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /renewing the coordinator certificate needs --san/);
  });

  it('crl signs the next list, for as many days as asked', async function () {
    const d = join(root, 'fresh');
    const r = await run(['ca', 'crl', '--dir', d, '--days', '7', '--json']);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(JSON.parse(r.out), { path: join(d, 'revocations.json'), number: 3, nextUpdate: '2030-06-08T00:00:00.000Z', entries: 1 });
    const text = await run(['ca', 'crl', '--dir', d]);
    assert.match(text.out, /signed revocation list #4 \(1 certificate\): .*revocations\.json, valid until 2030-06-08T00:00:00\.000Z\ncopy it to the coordinator's certs dir before then/);
    const bad = await run(['ca', 'crl', '--dir', d, '--days', '0']);
    assert.equal(bad.code, 2);
  });

  it('init refuses to replace the CA (bad usage, exit 2, names the file)', async function () {
    const before = readFileSync(join(dir, 'ca.key'));
    const r = await run(['ca', 'init', '--dir', dir]);
    assert.equal(r.code, 2);
    assert.match(r.err, /ca\.key already exists: refusing to overwrite/);
    assert.deepEqual(readFileSync(join(dir, 'ca.key')), before);
  });

  it('issue writes the pair and says what was written where', async function () {
    const r = await run(['ca', 'issue', 'hospital-a', '--role', 'node', '--dir', dir]);
    assert.equal(r.code, 0, r.err);
    assert.match(
      r.out,
      new RegExp(`^issued node certificate for "hospital-a": ${dir}/hospital-a\\.crt, ${dir}/hospital-a\\.key \\(mode 0600\\), serial [0-9a-f]{32}, valid until 2031-06-01\\n$`),
    );
    assert.equal(statSync(join(dir, 'hospital-a.key')).mode & 0o777, 0o600);
  });

  it('issue --json prints one object', async function () {
    const r = await run(['ca', 'issue', 'audit', '--role', 'auditor', '--dir', dir, '--days', '10', '--json']);
    assert.equal(r.code, 0, r.err);
    const doc = JSON.parse(r.out) as Record<string, unknown>;
    assert.equal(doc.name, 'audit');
    assert.equal(doc.role, 'auditor');
    assert.equal(doc.cert, join(dir, 'audit.crt'));
    assert.equal(doc.notAfter, '2030-06-11T00:00:00.000Z');
  });

  it('bad role, bad name, bad --days and stray --san are usage errors (exit 2)', async function () {
    const badRole = await run(['ca', 'issue', 'x', '--role', 'admin', '--dir', dir]);
    assert.equal(badRole.code, 2);
    assert.match(badRole.err, /--role must be one of node, operator, auditor, got "admin"/);
    const coordinatorRole = await run(['ca', 'issue', 'x', '--role', 'coordinator', '--dir', dir]);
    assert.equal(coordinatorRole.code, 2);
    const badName = await run(['ca', 'issue', '../x', '--role', 'node', '--dir', dir]);
    assert.equal(badName.code, 2);
    assert.match(badName.err, /invalid name "\.\.\/x"/);
    const reserved = await run(['ca', 'issue', 'ca', '--role', 'node', '--dir', dir]);
    assert.equal(reserved.code, 2);
    const badDays = await run(['ca', 'issue', 'x', '--role', 'node', '--dir', dir, '--days', '0']);
    assert.equal(badDays.code, 2);
    assert.match(badDays.err, /--days must be a positive whole number up to 36,500, got "0"/);
    const san = await run(['ca', 'issue', 'x', '--role', 'node', '--dir', dir, '--san', 'localhost']);
    assert.equal(san.code, 2);
    const noRole = await run(['ca', 'issue', 'x', '--dir', dir]);
    assert.equal(noRole.code, 2);
    assert.equal((await run(['ca', 'list', '--dir', dir, '--json'])).out.includes('"x"'), false, 'nothing was issued');
  });

  it('issue without a CA explains how to make one (exit 1)', async function () {
    const r = await run(['ca', 'issue', 'hospital-a', '--role', 'node', '--dir', join(root, 'nowhere')]);
    assert.equal(r.code, 1);
    assert.match(r.err, /nowhere\/ca\.crt not found: run "cohort ca init" first/);
  });

  it('revoke marks the name revoked; unknown names are not found', async function () {
    const r = await run(['ca', 'revoke', 'hospital-a', '--dir', dir]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^revoked "hospital-a": 1 certificate \(serial [0-9a-f]{32}\) in revocation list #2: .*revocations\.json\ncopy it to the coordinator's certs dir/);
    const again = await run(['ca', 'revoke', 'hospital-a', '--dir', dir]);
    assert.equal(again.code, 0);
    assert.match(again.out, /already revoked/);
    const unknown = await run(['ca', 'revoke', 'nobody', '--dir', dir]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.err, /no certificate has been issued to "nobody"/);
  });

  it('list shows every certificate with its status, as a table or one JSON object', async function () {
    const table = await run(['ca', 'list', '--dir', dir]);
    assert.equal(table.code, 0, table.err);
    const lines = table.out.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^NAME\s+ROLE\s+SERIAL\s+NOT AFTER\s+STATUS$/);
    assert.equal(lines.length, 4);
    assert.match(table.out, /\nhospital-a\s+node\s+[0-9a-f]{32}\s+\S+\s+revoked\n/);
    assert.match(table.out, /\naudit\s+auditor\s+[0-9a-f]{32}\s+\S+\s+valid\n/);

    const json = await run(['ca', 'list', '--dir', dir, '--json'], YEAR_LATER);
    const doc = JSON.parse(json.out) as { certificates: Array<{ name: string; revoked: boolean; expired: boolean; current: boolean }> };
    assert.deepEqual(
      doc.certificates.map((c) => [c.name, c.revoked, c.expired, c.current]),
      [
        ['coordinator', false, true, true],
        ['hospital-a', true, true, true],
        ['audit', false, true, true],
      ],
    );
  });
});
