/**
 * What a person sees from the real `cohort` binary when they get something wrong: exit
 * code 2 for bad input (README, "Exit codes and output"), one plain message on stderr,
 * help that marks required options and hides benchmark-only ones, `--version`.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Finished, runCohort } from '../helpers/processes.js';

/** sha256 of every file in `dir`, by name. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).map((f) => [f, createHash('sha256').update(readFileSync(join(dir, f))).digest('hex')]));
}

describe('cohort exit codes, help and messages (real binary)', function () {
  let dir: string;
  let certs: string;
  const cohort = (args: string[]): Promise<Finished> => runCohort(args, { cwd: dir });

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), 'cohort-exit-'));
    // The CA stays in its own dir (as on an admin workstation); certs/ gets what the coordinator and alice need.
    const ca = join(dir, 'ca');
    certs = join(dir, 'certs');
    const init = await cohort(['ca', 'init', '--dir', ca]);
    assert.equal(init.code, 0, init.stderr);
    const issued = await cohort(['ca', 'issue', 'alice', '--role', 'operator', '--dir', ca]);
    assert.equal(issued.code, 0, issued.stderr);
    mkdirSync(certs);
    for (const f of ['ca.crt', 'coordinator.crt', 'coordinator.key', 'revocations.json', 'alice.crt', 'alice.key']) copyFileSync(join(ca, f), join(certs, f));
  });

  after(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints the version with --version and exits 0', async function () {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    const r = await cohort(['--version']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `cohort ${pkg.version}\n`);
    assert.equal(r.stderr, '');
  });

  it('confirms the files ca init and ca issue wrote on stdout', async function () {
    const other = join(dir, 'other-ca');
    const r = await cohort(['ca', 'init', '--dir', other]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`created federation CA: ${other}/ca\\.crt, ${other}/ca\\.key`));
    assert.match(r.stdout, new RegExp(`issued coordinator certificate for localhost, 127\\.0\\.0\\.1: ${other}/coordinator\\.crt`));
    const issued = await cohort(['ca', 'issue', 'hospital-a', '--role', 'node', '--dir', other]);
    assert.match(issued.stdout, new RegExp(`issued node certificate for "hospital-a": ${other}/hospital-a\\.crt, ${other}/hospital-a\\.key`));
  });

  it('marks required options in help and hides the benchmark-only --work of cohort node', async function () {
    const node = await cohort(['node', '--help']);
    assert.equal(node.code, 0);
    assert.match(node.stdout, /--coordinator <host:port>\s+coordinator address \(required\)/);
    assert.match(node.stdout, /--name <name>[^]*?\(required\)/);
    assert.doesNotMatch(node.stdout, /--work/);
    assert.doesNotMatch(node.stdout, /perturb/);
    for (const command of [['status'], ['nodes'], ['round', 'launch'], ['models', 'list'], ['budget', 'report']]) {
      const help = await cohort([...command, '--help']);
      assert.match(help.stdout, /--name <name>[^]*?\(required\)/, command.join(' '));
      assert.doesNotMatch(help.stdout, /default: "operator"/, command.join(' '));
    }
  });

  it('refuses an operator command without --name instead of assuming "operator" (exit 2)', async function () {
    for (const command of [['status'], ['nodes'], ['round', 'launch', '--rounds', '1'], ['budget', 'report']]) {
      const r = await cohort([...command, '--coordinator', '127.0.0.1:1', '--certs', certs]);
      assert.equal(r.code, 2, `${command.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /required option '--name <name>' not specified/, command.join(' '));
      assert.equal(r.stdout, '');
    }
  });

  it('exits 2 naming the file when the certs dir or a certificate is missing', async function () {
    const cases: [string[], RegExp][] = [
      [['coordinator', '--port', '0', '--certs', join(dir, 'nowhere'), '--data-dir', join(dir, 'data')], /nowhere\/ca\.crt not found: it is created by "cohort ca init"/],
      [['node', '--coordinator', '127.0.0.1:1', '--name', 'hospital-z', '--certs', certs, '--data', 'mnist:1/3'], /hospital-z\.crt not found: create it on the CA workstation with "cohort ca issue hospital-z/],
      [['node', '--coordinator', '127.0.0.1:1', '--name', 'hospital-a', '--certs', join(dir, 'nowhere'), '--data', 'mnist:1/3'], /nowhere\/ca\.crt not found/],
      [['status', '--coordinator', '127.0.0.1:1', '--certs', certs, '--name', 'bob'], /bob\.crt not found/],
      [['budget', 'report', '--coordinator', '127.0.0.1:1', '--certs', join(dir, 'nowhere'), '--name', 'alice'], /nowhere\/ca\.crt not found/],
    ];
    for (const [args, message] of cases) {
      const r = await cohort(args);
      assert.equal(r.code, 2, `${args.join(' ')} → ${r.code}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
      assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
    }
  });

  it('exits 2 on ca init over an existing CA and leaves every file as it was', async function () {
    const ca = join(dir, 'ca');
    const before = snapshot(ca);
    const r = await cohort(['ca', 'init', '--dir', ca]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /already exists: refusing to overwrite an existing federation CA/);
    assert.deepEqual(snapshot(ca), before);
  });

  it('words range errors as a person would (no 5e-324, thousands separated)', async function () {
    const cases: [string[], string][] = [
      [['coordinator', '--epsilon-budget', '0'], '--epsilon-budget must be a positive number up to 1,000,000, got "0"'],
      [['coordinator', '--delta', '0.7'], '--delta must be a positive number up to 0.5, got "0.7"'],
      [['coordinator', '--port', '99999'], '--port must be a whole number from 0 to 65,535, got "99999"'],
      [['coordinator', '--sample-rate', '0'], '--sample-rate must be a positive number up to 1, got "0"'],
      [['round', 'launch', '--rounds', '0', '--name', 'alice'], '--rounds must be a positive whole number up to 100,000, got "0"'],
      [['node', '--coordinator', '127.0.0.1:1', '--name', 'a', '--drift-bins', 'x'], '--drift-bins must be a positive whole number up to 1,000, got "x"'],
    ];
    for (const [args, message] of cases) {
      const r = await cohort(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr.split('\n')[0], `cohort: ${message}`);
      assert.doesNotMatch(r.stderr, /e-\d{3}|MIN_VALUE/);
    }
  });

  describe('a port already in use', function () {
    let blocker: Server;
    let port: number;

    before(async function () {
      blocker = createServer();
      port = await new Promise<number>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)));
    });

    after(function () {
      blocker.close();
    });

    it('is one plain message, without grpc-js\'s own line before it (exit 1)', async function () {
      const r = await cohort(['coordinator', '--port', String(port), '--certs', certs, '--data-dir', join(dir, 'data-busy'), '--log-level', 'warn']);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stderr, `cohort: cannot listen on 127.0.0.1:${port}: the port is already in use (is another coordinator running? choose another --port)\n`);
    });
  });
});
