/**
 * Release order: no node ever holds a model that has no ledger entry. The coordinator (a
 * real `cohort coordinator` process with a data dir and a budget, so every round is private
 * and charged) is killed with SIGKILL, or stopped with SIGTERM, while the round is in each
 * stage nodes can be held in; every model the nodes received before that must then be the
 * initial model or a committed checkpoint whose round is in the ledger.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncomingTask, LocalEvaluation, LocalUpdate, LocalWork } from '../../client/core/agent.js';
import { runCli } from '../../cli/main.js';
import { deferred, type Deferred } from '../../shared/async.js';
import { systemClock } from '../../shared/clock.js';
import { silentLogger } from '../../shared/logger.js';
import { initParameters, parseModelSpec } from '../../shared/model/spec.js';
import { SeededRandom } from '../../shared/random.js';
import { openStore } from '../../server/store/store.js';
import { type RunningNode, startTestNode, TestPki } from '../helpers/federation.js';
import { recordingIo } from '../helpers/io.js';
import { startCohort } from '../helpers/processes.js';

function sha256(w: Float32Array): string {
  return createHash('sha256').update(Buffer.from(w.buffer, w.byteOffset, w.byteLength)).digest('hex');
}

/** Records the hash of every model it is given, and can be told to hang in one kind of task. */
class RecordingWork implements LocalWork {
  readonly received: Array<{ round: number; kind: string; sha256: string }> = [];
  hang: { in: 'train' | 'evaluate'; reached: Deferred<void> } | undefined;
  incompatibility(): undefined {
    return undefined;
  }
  private see<T>(task: IncomingTask, global: Float32Array, value: T): T | Promise<T> {
    this.received.push({ round: task.round, kind: task.kind, sha256: sha256(global) });
    if (this.hang?.in !== task.kind) return value;
    this.hang.reached.resolve();
    return new Promise<T>(() => undefined);
  }
  train(task: IncomingTask, global: Float32Array): LocalUpdate | Promise<LocalUpdate> {
    return this.see(task, global, { delta: new Float32Array(task.numParameters).fill(1e-3), numExamples: 10, trainLoss: 0.1 });
  }
  evaluate(task: IncomingTask, global: Float32Array): LocalEvaluation | Promise<LocalEvaluation> {
    return this.see(task, global, { numExamples: 10, accuracy: 0.5, loss: 1 });
  }
}

const MODEL = ['--features', '20', '--classes', '2'];
const INITIAL = sha256(initParameters(parseModelSpec({ kind: 'logreg', features: 20, classes: 2 }), new SeededRandom(1)));

describe('release order: every model a node receives is committed with its ledger entry first (integration, processes)', function () {
  this.timeout(120_000);
  let pki: TestPki;

  before(function () {
    pki = new TestPki();
    pki.issue('op', 'operator');
    pki.issue('n1', 'node');
    pki.issue('n2', 'node');
  });

  after(function () {
    pki.remove();
  });

  const cases = [
    { stage: 'train', hangIn: 'train', args: [], stop: 'SIGKILL' },
    { stage: 'secure-aggregation', hangIn: 'train', args: ['--secure-aggregation'], stop: 'SIGKILL' },
    { stage: 'evaluate', hangIn: 'evaluate', args: [], stop: 'SIGKILL' },
    { stage: 'evaluate', hangIn: 'evaluate', args: [], stop: 'SIGTERM' },
    { stage: 'secure round evaluate', hangIn: 'evaluate', args: ['--secure-aggregation'], stop: 'SIGKILL' },
  ] as const;

  for (const c of cases) {
    it(`${c.stop} in the ${c.stage} stage: every model nodes hold is committed and in the ledger`, async function () {
      const dataDir = mkdtempSync(join(tmpdir(), 'cohort-release-'));
      const coordinator = startCohort(['coordinator', '--port', '0', '--bulk-port', '0', '--certs', pki.dir, '--data-dir', dataDir, '--min-nodes', '2', '--epsilon-budget', '50', '--log-level', 'warn', ...MODEL], { cwd: dataDir });
      const works = [new RecordingWork(), new RecordingWork()];
      let nodes: RunningNode[] = [];
      try {
        const port = Number((await coordinator.waitFor(/listening on 127\.0\.0\.1:(\d+)/))[1]);
        nodes = ['n1', 'n2'].map((n, i) => startTestNode(pki, port, n, works[i] as RecordingWork));
        await Promise.all(nodes.map((n) => n.daemon.when('connected')));
        const launch = async (extra: string[]): Promise<void> => {
          const rec = recordingIo();
          const code = await runCli(['round', 'launch', '--coordinator', `127.0.0.1:${port}`, '--certs', pki.dir, '--name', 'op', '--noise-multiplier', '2', '--clip', '1', ...c.args, ...extra], rec.io);
          assert.equal(code, 0, rec.err());
        };
        await launch(['--rounds', '1']);
        for (const w of works) w.hang = { in: c.hangIn, reached: deferred<void>() };
        await launch(['--rounds', '1', '--detach']);
        await Promise.all(works.map((w) => w.hang?.reached.promise));
        await coordinator.stop(c.stop);
      } finally {
        await Promise.all(nodes.map((n) => n.stop()));
        await coordinator.stop('SIGKILL');
      }

      const store = openStore(dataDir, { clock: systemClock, log: silentLogger });
      try {
        const charged = new Set(store.ledger().flatMap((e) => (e.kind === 'round' ? [e.round] : [])));
        const committed = new Map(store.checkpoints().map((k) => [k.sha256, k.round]));
        const received = works.flatMap((w) => w.received);
        assert.ok(received.some((r) => r.round === 2), 'the nodes were reached in the stopped round');
        for (const r of received) {
          if (r.sha256 === INITIAL) continue;
          const round = committed.get(r.sha256);
          assert.ok(round !== undefined, `a node received, for its ${r.kind} task of round ${r.round}, a model that was never committed`);
          assert.ok(charged.has(round), `the model of round ${round} reached a node without its ledger entry`);
        }
        assert.equal(store.verifyLedger().ok, true);
      } finally {
        store.close();
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  }
});
