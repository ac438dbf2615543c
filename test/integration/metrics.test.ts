/**
 * Metrics over a real federation on loopback TLS: a coordinator and two node daemons
 * (built by the same createNode the CLI uses) with their endpoints on port 0, scraped
 * with plain http.get after private rounds; node-local drift after a node's CSV changes.
 * Then the operator's live views: `status --watch` and `round launch` progress.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../cli/main.js';
import type { CliIo } from '../../cli/io.js';
import { type CreatedNode, createNode } from '../../client/main.js';
import type { DriftReport } from '../../client/metrics/drift.js';
import { deferred } from '../../shared/async.js';
import { ManualClock, systemClock } from '../../shared/clock.js';
import { MemoryLogger } from '../../shared/logger.js';
import { SeededRandom } from '../../shared/random.js';
import type { RoundEvent } from '../../server/core/types.js';
import type { StartedCoordinator } from '../../server/main.js';
import { type RunningNode, startTestCoordinator, startTestNode, TestPki } from '../helpers/federation.js';
import { ConstantWork } from '../helpers/work.js';
import { COORDINATOR_FAMILIES, COORDINATOR_LABELS } from '../unit/metrics/allow-list.js';
import { familyNames, httpGet, scrape, valueOf } from '../unit/metrics/exposition.js';

const NAMES = ['hospital-north', 'hospital-south'];
const ROWS = 120;
/** 80% of the rows train (the default held-out fraction is 0.2). */
const TRAIN_ROWS = ROWS - Math.round(ROWS * 0.2);
/** logreg over 4 features and 2 classes: 4·2 + 2 parameters. */
const PARAMETERS = 10;

/** A CSV with 4 features and a label; `shift` moves feature f0 only. */
function csv(seed: number, shift = 0): string {
  const rng = new SeededRandom(seed);
  const lines = ['f0,f1,f2,f3,label'];
  for (let i = 0; i < ROWS; i++) {
    const f = [rng.nextFloat(), rng.nextFloat(), rng.nextFloat(), rng.nextFloat()];
    const label = (f[0] as number) + (f[1] as number) > 1 ? 1 : 0;
    lines.push(`${((f[0] as number) + shift).toFixed(4)},${f.slice(1).map((v) => v.toFixed(4)).join(',')},${label}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The next drift report of `node`. */
function nextCheck(node: CreatedNode): Promise<DriftReport | undefined> {
  const d = deferred<DriftReport | undefined>();
  const off = node.monitor?.drift?.onCheck((r) => {
    off?.();
    d.resolve(r);
  });
  return d.promise;
}

async function runRound(c: StartedCoordinator): Promise<RoundEvent> {
  let last: RoundEvent | undefined;
  for await (const e of c.coordinator.launch({ rounds: 1, settings: { noiseMultiplier: 1, clipNorm: 1 } }).events) last = e;
  assert.equal(last?.state, 'completed', last?.reason);
  return last as RoundEvent;
}

describe('metrics endpoints of a running federation (integration)', function () {
  let pki: TestPki;
  let dir: string;
  let coordinator: StartedCoordinator;
  const nodes: CreatedNode[] = [];
  const logs: MemoryLogger[] = [];
  const stops: { controller: AbortController; done: Promise<void> }[] = [];
  const finals: RoundEvent[] = [];
  let firstDrift: DriftReport | undefined;
  let secondDrift: DriftReport | undefined;

  before(async function () {
    pki = new TestPki();
    dir = mkdtempSync(join(tmpdir(), 'cohort-metrics-'));
    for (const name of NAMES) pki.issue(name, 'node');
    coordinator = await startTestCoordinator(pki, {
      model: { kind: 'logreg', features: 4, classes: 2 },
      settings: { minNodes: 2 },
      privacy: { epsilon: 50, delta: 1e-5 },
      monitoring: { endpoint: { host: '127.0.0.1', port: 0 }, regressionMargin: 0.05 },
    });
    for (const [i, name] of NAMES.entries()) {
      writeFileSync(join(dir, `${name}.csv`), csv(i + 1));
      const log = new MemoryLogger();
      logs.push(log);
      const node = await createNode(
        {
          address: `127.0.0.1:${coordinator.port}`,
          name,
          certsDir: pki.dir,
          work: { kind: 'data', data: { kind: 'csv', path: join(dir, `${name}.csv`), label: 'label' } },
          backoff: { initialMs: 50, maxMs: 500 },
          monitoring: { endpoint: { host: '127.0.0.1', port: 0 }, drift: { threshold: 0.2 } },
        },
        { log, clock: systemClock },
      );
      nodes.push(node);
      const controller = new AbortController();
      const done = node.daemon.run(controller.signal);
      done.catch(() => undefined);
      stops.push({ controller, done });
    }
    await Promise.all(nodes.map((n) => n.daemon.when('connected')));

    const north = nodes[0] as CreatedNode;
    let check = nextCheck(north);
    finals.push(await runRound(coordinator));
    firstDrift = await check;
    // The north hospital's data changes: feature f0 moves up by 0.5 (half its range).
    writeFileSync(join(dir, `${NAMES[0]}.csv`), csv(1, 0.5));
    check = nextCheck(north);
    finals.push(await runRound(coordinator));
    secondDrift = await check;
    // Counters of the nodes move once their last call of the round has returned.
    await Promise.all(nodes.map((n) => n.daemon.agent?.idle()));
  });

  after(async function () {
    for (const s of stops) s.controller.abort();
    await Promise.all(stops.map((s) => s.done.catch(() => undefined)));
    await Promise.all(nodes.map((n) => n.close()));
    await coordinator?.close();
    pki?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  const coordinatorPort = (): number => coordinator.monitor?.port as number;
  const nodePort = (i: number): number => nodes[i]?.monitor?.port as number;

  it('exports round counts, stage durations and the federated aggregate', async function () {
    const e = await scrape(coordinatorPort());
    assert.equal(valueOf(e, 'cohort_rounds_started_total'), 2);
    assert.equal(valueOf(e, 'cohort_rounds_completed_total'), 2);
    for (const stage of ['wait', 'select', 'train', 'evaluate', 'commit']) assert.equal(valueOf(e, 'cohort_round_stage_duration_seconds_count', { stage }), 2, stage);
    assert.equal(valueOf(e, 'cohort_round_duration_seconds_count', { state: 'completed' }), 2);
    const sumStages = ['wait', 'select', 'train', 'evaluate', 'commit'].reduce((s, stage) => s + valueOf(e, 'cohort_round_stage_duration_seconds_sum', { stage }), 0);
    assert.ok(Math.abs(sumStages - valueOf(e, 'cohort_round_duration_seconds_sum', { state: 'completed' })) < 1e-9, 'stage durations add up to the round durations');
    assert.equal(valueOf(e, 'cohort_round_participants_sum'), 4);
    assert.equal(valueOf(e, 'cohort_round_dropouts_sum'), 0);
    const last = finals[1] as RoundEvent;
    assert.equal(valueOf(e, 'cohort_federated_accuracy'), last.accuracy);
    assert.equal(valueOf(e, 'cohort_federated_loss'), last.loss);
    assert.equal(valueOf(e, 'cohort_nodes_connected'), 2);
    assert.equal(valueOf(e, 'cohort_nodes_known'), 2);
  });

  it('exports ε spent and remaining as the ledger has them', async function () {
    const e = await scrape(coordinatorPort());
    const spent = coordinator.coordinator.accountant.spent();
    assert.ok(spent > 0);
    assert.equal(valueOf(e, 'cohort_privacy_epsilon_spent'), spent);
    assert.equal(valueOf(e, 'cohort_privacy_epsilon_budget'), 50);
    assert.equal(valueOf(e, 'cohort_privacy_epsilon_remaining'), 50 - spent);
    assert.equal(spent, finals[1]?.epsilon);
  });

  it('times every RPC and bulk request by method and code and counts the bytes of updates and weights', async function () {
    const e = await scrape(coordinatorPort());
    assert.equal(valueOf(e, 'cohort_rpc_duration_seconds_count', { method: 'BulkUpdate', code: 'OK' }), 4);
    assert.equal(valueOf(e, 'cohort_rpc_duration_seconds_count', { method: 'SubmitEvaluation', code: 'OK' }), 4);
    // p99 is readable: the +Inf bucket holds every call.
    assert.equal(valueOf(e, 'cohort_rpc_duration_seconds_bucket', { method: 'BulkUpdate', code: 'OK', le: '+Inf' }), 4);
    // Four updates of PARAMETERS float32 each: exactly their payloads.
    assert.equal(valueOf(e, 'cohort_rpc_received_bytes_total', { method: 'BulkUpdate' }), 4 * PARAMETERS * 4);
    // Each model version travels to a node once: the initial model for round 1, the model
    // committed by round 1 (which the evaluation of round 1 and the training of round 2
    // share) and the one committed by round 2, to two nodes.
    assert.equal(valueOf(e, 'cohort_rpc_duration_seconds_count', { method: 'BulkFetch', code: 'OK' }), 6);
    assert.equal(valueOf(e, 'cohort_rpc_sent_bytes_total', { method: 'BulkFetch' }), 6 * PARAMETERS * 4);
    // The Join stream carries the Welcome and the tasks (which name a model version, no weights).
    assert.ok(valueOf(e, 'cohort_rpc_sent_bytes_total', { method: 'Join' }) > 0);
  });

  it('exports only allow-listed series, with no node name anywhere (privacy)', async function () {
    const body = (await httpGet(coordinatorPort(), '/metrics')).body;
    for (const name of NAMES) assert.ok(!body.includes(name), `${name} appears in the coordinator's metrics`);
    assert.ok(!/drift|cohort_node_/i.test(body), 'node-local figures must not reach the coordinator');
    const e = await scrape(coordinatorPort());
    assert.deepEqual(familyNames(e), [...COORDINATOR_FAMILIES].sort());
    for (const s of e.samples) {
      for (const [k, v] of Object.entries(s.labels)) assert.ok(COORDINATOR_LABELS[k]?.(v), `${s.name}: label ${k}="${v}" is not allowed`);
    }
  });

  it('exports each node\'s training time, speed and rounds on its own endpoint', async function () {
    for (const i of [0, 1]) {
      const e = await scrape(nodePort(i));
      assert.equal(valueOf(e, 'cohort_node_training_seconds_count'), 2);
      assert.equal(valueOf(e, 'cohort_node_training_examples_total'), 2 * TRAIN_ROWS);
      assert.ok(valueOf(e, 'cohort_node_training_examples_per_second') > 0);
      assert.equal(valueOf(e, 'cohort_node_rounds_trained_total'), 2);
      assert.equal(valueOf(e, 'cohort_node_evaluations_total'), 2);
      assert.equal(valueOf(e, 'cohort_node_rounds_declined_total', { reason: 'budget' }), 0);
      assert.equal(valueOf(e, 'cohort_node_connected'), 1);
    }
  });

  it('raises the drift alert on the node whose data changed, and only there', async function () {
    assert.equal(firstDrift?.drifted, 0);
    assert.equal(secondDrift?.drifted, 1);
    assert.equal(secondDrift?.worstFeature, 0);
    assert.ok((secondDrift?.maxPsi ?? 0) > 0.2);
    const north = await scrape(nodePort(0));
    assert.equal(valueOf(north, 'cohort_node_drift_features'), 1);
    assert.equal(valueOf(north, 'cohort_node_drift_psi_max'), secondDrift?.maxPsi);
    assert.equal(valueOf(north, 'cohort_node_drift_alerts_total'), 1);
    assert.ok(logs[0]?.lines.some((l) => l.level === 'warn' && /^input drift: 1 of 4 feature\(s\)/.test(l.msg)));
    const south = await scrape(nodePort(1));
    assert.equal(valueOf(south, 'cohort_node_drift_features'), 0);
    assert.equal(valueOf(south, 'cohort_node_drift_alerts_total'), 0);
  });

  it('answers /healthz and /readyz: ready while serving, a stopped node is not ready', async function () {
    assert.equal((await httpGet(coordinatorPort(), '/healthz')).status, 200);
    assert.equal((await httpGet(coordinatorPort(), '/readyz')).status, 200);
    assert.equal((await httpGet(nodePort(1), '/readyz')).status, 200);
    const south = stops[1] as { controller: AbortController; done: Promise<void> };
    south.controller.abort();
    await south.done;
    assert.deepEqual(await httpGet(nodePort(1), '/readyz'), { status: 503, body: 'not ready: not connected to the coordinator (stopped)\n', contentType: 'text/plain; charset=utf-8' });
    assert.equal((await httpGet(nodePort(1), '/healthz')).status, 200);
  });
});

/** A CliIo whose clock the test moves; `next()` resolves at the next write to stdout. */
function watchedIo(isTty: boolean, clock: ManualClock, signal: AbortSignal): { io: CliIo; out: () => string; err: () => string; next: () => Promise<string> } {
  let out = '';
  let err = '';
  let waiting: ((s: string) => void) | undefined;
  return {
    io: {
      out: (s) => {
        out += s;
        const w = waiting;
        waiting = undefined;
        w?.(s);
      },
      err: (s) => void (err += s),
      isTty,
      clock,
      shutdown: signal,
    },
    out: () => out,
    err: () => err,
    next: () => new Promise((resolve) => (waiting = resolve)),
  };
}

describe('status --watch and round launch progress against a live coordinator (integration)', function () {
  let pki: TestPki;
  let coordinator: StartedCoordinator;
  let nodes: RunningNode[] = [];
  let admin: string[] = [];

  before(async function () {
    pki = new TestPki();
    pki.issue('op', 'operator');
    for (const n of ['n1', 'n2']) pki.issue(n, 'node');
    coordinator = await startTestCoordinator(pki, { model: { kind: 'logreg', features: 4, classes: 2 }, settings: { minNodes: 2 } });
    nodes = ['n1', 'n2'].map((n) => startTestNode(pki, coordinator.port, n, new ConstantWork({ numExamples: 20, trainLoss: 0.5, evaluation: { numExamples: 10, accuracy: 0.6, loss: 0.9 } })));
    await Promise.all(nodes.map((n) => n.daemon.when('connected')));
    admin = ['--coordinator', `127.0.0.1:${coordinator.port}`, '--certs', pki.dir, '--name', 'op'];
  });

  after(async function () {
    await Promise.all(nodes.map((n) => n.stop()));
    await coordinator?.close();
    pki?.remove();
  });

  it('prints one plain snapshot per interval when not on a terminal, and stops on shutdown', async function () {
    const clock = new ManualClock(Date.now());
    const stop = new AbortController();
    const rec = watchedIo(false, clock, stop.signal);
    let snapshot = rec.next();
    const run = runCli(['status', '--watch', '--interval', '5', ...admin], rec.io);
    const first = await snapshot;
    assert.match(first, /^cohort cohort-coordinator\/\S+ {2}up /);
    assert.match(first, /\nnodes {4}2 connected \/ 2 known\n/);
    assert.match(first, /\ncurrent {2}idle\n/);
    assert.match(first, /\nepsilon {2}0\.000 spent \(no budget\)/);
    assert.ok(first.endsWith('\n\n'));
    assert.ok(!first.includes('\x1b'), 'no ANSI control off a terminal');
    assert.equal(clock.pending, 1, 'waiting for the next interval');
    snapshot = rec.next();
    clock.advance(5000);
    await snapshot;
    stop.abort();
    assert.equal(await run, 0, rec.err());
    assert.equal(rec.out().split('\n\n').filter((s) => s.startsWith('cohort ')).length, 2);
  });

  it('redraws in place with ANSI cursor control on a terminal and restores the cursor', async function () {
    const clock = new ManualClock(Date.now());
    const stop = new AbortController();
    const rec = watchedIo(true, clock, stop.signal);
    let snapshot = rec.next();
    const run = runCli(['status', '--watch', ...admin], rec.io);
    const first = await snapshot;
    assert.ok(first.startsWith('\x1b[?25l'), 'hides the cursor');
    assert.equal(first.split('\x1b[K\n').length - 1, 6, 'six lines, each cleared to its end');
    snapshot = rec.next();
    clock.advance(2000);
    assert.ok((await snapshot).startsWith('\x1b[6F\x1b[J'), 'moves back over the six lines');
    stop.abort();
    assert.equal(await run, 0, rec.err());
    assert.ok(rec.out().endsWith('\x1b[?25h'), 'shows the cursor again');
  });

  it('refuses --watch with --json, and --interval without --watch (exit 2)', async function () {
    for (const args of [['status', '--watch', '--json'], ['status', '--interval', '3'], ['status', '--watch', '--interval', '0']]) {
      const rec = watchedIo(false, new ManualClock(Date.now()), new AbortController().signal);
      assert.equal(await runCli([...args, ...admin], rec.io), 2, args.join(' '));
    }
  });

  it('round launch: a progress bar on a terminal, plain stage lines otherwise, --json unchanged', async function () {
    const tty = watchedIo(true, new ManualClock(Date.now()), new AbortController().signal);
    assert.equal(await runCli(['round', 'launch', '--rounds', '2', ...admin], tty.io), 0, tty.err());
    assert.match(tty.err(), /\r\x1b\[K\[#*-*\] 0\/2 · round \d+: train · 2 selected · \d+\.\d s/);
    assert.match(tty.err(), /\r\x1b\[K\[#*-*\] 1\/2 · round \d+: commit/);
    assert.ok(tty.err().endsWith('\r\x1b[K'), 'the bar is cleared at the end');
    assert.equal(tty.out().split('\n').filter((l) => /^round \d+ \([12]\/2\) {2}accuracy 0\.6000/.test(l)).length, 2);

    const plain = watchedIo(false, new ManualClock(Date.now()), new AbortController().signal);
    assert.equal(await runCli(['round', 'launch', '--rounds', '1', ...admin], plain.io), 0, plain.err());
    assert.match(plain.err(), /^round \d+ \(1\/1\): train — 2 selected$/m);
    assert.ok(!plain.err().includes('\x1b'));

    const json = watchedIo(true, new ManualClock(Date.now()), new AbortController().signal);
    assert.equal(await runCli(['round', 'launch', '--rounds', '1', '--json', ...admin], json.io), 0, json.err());
    const doc = JSON.parse(json.out()) as { rounds: { status: string; participants: number }[]; final: { accuracy: number } };
    assert.deepEqual(doc.rounds.map((r) => [r.status, r.participants]), [['completed', 2]]);
    assert.equal(doc.final.accuracy, 0.6);
  });
});
