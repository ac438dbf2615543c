/**
 * Two `cohort node` processes with the same certificate: the newer connection wins and
 * the older daemon is told it was replaced and exits with code 3 and a message, instead
 * of the two replacing each other's connection forever.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deferred } from '../../shared/async.js';
import { MemoryLogger } from '../../shared/logger.js';
import type { RoundEvent } from '../../server/core/types.js';
import type { StartedCoordinator } from '../../server/main.js';
import { startTestCoordinator, TestPki } from '../helpers/federation.js';

const BIN = fileURLToPath(new URL('../../../bin/cohort.js', import.meta.url));

interface Daemon {
  readonly child: ChildProcess;
  readonly connected: Promise<void>;
  readonly exited: Promise<number | null>;
  stderr(): string;
}

/** A real `cohort node` child process; `connected` resolves on its "connected to coordinator" log line. */
function nodeProcess(port: number, certs: string, cwd: string): Daemon {
  const child = spawn(process.execPath, [BIN, 'node', '--coordinator', `127.0.0.1:${port}`, '--name', 'hospital-a', '--certs', certs, '--work', 'perturb', '--log-level', 'info'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    cwd,
  });
  const connected = deferred<void>();
  const exited = deferred<number | null>();
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (stderr.includes('"msg":"connected to coordinator"')) connected.resolve();
  });
  child.on('exit', (code) => {
    connected.reject(new Error(`cohort node exited (${code}) before it connected:\n${stderr}`));
    exited.resolve(code);
  });
  connected.promise.catch(() => undefined);
  return { child, connected: connected.promise, exited: exited.promise, stderr: () => stderr };
}

describe('two node daemons with the same certificate (process level)', function () {
  let pki: TestPki;
  let coordinator: StartedCoordinator;
  const log = new MemoryLogger();
  const dirs: string[] = [];
  const children: ChildProcess[] = [];

  before(async function () {
    pki = new TestPki();
    pki.issue('hospital-a', 'node');
    coordinator = await startTestCoordinator(pki, { log, settings: { minNodes: 1 } });
  });

  after(async function () {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await Promise.all(children.map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
    await coordinator?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    pki?.remove();
  });

  it('the first is told it was replaced and exits 3 with a message; the second keeps the connection and trains', async function () {
    const cwd = (): string => {
      const d = mkdtempSync(join(tmpdir(), 'cohort-dup-'));
      dirs.push(d);
      return d;
    };
    const first = nodeProcess(coordinator.port, pki.dir, cwd());
    children.push(first.child);
    await first.connected;
    const second = nodeProcess(coordinator.port, pki.dir, cwd());
    children.push(second.child);
    await second.connected;

    assert.equal(await first.exited, 3, first.stderr());
    assert.match(first.stderr(), /cohort: another daemon connected to the coordinator with the certificate of "hospital-a" and replaced this one's connection\. Two daemons cannot share a certificate, so this one stops/);

    // The second daemon kept its session: a round runs with it, and nobody was replaced again.
    const events: RoundEvent[] = [];
    for await (const e of coordinator.coordinator.launch({ rounds: 1, settings: { minNodes: 1 } }).events) if (e.state !== 'running') events.push(e);
    assert.equal(events[0]?.state, 'completed', events[0]?.reason);
    assert.equal(events[0]?.participants, 1);
    assert.equal(second.child.exitCode, null);
    assert.equal(log.lines.filter((l) => l.msg === 'node session replaced by a newer connection with the same certificate').length, 1);
    assert.deepEqual(
      coordinator.coordinator.nodes().map((n) => [n.name, n.status]),
      [['hospital-a', 'connected']],
    );

    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0, second.stderr());
  });
});
