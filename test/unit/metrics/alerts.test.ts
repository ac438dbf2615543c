import assert from 'node:assert/strict';
import { CohortError } from '../../../shared/errors.js';
import { MemoryLogger } from '../../../shared/logger.js';
import type { RoundEvent } from '../../../server/core/types.js';
import { CoordinatorMetrics } from '../../../server/metrics/coordinator-metrics.js';
import { abortReason } from '../../../server/metrics/outcome.js';
import { AccuracyRegression } from '../../../server/metrics/regression.js';
import { parseExposition, valueOf } from './exposition.js';

function committed(round: number, accuracy: number): RoundEvent[] {
  const base = { round, selected: 2, participants: 2, evaluated: 2, startedAtMs: 0, index: 1, of: 1 };
  return [
    { ...base, state: 'running', stage: 'wait', seconds: 0 },
    { ...base, state: 'running', stage: 'commit', seconds: 1 },
    { ...base, state: 'completed', seconds: 1, accuracy, loss: 1 - accuracy },
  ];
}

describe('accuracy regression alert (server/metrics/regression)', function () {
  it('flags a round more than the margin below the best round before it', function () {
    const r = new AccuracyRegression(0.05);
    assert.deepEqual(r.observe(1, 0.6), { regressed: false, best: undefined, bestRound: undefined, drop: 0 });
    assert.equal(r.observe(2, 0.9).regressed, false);
    const v = r.observe(3, 0.8);
    assert.equal(v.regressed, true);
    assert.equal(v.best, 0.9);
    assert.equal(v.bestRound, 2);
    assert.ok(Math.abs(v.drop - 0.1) < 1e-12);
    // Within the margin, and exactly at it (0.90 → 0.85 is not *more* than 0.05).
    assert.equal(r.observe(4, 0.86).regressed, false);
    assert.equal(r.observe(5, 0.85).regressed, false);
    assert.equal(r.observe(6, 0.849).regressed, true);
    // The best only moves up.
    assert.deepEqual(r.record, { accuracy: 0.9, round: 2 });
    assert.equal(r.observe(7, 0.95).regressed, false);
    assert.equal(r.observe(8, 0.91).regressed, false);
    assert.equal(r.observe(9, 0.89).regressed, true);
  });

  it('honours a configured margin and refuses a bad one', function () {
    const strict = new AccuracyRegression(0);
    strict.observe(1, 0.9);
    assert.equal(strict.observe(2, 0.899).regressed, true);
    const lax = new AccuracyRegression(0.5);
    lax.observe(1, 0.9);
    assert.equal(lax.observe(2, 0.5).regressed, false);
    for (const bad of [-0.1, 1.5, NaN]) assert.throws(() => new AccuracyRegression(bad), (e: unknown) => e instanceof CohortError && e.code === 'invalid_argument');
    assert.throws(() => strict.observe(3, 1.2), /accuracy must be in \[0, 1\]/);
  });

  it('raises the gauge, counts and logs a warning; clears the gauge when accuracy recovers', async function () {
    const log = new MemoryLogger();
    const m = new CoordinatorMetrics({ log, regressionMargin: 0.05 });
    const scrape = async () => parseExposition(await m.registry.metrics());
    for (const ev of committed(1, 0.9)) m.observe(ev);
    let e = await scrape();
    assert.equal(valueOf(e, 'cohort_accuracy_regression'), 0);
    assert.equal(valueOf(e, 'cohort_accuracy_regression_margin'), 0.05);
    for (const ev of committed(2, 0.8)) m.observe(ev);
    e = await scrape();
    assert.equal(valueOf(e, 'cohort_accuracy_regression'), 1);
    assert.equal(valueOf(e, 'cohort_accuracy_regressions_total'), 1);
    const warn = log.lines.filter((l) => l.level === 'warn');
    assert.equal(warn.length, 1);
    assert.match(warn[0]?.msg ?? '', /^cohort accuracy regression: round 2 reached 0\.8000, 0\.1000 below the best so far \(0\.9000 in round 1\); margin 0\.05$/);
    assert.equal(warn[0]?.fields['bestRound'], 1);
    for (const ev of committed(3, 0.88)) m.observe(ev);
    e = await scrape();
    assert.equal(valueOf(e, 'cohort_accuracy_regression'), 0);
    assert.equal(valueOf(e, 'cohort_accuracy_regressions_total'), 1);
  });

  it('remembers the best accuracy of committed models across a restart', async function () {
    const log = new MemoryLogger();
    const m = new CoordinatorMetrics({ log, regressionMargin: 0.05 });
    m.bind({
      status: () => ({ connectedNodes: 0, knownNodes: 0, queuedRounds: 0 }),
      accountant: { budget: { epsilon: undefined }, spent: () => 0 },
      models: () => [{ round: 1, accuracy: 0.7 }, { round: 2, accuracy: 0.92 }, { round: 3 }],
    });
    for (const ev of committed(4, 0.8)) m.observe(ev);
    const e = parseExposition(await m.registry.metrics());
    assert.equal(valueOf(e, 'cohort_accuracy_regression'), 1);
    assert.equal(valueOf(e, 'cohort_federated_accuracy_best'), 0.92);
    assert.match(log.lines[0]?.msg ?? '', /best so far \(0\.9200 in round 2\)/);
  });
});

describe('round outcome classes (server/metrics/outcome)', function () {
  it('classifies the core\'s reasons into the closed set', function () {
    assert.equal(abortReason('refused', 'privacy budget exceeded: ...', undefined), 'budget');
    assert.equal(abortReason('skipped', 'only 1 node(s) connected after waiting 60 s; at least 2 needed', 'wait'), 'too_few_nodes');
    assert.equal(abortReason('skipped', 'only 1 of 3 connected nodes were selected (sample rate 0.3); at least 2 needed', 'select'), 'too_few_selected');
    assert.equal(abortReason('failed', 'only 1 of 3 selected nodes returned a valid update (2 dropped, timed out, declined or were rejected); at least 2 needed — the global model is unchanged', 'train'), 'dropouts');
    assert.equal(abortReason('failed', 'secure aggregation aborted, nothing was released: only 1 survivors', 'secure-aggregation'), 'dropouts');
    assert.equal(abortReason('failed', 'coordinator shut down during training', 'train'), 'shutdown');
    assert.equal(abortReason('failed', 'coordinator shut down', 'wait'), 'shutdown');
    assert.equal(abortReason('failed', 'could not record the round durably, nothing was released: disk full', 'commit'), 'storage');
    assert.equal(abortReason('failed', 'internal error: boom', 'train'), 'other');
    assert.equal(abortReason('failed', undefined, undefined), 'other');
  });
});
