/**
 * The real deployment path, as an operator runs it: `cohort ca init/issue`, a `cohort
 * coordinator` process, three `cohort node` processes, `cohort round launch` — plus the
 * CLI's answers to bad usage and to a certificate without the operator role.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../cli/main.js';
import { deferred } from '../../shared/async.js';
import { copyHolderFiles } from '../../shared/pki/ca-dir.js';
import { recordingIo } from '../helpers/io.js';

const BIN = fileURLToPath(new URL('../../../bin/cohort.js', import.meta.url));

/** Spawn `cohort ...args`; resolves `ready` when a stderr line matches `readyPattern`. */
function cohort(args: string[], readyPattern: RegExp, cwd: string): { child: ChildProcess; ready: Promise<RegExpMatchArray>; exited: Promise<number | null> } {
  // Run in the test's temp dir: node daemons keep their state in ./cohort-node-NAME.
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'], cwd });
  const ready = deferred<RegExpMatchArray>();
  const exited = deferred<number | null>();
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
    const m = readyPattern.exec(stderr);
    if (m) ready.resolve(m);
  });
  child.on('exit', (code) => {
    ready.reject(new Error(`cohort ${args[0]} exited (${code}) before it was ready:\n${stderr}`));
    exited.resolve(code);
  });
  ready.promise.catch(() => undefined);
  return { child, ready: ready.promise, exited: exited.promise };
}

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const rec = recordingIo();
  const code = await runCli(args, rec.io);
  return { code, out: rec.out(), err: rec.err() };
}

describe('cohort CLI, real deployment path (integration)', function () {
  let dir: string;
  const children: ChildProcess[] = [];
  let address = '';
  let coordinatorExit: Promise<number | null>;

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), 'cohort-cli-'));
    // The CA stays in its own directory (the admin workstation); every participant gets its files copied.
    const ca = join(dir, 'ca');
    const certs = join(dir, 'certs');
    assert.equal((await cli(['ca', 'init', '--dir', ca])).code, 0);
    const holders = ['hospital-a', 'hospital-b', 'hospital-c', 'alice', 'eve'];
    for (const n of ['hospital-a', 'hospital-b', 'hospital-c']) assert.equal((await cli(['ca', 'issue', n, '--role', 'node', '--dir', ca])).code, 0);
    assert.equal((await cli(['ca', 'issue', 'alice', '--role', 'operator', '--dir', ca])).code, 0);
    assert.equal((await cli(['ca', 'issue', 'eve', '--role', 'auditor', '--dir', ca])).code, 0);
    mkdirSync(certs, { mode: 0o700 });
    for (const n of ['coordinator', ...holders]) copyHolderFiles(ca, n, certs);

    const coordinator = cohort(['coordinator', '--port', '0', '--bulk-port', '0', '--certs', certs, '--min-nodes', '3', '--log-level', 'warn'], /listening on (127\.0\.0\.1:\d+)/, dir);
    children.push(coordinator.child);
    coordinatorExit = coordinator.exited;
    address = (await coordinator.ready)[1] as string;
    const nodes = ['hospital-a', 'hospital-b', 'hospital-c'].map((name, i) =>
      cohort(['node', '--coordinator', address, '--name', name, '--certs', certs, '--data', `mnist:${i + 1}/3`, '--log-level', 'info'], /connected to coordinator/, dir),
    );
    children.push(...nodes.map((n) => n.child));
    await Promise.all(nodes.map((n) => n.ready));
  });

  after(async function () {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
    rmSync(dir, { recursive: true, force: true });
  });

  const admin = (): string[] => ['--coordinator', address, '--certs', join(dir, 'certs'), '--name', 'alice'];

  it('trains to at least 0.85 accuracy in 3 rounds launched by an operator', async function () {
    const r = await cli(['round', 'launch', '--rounds', '3', '--json', ...admin()]);
    assert.equal(r.code, 0, r.err);
    const doc = JSON.parse(r.out) as { rounds: { round: number; participants: number; accuracy: number; loss: number; seconds: number; status: string }[]; final: { accuracy: number; loss: number } };
    assert.equal(doc.rounds.length, 3);
    for (const round of doc.rounds) {
      assert.equal(round.status, 'completed');
      assert.equal(round.participants, 3);
      assert.ok(round.seconds > 0);
    }
    assert.ok(doc.final.accuracy >= 0.85, `final accuracy ${doc.final.accuracy}`);
  });

  it('lists the three nodes as connected', async function () {
    const r = await cli(['nodes', '--json', ...admin()]);
    assert.equal(r.code, 0, r.err);
    const doc = JSON.parse(r.out) as { nodes: { name: string; status: string; lastSeen: string }[] };
    assert.deepEqual(
      doc.nodes.map((n) => [n.name, n.status]),
      [
        ['hospital-a', 'connected'],
        ['hospital-b', 'connected'],
        ['hospital-c', 'connected'],
      ],
    );
    for (const n of doc.nodes) assert.ok(!Number.isNaN(Date.parse(n.lastSeen)));
  });

  it('shows the finished rounds in status', async function () {
    const r = await cli(['status', '--json', ...admin()]);
    assert.equal(r.code, 0, r.err);
    const doc = JSON.parse(r.out) as { completedRounds: number; nodes: { connected: number } };
    assert.equal(doc.completedRounds, 3);
    assert.equal(doc.nodes.connected, 3);
  });

  it('closes a round at its --target-updates: two of the three selected nodes take part, and the third stays connected', async function () {
    const r = await cli(['round', 'launch', '--rounds', '1', '--min-nodes', '2', '--target-updates', '2', '--json', ...admin()]);
    assert.equal(r.code, 0, r.err);
    const doc = JSON.parse(r.out) as { rounds: { participants: number; selected: number; status: string; evaluated: number }[] };
    assert.equal(doc.rounds[0]?.status, 'completed');
    assert.equal(doc.rounds[0]?.participants, 2);
    const nodes = JSON.parse((await cli(['nodes', '--json', ...admin()])).out) as { nodes: { status: string }[] };
    assert.deepEqual(nodes.nodes.map((n) => n.status), ['connected', 'connected', 'connected']);
  });

  it('refuses a certificate without the operator role with exit code 3', async function () {
    for (const name of ['hospital-a', 'eve']) {
      const r = await cli(['status', '--coordinator', address, '--certs', join(dir, 'certs'), '--name', name]);
      assert.equal(r.code, 3);
      assert.match(r.err, new RegExp(`${name} has role "(node|auditor)"; GetStatus needs role "operator"`));
    }
  });

  it('answers bad usage with exit code 2 and a message that says what to do', async function () {
    const cases: [string[], RegExp][] = [
      [['round', 'launch', '--rounds', '0', ...admin()], /--rounds must be a positive whole number up to 100,000/],
      [['node', '--coordinator', address, '--name', 'hospital-a', '--data', 'mnist:4/3'], /shard/],
      [['node', '--coordinator', address, '--name', 'hospital-a', '--data', 'csv:/tmp/x.csv'], /--label/],
      [['node', '--coordinator', 'nowhere', '--name', 'hospital-a', '--data', 'mnist:1/3'], /HOST:PORT/],
      [['coordinator', '--port', '99999'], /--port must be a whole number from 0 to 65,535/],
      [['round', 'launch', '--sample-rate', '1.5', ...admin()], /--sample-rate must be a positive number up to 1/],
      [['round', 'launch', '--compress', 'int4', ...admin()], /compress must be int8 or fp16, got int4/],
      [['round', 'launch', '--target-updates', '2', '--min-nodes', '3', ...admin()], /target updates must be an integer of at least min-nodes \(3\), got 2/],
      [['round', 'launch', '--target-updates', '3', '--secure-aggregation', ...admin()], /--target-updates is for plain rounds/],
      [['round', 'launch', '--compress', 'int8', '--secure-aggregation', ...admin()], /--compress is for plain rounds: secure aggregation keeps its fixed-point ring/],
      [['round', 'launch', '--compress', 'fp16', '--noise-multiplier', '1', ...admin()], /--compress is for plain rounds: stochastic rounding would move clipped updates past the clip norm/],
      [['coordinator', '--port', '7443', '--bulk-port', '7443'], /--bulk-port must differ from --port \(both are 7443\)/],
      [['no-such-command'], /unknown command/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      assert.equal(r.code, 2, `${args.join(' ')} → ${r.code}: ${r.err}`);
      assert.match(r.err, message, args.join(' '));
    }
  });

  it('refuses to start a coordinator without its CA (bad input) or with a data dir it cannot write, naming the file', async function () {
    const noCa = await cli(['coordinator', '--port', '0', '--bulk-port', '0', '--certs', join(dir, 'nowhere'), '--data-dir', join(dir, 'data-a')]);
    assert.equal(noCa.code, 2);
    assert.match(noCa.err, /nowhere\/ca\.crt not found: it is created by "cohort ca init"/);
    // A path under a regular file can never be a directory, even for root.
    const blocked = join(dir, 'certs', 'ca.crt', 'data');
    const badDir = await cli(['coordinator', '--port', '0', '--bulk-port', '0', '--certs', join(dir, 'certs'), '--data-dir', blocked]);
    assert.equal(badDir.code, 1);
    assert.match(badDir.err, new RegExp(blocked.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  });

  it('stops the coordinator cleanly on SIGTERM', async function () {
    const coordinator = children[0] as ChildProcess;
    coordinator.kill('SIGTERM');
    assert.equal(await coordinatorExit, 0);
  });
});
