import assert from 'node:assert/strict';
import { deferred } from '../../../shared/async.js';
import { MemoryLogger } from '../../../shared/logger.js';
import type { AgentStats, IncomingTask, LocalWork } from '../../../client/core/agent.js';
import type { DaemonState } from '../../../client/grpc/daemon.js';
import { DriftMonitor, type FeatureRows } from '../../../client/metrics/drift.js';
import { NodeMonitor, type WatchedDaemon } from '../../../client/metrics/monitor.js';
import { NodeMetrics } from '../../../client/metrics/node-metrics.js';
import { parseExposition, valueOf } from './exposition.js';

/** 500 rows of 3 features: a ramp, its mirror, and a constant. */
function rows(shift = 0): FeatureRows {
  const n = 500;
  const x = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    x[i * 3] = i / n + shift;
    x[i * 3 + 1] = 1 - i / n;
    x[i * 3 + 2] = 4;
  }
  return { features: 3, x };
}

/** A daemon whose state the test drives. */
class FakeDaemon implements WatchedDaemon {
  state: DaemonState = 'connecting';
  sessions = 0;
  agent: { stats: AgentStats; idle(): Promise<void> } | undefined;
  private readonly waiting: { state: DaemonState; resolve: () => void }[] = [];

  when(state: DaemonState): Promise<void> {
    if (this.state === state) return Promise.resolve();
    const d = deferred<void>();
    this.waiting.push({ state, resolve: d.resolve });
    return d.promise;
  }

  set(state: DaemonState): void {
    this.state = state;
    for (const w of this.waiting.splice(0)) {
      if (w.state === state) w.resolve();
      else this.waiting.push(w);
    }
  }

  connect(stats: Partial<AgentStats>): AgentStats {
    const full = { trained: 0, evaluated: 0, declined: 0, failed: 0, cancelled: 0, declinedForBudget: 0, ...stats };
    this.agent = { stats: full, idle: () => Promise.resolve() };
    this.sessions += 1;
    this.set('connected');
    return full;
  }
}

/** Let queued promise continuations run (no timers involved). */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

describe('node drift monitor (client/metrics/drift)', function () {
  it('reports no drift for the data at join, drift after a shift, and logs a warning only then', async function () {
    let current = rows();
    const log = new MemoryLogger();
    const metrics = new NodeMetrics();
    const monitor = new DriftMonitor(rows(), () => Promise.resolve(current), {}, log, metrics);
    const same = await monitor.check();
    assert.equal(same?.drifted, 0);
    assert.equal(same?.maxPsi, 0);
    assert.equal(log.lines.filter((l) => l.level === 'warn').length, 0);

    current = rows(0.5);
    const shifted = await monitor.check();
    assert.equal(shifted?.drifted, 1);
    assert.equal(shifted?.worstFeature, 0);
    assert.ok((shifted?.maxPsi ?? 0) > 0.2);
    const warn = log.lines.filter((l) => l.level === 'warn');
    assert.equal(warn.length, 1);
    assert.match(warn[0]?.msg ?? '', /^input drift: 1 of 3 feature\(s\) have PSI above 0\.2 against the data at join \(max \d+\.\d{3}, feature 0\)$/);

    const e = parseExposition(await metrics.registry.metrics());
    assert.equal(valueOf(e, 'cohort_node_drift_checks_total'), 2);
    assert.equal(valueOf(e, 'cohort_node_drift_alerts_total'), 1);
    assert.equal(valueOf(e, 'cohort_node_drift_features'), 1);
    assert.equal(valueOf(e, 'cohort_node_drift_psi_max'), shifted?.maxPsi);
  });

  it('honours the threshold and bins it is given', async function () {
    const metrics = new NodeMetrics();
    const monitor = new DriftMonitor(rows(), () => Promise.resolve(rows(0.5)), { threshold: 100, bins: 4 }, new MemoryLogger(), metrics);
    const r = await monitor.check();
    assert.equal(r?.threshold, 100);
    assert.equal(r?.drifted, 0);
    assert.throws(() => new DriftMonitor(rows(), () => Promise.resolve(rows()), { threshold: 0 }, new MemoryLogger(), metrics), /--drift-threshold/);
  });

  it('counts a check that cannot read or compare the data as failed, without throwing', async function () {
    const metrics = new NodeMetrics();
    const log = new MemoryLogger();
    let source: () => Promise<FeatureRows> = () => Promise.reject(new Error('file vanished'));
    const monitor = new DriftMonitor(rows(), () => source(), {}, log, metrics);
    assert.equal(await monitor.check(), undefined);
    source = () => Promise.resolve({ features: 2, x: new Float32Array(4) });
    assert.equal(await monitor.check(), undefined);
    const e = parseExposition(await metrics.registry.metrics());
    assert.equal(valueOf(e, 'cohort_node_drift_check_failures_total'), 2);
    assert.deepEqual(
      log.lines.map((l) => l.fields['err']),
      ['file vanished', 'the data now has 2 features, 3 when the node joined'],
    );
  });

  it('runs one check at a time and tells listeners about each', async function () {
    const gate = deferred<FeatureRows>();
    let reads = 0;
    const monitor = new DriftMonitor(rows(), () => (reads++, gate.promise), {}, new MemoryLogger(), new NodeMetrics());
    const seen: (number | undefined)[] = [];
    monitor.onCheck((r) => seen.push(r?.drifted));
    const a = monitor.check();
    const b = monitor.check();
    gate.resolve(rows(0.5));
    assert.equal(await a, await b);
    assert.equal(reads, 1);
    assert.deepEqual(seen, [1]);
  });
});

describe('node metrics (client/metrics)', function () {
  it('times local training and evaluation and counts examples over epochs', async function () {
    const monitor = new NodeMonitor({ drift: false }, new MemoryLogger());
    const inner: LocalWork = {
      incompatibility: () => undefined,
      train: () => ({ delta: new Float32Array(2), numExamples: 150, trainLoss: 0.3 }),
      evaluate: () => ({ numExamples: 10, accuracy: 0.5, loss: 1 }),
    };
    const work = monitor.wrap(inner);
    const task = { train: { epochs: 2, batchSize: 8, learningRate: 0.1 } } as IncomingTask;
    const update = await work.train(task, new Float32Array(2));
    assert.equal(update.numExamples, 150);
    await work.evaluate(task, new Float32Array(2));
    const e = parseExposition(await monitor.metrics.registry.metrics());
    assert.equal(valueOf(e, 'cohort_node_training_seconds_count'), 1);
    assert.equal(valueOf(e, 'cohort_node_training_examples_total'), 300);
    assert.equal(valueOf(e, 'cohort_node_evaluation_seconds_count'), 1);
    assert.ok(valueOf(e, 'cohort_node_training_examples_per_second') > 0);
    assert.equal(monitor.drift, undefined);
  });

  it('runs the drift check after each round\'s evaluation', async function () {
    const monitor = new NodeMonitor({ drift: { threshold: 0.2 } }, new MemoryLogger());
    monitor.watchData(rows(), () => Promise.resolve(rows(0.5)));
    const checked = deferred<number | undefined>();
    monitor.drift?.onCheck((r) => checked.resolve(r?.drifted));
    const work = monitor.wrap({ incompatibility: () => undefined, train: () => ({ delta: new Float32Array(1), numExamples: 1, trainLoss: 0 }), evaluate: () => ({ numExamples: 1, accuracy: 1, loss: 0 }) });
    await work.evaluate({ train: { epochs: 1 } } as IncomingTask, new Float32Array(1));
    assert.equal(await checked.promise, 1);
    const e = parseExposition(await monitor.metrics.registry.metrics());
    assert.equal(valueOf(e, 'cohort_node_drift_threshold'), 0.2);
  });

  it('sums agent counters over sessions, splits declines by reason, and reads the node\'s own ε', async function () {
    const daemon = new FakeDaemon();
    const monitor = new NodeMonitor({ drift: false }, new MemoryLogger());
    monitor.bind(daemon, { epsilon: 3, spent: () => 1.25 });
    const scrape = async () => parseExposition(await monitor.metrics.registry.metrics());

    let e = await scrape();
    assert.equal(valueOf(e, 'cohort_node_connected'), 0);
    assert.equal(valueOf(e, 'cohort_node_rounds_declined_total', { reason: 'budget' }), 0);

    const first = daemon.connect({ trained: 2, evaluated: 3, declined: 1 });
    await settle();
    e = await scrape();
    assert.equal(valueOf(e, 'cohort_node_connected'), 1);
    assert.equal(valueOf(e, 'cohort_node_rounds_trained_total'), 2);
    // The session ends; its agent finishes one more declined task (its own budget) before going idle.
    first.declined += 1;
    first.declinedForBudget += 1;
    daemon.set('backoff');
    await settle();
    daemon.set('connecting');
    daemon.connect({ trained: 1, evaluated: 1 });
    await settle();
    e = await scrape();
    assert.equal(valueOf(e, 'cohort_node_sessions'), 2);
    assert.equal(valueOf(e, 'cohort_node_rounds_trained_total'), 3);
    assert.equal(valueOf(e, 'cohort_node_evaluations_total'), 4);
    assert.equal(valueOf(e, 'cohort_node_rounds_declined_total', { reason: 'budget' }), 1);
    assert.equal(valueOf(e, 'cohort_node_rounds_declined_total', { reason: 'other' }), 1);
    assert.equal(valueOf(e, 'cohort_node_privacy_epsilon_spent'), 1.25);
    assert.equal(valueOf(e, 'cohort_node_privacy_epsilon_budget'), 3);
    // A later scrape during backoff counts nothing twice.
    daemon.set('backoff');
    await settle();
    e = await scrape();
    assert.equal(valueOf(e, 'cohort_node_rounds_trained_total'), 3);
    assert.equal(valueOf(e, 'cohort_node_connected'), 0);
  });
});
