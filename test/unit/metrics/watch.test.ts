import assert from 'node:assert/strict';
import { watchView } from '../../../cli/commands/status.js';
import { bar, epsilonLine, launchBar, stageChain, stageFraction } from '../../../cli/progress.js';
import type { RoundEvent__Output } from '../../../shared/wire/generated/cohort/v1/RoundEvent.js';
import type { StatusReply__Output } from '../../../shared/wire/generated/cohort/v1/StatusReply.js';

function event(fields: Partial<RoundEvent__Output>): RoundEvent__Output {
  return {
    round: 1,
    status: 'ROUND_STATUS_RUNNING',
    stage: '',
    selected: 0,
    participants: 0,
    evaluated: 0,
    hasMetrics: false,
    accuracy: 0,
    loss: 0,
    seconds: 0,
    reason: '',
    startedAtMs: 0,
    index: 1,
    of: 1,
    hasEpsilon: false,
    epsilon: 0,
    ...fields,
  } as RoundEvent__Output;
}

const T0 = Date.parse('2025-03-01T10:00:00Z');

function status(fields: Partial<StatusReply__Output> = {}): StatusReply__Output {
  return {
    coordinatorVersion: 'cohort-coordinator/0.1.0',
    startedAtMs: T0,
    model: { kind: 'logreg', features: 4, classes: 2, hidden: 0 },
    numParameters: 10,
    connectedNodes: 3,
    knownNodes: 4,
    current: event({ round: 13, stage: 'train', selected: 3, seconds: 12.34, index: 2, of: 5 }),
    recent: [
      event({ round: 12, status: 'ROUND_STATUS_COMPLETED', hasMetrics: true, accuracy: 0.91234, loss: 0.28111, participants: 3, selected: 3, seconds: 4.1, hasEpsilon: true, epsilon: 1.2346 }),
    ],
    queuedRounds: 3,
    completedRounds: 12,
    privacy: { hasBudget: true, budgetEpsilon: 4, delta: 1e-5, spentEpsilon: 1.2346, ledgerEntries: 12 },
    ...fields,
  } as StatusReply__Output;
}

describe('status --watch view and round progress (cli)', function () {
  it('draws bars, stage chains and the launch bar (short enough never to wrap)', function () {
    assert.equal(bar(0.5, 10), '[#####-----]');
    assert.equal(bar(2, 4), '[####]');
    assert.equal(bar(NaN, 4), '[----]');
    assert.equal(stageChain('train'), 'wait > select > [train] > commit > evaluate');
    assert.equal(stageChain('secure-aggregation'), 'wait > select > [secure-aggregation] > commit > evaluate');
    assert.equal(stageFraction('wait'), 0.1);
    assert.equal(stageFraction('commit'), 0.7);
    assert.equal(stageFraction('evaluate'), 0.9);
    assert.equal(
      launchBar(event({ round: 7, stage: 'evaluate', selected: 2, seconds: 3.21, index: 2, of: 4 }), 1),
      '[##########----------] 1/4 · round 7: evaluate · 2 selected · 3.2 s',
    );
    assert.ok(launchBar(event({ round: 123456, stage: 'secure-aggregation', selected: 1000, seconds: 86400, index: 99999, of: 100000 }), 99998).length < 80);
    assert.equal(epsilonLine(1, 4, 1e-5), '[######------------------] 1.000 / 4 (25%), δ = 0.00001');
    assert.equal(epsilonLine(0.5, undefined, 1e-6), '0.5000 spent (no budget), δ = 0.000001');
  });

  it('renders the compact live view', function () {
    assert.deepEqual(watchView(status(), T0 + 3_723_000), [
      'cohort cohort-coordinator/0.1.0  up 1h 02m  at 11:02:03 UTC',
      'nodes    3 connected / 4 known',
      'rounds   12 completed, 3 queued',
      'current  round 13 (2/5)  wait > select > [train] > commit > evaluate  12.3 s, 3 selected',
      'epsilon  [#######-----------------] 1.235 / 4 (31%), δ = 0.00001',
      'last     round 12  accuracy 0.9123  loss 0.2811  participants 3/3  ε 1.235  4.10 s',
    ]);
  });

  it('shows an idle coordinator without budget or rounds', function () {
    const view = watchView(status({ current: null, recent: [], privacy: { hasBudget: false, budgetEpsilon: 0, delta: 1e-5, spentEpsilon: 0, ledgerEntries: 0 } }), T0 + 5_000);
    assert.equal(view[3], 'current  idle');
    assert.equal(view[4], 'epsilon  0.000 spent (no budget), δ = 0.00001');
    assert.equal(view[5], 'last     none yet');
    assert.match(view[0] ?? '', /up 0m 05s/);
  });
});
