/**
 * kill -9 of the coordinator mid-round: the restarted coordinator has the same model and
 * ledger as before the kill, the cut-off round is aborted (nothing released or spent),
 * and training goes on.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IncomingTask, LocalEvaluation, LocalUpdate, LocalWork } from '../../client/core/agent.js';
import { runCli } from '../../cli/main.js';
import { deferred, type Deferred } from '../../shared/async.js';
import { systemClock } from '../../shared/clock.js';
import { silentLogger } from '../../shared/logger.js';
import { openStore } from '../../server/store/store.js';
import { type RunningNode, startTestNode, TestPki } from '../helpers/federation.js';
import { recordingIo } from '../helpers/io.js';

const BIN = fileURLToPath(new URL('../../../bin/cohort.js', import.meta.url));

/** Works instantly, except that it can be told to hang in training or evaluation (to hold a round in that stage). */
class SwitchableWork implements LocalWork {
  hang: Deferred<number> | undefined;
  hangIn: 'train' | 'evaluate' = 'train';
  incompatibility(): undefined {
    return undefined;
  }
  private stall<T>(task: IncomingTask, kind: 'train' | 'evaluate', value: T): T | Promise<T> {
    if (!this.hang || this.hangIn !== kind) return value;
    this.hang.resolve(task.round);
    return new Promise<T>(() => undefined);
  }
  train(task: IncomingTask): LocalUpdate | Promise<LocalUpdate> {
    return this.stall(task, 'train', { delta: new Float32Array(task.numParameters).fill(1e-3), numExamples: 10, trainLoss: 0.1 });
  }
  evaluate(task: IncomingTask): LocalEvaluation | Promise<LocalEvaluation> {
    return this.stall(task, 'evaluate', { numExamples: 10, accuracy: 0.5, loss: 1 });
  }
}

function startCoordinatorProcess(certs: string, dataDir: string, port: number): { child: ChildProcess; ready: Promise<number> } {
  const child = spawn(
    process.execPath,
    [BIN, 'coordinator', '--port', String(port), '--bulk-port', '0', '--certs', certs, '--data-dir', dataDir, '--min-nodes', '2', '--features', '20', '--classes', '2', '--epsilon-budget', '50', '--log-level', 'warn'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const ready = deferred<number>();
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
    const m = /listening on 127\.0\.0\.1:(\d+)/.exec(err);
    if (m) ready.resolve(Number(m[1]));
  });
  child.on('exit', (code) => ready.reject(new Error(`coordinator exited (${code}):\n${err}`)));
  return { child, ready: ready.promise };
}

describe('coordinator killed mid-round (integration)', function () {
  let pki: TestPki;
  let dataDir: string;
  let nodes: RunningNode[] = [];
  const works = [new SwitchableWork(), new SwitchableWork()];
  let coordinator: ChildProcess | undefined;

  before(function () {
    pki = new TestPki();
    pki.issue('op', 'operator');
    pki.issue('aud', 'auditor');
    pki.issue('n1', 'node');
    pki.issue('n2', 'node');
    dataDir = mkdtempSync(join(tmpdir(), 'cohort-data-'));
  });

  after(async function () {
    await Promise.all(nodes.map((n) => n.stop()));
    if (coordinator && coordinator.exitCode === null && coordinator.signalCode === null) {
      coordinator.kill('SIGKILL');
      await new Promise((r) => coordinator?.once('exit', r));
    }
    pki?.remove();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function launch(port: number, args: string[]): Promise<{ code: number; out: string; err: string }> {
    const rec = recordingIo();
    const code = await runCli(['round', 'launch', '--coordinator', `127.0.0.1:${port}`, '--certs', pki.dir, '--name', 'op', ...args], rec.io);
    return { code, out: rec.out(), err: rec.err() };
  }

  /** Launch one detached round that hangs in `stage` on every node, and kill -9 the coordinator while it waits. */
  async function killMidRound(coordinator: ChildProcess, port: number, hanging: SwitchableWork[], stage: 'train' | 'evaluate', args: readonly string[] = []): Promise<void> {
    for (const w of hanging) {
      w.hangIn = stage;
      w.hang = deferred<number>();
    }
    const detached = await launch(port, ['--rounds', '1', '--noise-multiplier', '2', '--clip', '1', '--detach', ...args]);
    assert.equal(detached.code, 0, detached.err);
    await Promise.all(hanging.map((w) => w.hang?.promise));
    const killed = new Promise((r) => coordinator.once('exit', r));
    coordinator.kill('SIGKILL');
    await killed;
  }

  /**
   * A coordinator process with its own data dir and two nodes; `kill` kills it mid-round,
   * then the nodes stop and `check` reads what the kill left in the store.
   */
  async function afterKill(kill: (child: ChildProcess, port: number, local: SwitchableWork[]) => Promise<void>, check: (store: ReturnType<typeof openStore>) => void): Promise<void> {
    const dir = mkdtempSync(join(tmpdir(), 'cohort-data-'));
    const local = [new SwitchableWork(), new SwitchableWork()];
    const proc = startCoordinatorProcess(pki.dir, dir, 0);
    const port = await proc.ready;
    const running = ['n1', 'n2'].map((n, i) => startTestNode(pki, port, n, local[i] as SwitchableWork));
    try {
      await Promise.all(running.map((n) => n.daemon.when('connected')));
      await kill(proc.child, port, local);
    } finally {
      await Promise.all(running.map((n) => n.stop()));
    }
    const store = openStore(dir, { clock: systemClock, log: silentLogger });
    try {
      check(store);
      assert.equal(store.verifyLedger().ok, true);
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('keeps a round killed in its evaluate stage committed: its model and ledger entry were written before evaluation began', async function () {
    await afterKill(
      (child, port, local) => killMidRound(child, port, local, 'evaluate'),
      (store) => {
        assert.deepEqual(store.rounds().map((r) => [r.round, r.state, r.accuracy]), [[1, 'completed', undefined]]);
        assert.deepEqual(store.ledger().flatMap((e) => (e.kind === 'round' ? [e.round] : [])), [1]);
        assert.equal(store.latestCheckpoint()?.round, 1);
      },
    );
  });

  for (const variant of [{ stage: 'secure-aggregation', hangIn: 'train', args: ['--secure-aggregation'] }] as const) {
    it(`releases and spends nothing of a round killed in its ${variant.stage} stage`, async function () {
      await afterKill(
        async (child, port, local) => {
          const ok = await launch(port, ['--rounds', '1', '--noise-multiplier', '2', '--clip', '1', ...variant.args]);
          assert.equal(ok.code, 0, ok.err);
          await killMidRound(child, port, local, variant.hangIn, variant.args);
        },
        (store) => {
          assert.deepEqual(
            store.rounds().map((r) => [r.round, r.state]),
            [
              [1, 'completed'],
              [2, 'aborted'],
            ],
          );
          assert.equal(store.ledger().filter((e) => e.kind === 'round').length, 1, 'the killed round spent nothing');
          assert.equal(store.latestCheckpoint()?.round, 1, 'the killed round released no model');
        },
      );
    });
  }

  it('keeps committed rounds, model and ledger across a SIGKILL and goes on training', async function () {
    const first = startCoordinatorProcess(pki.dir, dataDir, 0);
    coordinator = first.child;
    const port = await first.ready;
    nodes = ['n1', 'n2'].map((n, i) => startTestNode(pki, port, n, works[i] as SwitchableWork));
    await Promise.all(nodes.map((n) => n.daemon.when('connected')));

    const ok = await launch(port, ['--rounds', '2', '--noise-multiplier', '2', '--clip', '1', '--json']);
    assert.equal(ok.code, 0, ok.err);
    assert.equal((JSON.parse(ok.out) as { rounds: unknown[] }).rounds.length, 2);

    // Round 3 hangs in training; kill -9 the coordinator while it waits.
    await killMidRound(first.child, port, works, 'train');
    for (const w of works) w.hang = undefined;

    // What the kill left on disk: rounds 1-2 committed with their ledger entries, round 3 aborted.
    const store = openStore(dataDir, { clock: systemClock, log: silentLogger });
    const rounds = store.rounds().map((r) => [r.round, r.state]);
    const ledger = store.ledger().map((e) => e.hash);
    assert.equal(store.ledger()[0]?.kind, 'budget', 'the budget was recorded at first start');
    const model = store.latestCheckpoint();
    assert.deepEqual(rounds, [
      [1, 'completed'],
      [2, 'completed'],
      [3, 'aborted'],
    ]);
    assert.equal(ledger.length, 3, 'the budget and rounds 1-2');
    assert.equal(store.verifyLedger().ok, true);
    assert.equal(model?.round, 2);
    store.close();

    // Restart on the same data dir (and port, so the nodes reconnect by themselves).
    const second = startCoordinatorProcess(pki.dir, dataDir, port);
    coordinator = second.child;
    await second.ready;
    // The detached launch's round is pending and resumes as round 4 once the nodes are back.
    const more = await launch(port, ['--rounds', '1', '--noise-multiplier', '2', '--clip', '1', '--json']);
    assert.equal(more.code, 0, more.err);
    const doc = JSON.parse(more.out) as { rounds: Array<{ round: number; status: string; epsilon: number }> };
    assert.deepEqual(
      doc.rounds.map((r) => [r.round, r.status]),
      [[5, 'completed']],
    );

    // The auditor's report: the whole ledger, verified, spent within the budget.
    const report = recordingIo();
    const auditor = ['--coordinator', `127.0.0.1:${port}`, '--certs', pki.dir, '--name', 'aud'];
    assert.equal(await runCli(['budget', 'report', '--format', 'json', ...auditor], report.io), 0, report.err());
    const budget = JSON.parse(report.out()) as { budget: { epsilon: number }; spent: number; remaining: number; rounds: Array<{ round: number }>; ledgerVerified: boolean };
    assert.deepEqual(
      budget.rounds.map((r) => r.round),
      [1, 2, 4, 5],
    );
    assert.equal(budget.budget.epsilon, 50);
    assert.ok(budget.spent > 0 && budget.spent <= 50);
    assert.equal(budget.spent, doc.rounds[0]?.epsilon);
    assert.equal(budget.ledgerVerified, true);
    const html = join(dataDir, 'report.html');
    const page = recordingIo();
    assert.equal(await runCli(['budget', 'report', '--format', 'html', '--out', html, ...auditor], page.io), 0, page.err());
    assert.match(readFileSync(html, 'utf8'), /<svg[\s\S]*<\/svg>/);
    assert.equal(page.out(), `budget report (html) written to ${html}\n`, 'a written file is confirmed on stdout');

    // The model registry: every committed round, and an export that matches the checkpoint.
    const operator = ['--coordinator', `127.0.0.1:${port}`, '--certs', pki.dir, '--name', 'op'];
    const listed = recordingIo();
    assert.equal(await runCli(['models', '--json', ...operator], listed.io), 0, listed.err());
    const registry = JSON.parse(listed.out()) as { models: Array<{ round: number; sha256: string; epsilon: number }> };
    assert.deepEqual(
      registry.models.map((m) => m.round),
      [1, 2, 4, 5],
    );
    const file = join(dataDir, 'round-2.weights');
    const exported = recordingIo();
    assert.equal(await runCli(['models', 'export', '2', '--out', file, ...operator], exported.io), 0, exported.err());
    assert.match(exported.out(), new RegExp(`^model of round 2 \\(\\d+ parameters, sha256 [0-9a-f]{64}\\) written to ${file} and ${file}\\.json\\n$`));
    const bytes = readFileSync(file);
    assert.deepEqual(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4), model?.weights);
    assert.equal((JSON.parse(readFileSync(`${file}.json`, 'utf8')) as { sha256: string }).sha256, registry.models[1]?.sha256);
    const missing = recordingIo();
    assert.equal(await runCli(['models', 'export', '3', '--out', file, ...operator], missing.io), 1);
    assert.match(missing.err(), /no checkpoint of round 3/);

    const stopped = new Promise((r) => second.child.once('exit', r));
    second.child.kill('SIGTERM');
    await stopped;

    const after = openStore(dataDir, { clock: systemClock, log: silentLogger });
    try {
      assert.deepEqual(
        after.rounds().map((r) => [r.round, r.state]),
        [
          [1, 'completed'],
          [2, 'completed'],
          [3, 'aborted'],
          [4, 'completed'],
          [5, 'completed'],
        ],
      );
      const hashes = after.ledger().map((e) => e.hash);
      assert.deepEqual(hashes.slice(0, 3), ledger, 'the ledger before the kill is unchanged');
      assert.equal(hashes.length, 5);
      assert.equal(after.verifyLedger().ok, true);
      assert.deepEqual(after.loadCheckpoint(2).weights, model?.weights);
      assert.equal(after.pendingLaunches().length, 0);
    } finally {
      after.close();
    }
  });
});
