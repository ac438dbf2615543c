/**
 * An operator restarting the coordinator with other privacy flags (the real `cohort` binary,
 * as child processes): the budget and δ are bound to the data dir at its first start, a
 * restart with a larger budget, none, or another δ is refused (exit 2, saying what to do),
 * and the only way to change them is `cohort budget set`, which the ledger records and every
 * later report shows.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../cli/main.js';
import type { BudgetReportJson } from '../../shared/dp/report/json.js';
import { TestPki } from '../helpers/federation.js';
import { recordingIo } from '../helpers/io.js';

const BIN = fileURLToPath(new URL('../../../bin/cohort.js', import.meta.url));

interface Started {
  readonly child: ChildProcess;
  /** Resolves with the port once it listens; rejects if it exits first. */
  readonly ready: Promise<number>;
  /** Resolves with the exit code and everything it wrote to stderr. */
  readonly exited: Promise<{ code: number | null; stderr: string }>;
}

/** Every coordinator process started, so a failing test leaves none behind. */
const children: ChildProcess[] = [];

function coordinator(certs: string, dataDir: string, privacy: readonly string[]): Started {
  const child = spawn(process.execPath, [BIN, 'coordinator', '--port', '0', '--certs', certs, '--data-dir', dataDir, '--features', '4', '--classes', '2', '--log-level', 'warn', ...privacy], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
  const ready = new Promise<number>((resolve, reject) => {
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(stderr);
      if (m) resolve(Number(m[1]));
    });
    void exited.then(({ code }) => reject(new Error(`coordinator exited (${code}) before listening:\n${stderr}`)));
  });
  ready.catch(() => undefined);
  return { child, ready, exited };
}

async function stop(s: Started): Promise<void> {
  s.child.kill('SIGTERM');
  const { code, stderr } = await s.exited;
  assert.equal(code, 0, stderr);
}

async function refused(s: Started): Promise<string> {
  const listening = s.ready.then(
    (port) => ({ port }),
    () => new Promise<never>(() => undefined),
  );
  const outcome = await Promise.race([s.exited, listening]);
  if ('port' in outcome) {
    s.child.kill('SIGKILL');
    assert.fail(`the coordinator started on port ${outcome.port} instead of refusing the restart`);
  }
  const { code, stderr } = outcome;
  assert.equal(code, 2, `expected exit 2 (bad input), got ${code}:\n${stderr}`);
  return stderr;
}

describe('the privacy budget is bound to the data dir (real cohort processes)', function () {
  this.timeout(120_000);
  let pki: TestPki;
  let dataDir: string;

  before(function () {
    pki = new TestPki();
    pki.issue('alice', 'operator');
    dataDir = mkdtempSync(join(tmpdir(), 'cohort-budget-'));
  });

  after(async function () {
    for (const c of children) {
      if (c.exitCode === null && c.signalCode === null) {
        c.kill('SIGKILL');
        await new Promise((r) => c.once('exit', r));
      }
    }
    pki?.remove();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
    const rec = recordingIo();
    const code = await runCli(argv, rec.io);
    return { code, out: rec.out(), err: rec.err() };
  }

  it('refuses a restart with a larger budget, none, or another δ, and takes a change only through cohort budget set', async function () {
    const first = coordinator(pki.dir, dataDir, ['--epsilon-budget', '5']);
    await first.ready;
    await stop(first);

    const larger = await refused(coordinator(pki.dir, dataDir, ['--epsilon-budget', '10']));
    assert.match(larger, /this data dir's privacy budget is ε = 5, δ = 0\.00001 \(set at first start on [^)]+\), but the coordinator was started with ε = 10, δ = 0\.00001/);
    assert.match(larger, /Start it with --epsilon-budget 5 --delta 0\.00001; to change the budget, an operator runs `cohort budget set`/);
    assert.match(await refused(coordinator(pki.dir, dataDir, [])), /started with no budget, δ = 0\.00001/);
    assert.match(await refused(coordinator(pki.dir, dataDir, ['--epsilon-budget', '5', '--delta', '1e-3'])), /started with ε = 5, δ = 0\.001/);

    const same = coordinator(pki.dir, dataDir, ['--epsilon-budget', '5']);
    const port = await same.ready;
    const admin = ['--coordinator', `127.0.0.1:${port}`, '--certs', pki.dir, '--name', 'alice'];
    const noReason = await cli('budget', 'set', '--epsilon', '6', ...admin);
    assert.equal(noReason.code, 2);
    assert.match(noReason.err, /--reason "\.\.\." is required/);
    const set = await cli('budget', 'set', '--epsilon', '6', '--reason', 'ethics board approval 2026-11', ...admin);
    assert.equal(set.code, 0, set.err);
    assert.match(set.out, /privacy budget changed from ε = 5, δ = 0\.00001 to ε = 6, δ = 0\.00001/);
    const report = await cli('budget', 'report', '--json', ...admin);
    assert.equal(report.code, 0, report.err);
    const json = JSON.parse(report.out) as BudgetReportJson;
    assert.deepEqual(json.budget, { epsilon: 6, delta: 1e-5 });
    assert.deepEqual(
      json.budgetChanges.map((c) => [c.epsilon, c.operator, c.reason]),
      [
        [5, null, 'set when the coordinator first started on this data dir'],
        [6, 'alice', 'ethics board approval 2026-11'],
      ],
    );
    assert.ok(json.budgetChanges.every((c) => /^[0-9a-f]{64}$/.test(c.hash)) && json.ledgerVerified);
    await stop(same);

    // The data dir now says 6: the old flag is refused, the new one is taken, and the change stays in the report.
    assert.match(await refused(coordinator(pki.dir, dataDir, ['--epsilon-budget', '5'])), /privacy budget is ε = 6, δ = 0\.00001 \(set by alice on /);
    const after = coordinator(pki.dir, dataDir, ['--epsilon-budget', '6']);
    const port2 = await after.ready;
    const again = await cli('budget', 'report', '--coordinator', `127.0.0.1:${port2}`, '--certs', pki.dir, '--name', 'alice');
    assert.equal(again.code, 0, again.err);
    assert.match(again.out, /changed by alice from ε = 5, δ = 1e-5\):\s+"ethics board\s+approval 2026-11"/);
    await stop(after);
  });
});
