import assert from 'node:assert/strict';
import { MemoryLogger } from '../../../shared/logger.js';
import type { RoundEvent, RoundStage } from '../../../server/core/types.js';
import { CoordinatorMetrics } from '../../../server/metrics/coordinator-metrics.js';
import { COORDINATOR_FAMILIES, COORDINATOR_LABELS } from './allow-list.js';
import { type Exposition, familyNames, labelNames, parseExposition, valueOf } from './exposition.js';

/** Builds the event stream of one round the way the core emits it. */
class RoundScript {
  readonly events: RoundEvent[] = [];
  private base: RoundEvent;

  constructor(round: number) {
    this.base = { round, state: 'running', selected: 0, participants: 0, evaluated: 0, seconds: 0, startedAtMs: 1_000_000, index: 1, of: 1 };
  }

  stage(stage: RoundStage, seconds: number, fields: Partial<RoundEvent> = {}): this {
    this.base = { ...this.base, ...fields, stage, seconds };
    this.events.push(this.base);
    return this;
  }

  end(state: 'completed' | 'skipped' | 'failed' | 'refused', seconds: number, fields: Partial<RoundEvent> = {}): RoundEvent[] {
    const { stage: _stage, ...rest } = this.base;
    this.events.push({ ...rest, ...fields, state, seconds });
    return this.events;
  }
}

const completed = (round: number, accuracy: number, loss: number): RoundEvent[] =>
  new RoundScript(round)
    .stage('wait', 0)
    .stage('select', 0.5)
    .stage('train', 0.75, { selected: 3 })
    .stage('evaluate', 2.75, { participants: 3 })
    .stage('commit', 3)
    .end('completed', 3.25, { participants: 3, evaluated: 3, accuracy, loss });

const view = {
  status: () => ({ connectedNodes: 3, knownNodes: 4, queuedRounds: 2 }),
  accountant: { budget: { epsilon: 8 }, spent: () => 1.5 },
  models: () => [],
};

async function exposition(m: CoordinatorMetrics): Promise<Exposition> {
  return parseExposition(await m.registry.metrics());
}

describe('coordinator metrics (server/metrics)', function () {
  let log: MemoryLogger;
  let m: CoordinatorMetrics;
  let e: Exposition;

  before(async function () {
    log = new MemoryLogger();
    m = new CoordinatorMetrics({ log, regressionMargin: 0.05 });
    m.bind(view);
    const rounds = [
      completed(1, 0.8, 0.5),
      new RoundScript(2).stage('wait', 0).end('skipped', 10, { reason: 'only 1 node(s) connected after waiting 10 s; at least 2 needed' }),
      new RoundScript(3)
        .stage('wait', 0)
        .stage('select', 0.5)
        .stage('train', 0.5, { selected: 3 })
        .end('failed', 20.5, { participants: 1, reason: 'only 1 of 3 selected nodes returned a valid update (2 dropped, timed out, declined or were rejected); at least 2 needed — the global model is unchanged' }),
      new RoundScript(4).end('refused', 0, { reason: 'privacy budget exceeded: budget ε = 8.000 (δ = 1e-5), spent 7.900, this round would bring it to 8.100' }),
      completed(5, 0.7, 0.6),
      completed(6, 0.78, 0.55),
    ];
    for (const events of rounds) for (const ev of events) m.observe(ev);
    m.rpcFinished('BulkUpdate', 'OK', 0.004);
    m.rpcFinished('BulkUpdate', 'OK', 0.02);
    m.rpcFinished('Decline', 'FAILED_PRECONDITION', 0.001);
    m.rpcBytes('BulkUpdate', 'received', 1000);
    m.rpcBytes('BulkUpdate', 'received', 24);
    m.rpcBytes('Join', 'sent', 4096);
    e = await exposition(m);
  });

  it('counts rounds started, completed and aborted by state and reason class', function () {
    assert.equal(valueOf(e, 'cohort_rounds_started_total'), 6);
    assert.equal(valueOf(e, 'cohort_rounds_completed_total'), 3);
    assert.equal(valueOf(e, 'cohort_rounds_aborted_total', { state: 'skipped', reason: 'too_few_nodes' }), 1);
    assert.equal(valueOf(e, 'cohort_rounds_aborted_total', { state: 'failed', reason: 'dropouts' }), 1);
    assert.equal(valueOf(e, 'cohort_rounds_aborted_total', { state: 'refused', reason: 'budget' }), 1);
    for (const reason of ['shutdown', 'storage', 'other']) assert.equal(valueOf(e, 'cohort_rounds_aborted_total', { state: 'failed', reason }), 0);
    assert.equal(valueOf(e, 'cohort_rounds_aborted_total', { state: 'skipped', reason: 'too_few_selected' }), 0);
  });

  it('derives stage durations from consecutive events and round durations from the final one', function () {
    // Three completed rounds: wait 0.5, select 0.25, train 2, evaluate 0.25, commit 0.25 each;
    // round 2 waited 10 s; round 3: wait 0.5, select 0, train 20.
    const stage = (s: string): [number, number] => [valueOf(e, 'cohort_round_stage_duration_seconds_count', { stage: s }), valueOf(e, 'cohort_round_stage_duration_seconds_sum', { stage: s })];
    assert.deepEqual(stage('wait'), [5, 0.5 * 4 + 10]);
    assert.deepEqual(stage('select'), [4, 0.25 * 3]);
    assert.deepEqual(stage('train'), [4, 2 * 3 + 20]);
    assert.deepEqual(stage('evaluate'), [3, 0.75]);
    assert.deepEqual(stage('commit'), [3, 0.75]);
    assert.equal(valueOf(e, 'cohort_round_duration_seconds_count', { state: 'completed' }), 3);
    assert.equal(valueOf(e, 'cohort_round_duration_seconds_sum', { state: 'completed' }), 3 * 3.25);
    assert.equal(valueOf(e, 'cohort_round_duration_seconds_sum', { state: 'failed' }), 20.5);
    // The 10 s wait falls in the le="10" bucket, not le="5".
    assert.equal(valueOf(e, 'cohort_round_stage_duration_seconds_bucket', { stage: 'wait', le: '5' }), 4);
    assert.equal(valueOf(e, 'cohort_round_stage_duration_seconds_bucket', { stage: 'wait', le: '10' }), 5);
  });

  it('records participants and dropouts of rounds that sent out work, not of skipped or refused ones', function () {
    assert.equal(valueOf(e, 'cohort_round_participants_count'), 4);
    assert.equal(valueOf(e, 'cohort_round_participants_sum'), 3 + 1 + 3 + 3);
    assert.equal(valueOf(e, 'cohort_round_dropouts_sum'), 2);
    assert.equal(valueOf(e, 'cohort_last_round_selected'), 3);
    assert.equal(valueOf(e, 'cohort_last_round_participants'), 3);
    assert.equal(valueOf(e, 'cohort_last_round_dropouts'), 0);
  });

  it('exports the federated aggregate accuracy and loss of the last committed round', function () {
    assert.equal(valueOf(e, 'cohort_federated_accuracy'), 0.78);
    assert.equal(valueOf(e, 'cohort_federated_loss'), 0.55);
    assert.equal(valueOf(e, 'cohort_federated_accuracy_best'), 0.8);
  });

  it('reads nodes, queued rounds and ε at scrape time', function () {
    assert.equal(valueOf(e, 'cohort_nodes_connected'), 3);
    assert.equal(valueOf(e, 'cohort_nodes_known'), 4);
    assert.equal(valueOf(e, 'cohort_rounds_queued'), 2);
    assert.equal(valueOf(e, 'cohort_privacy_epsilon_spent'), 1.5);
    assert.equal(valueOf(e, 'cohort_privacy_epsilon_budget'), 8);
    assert.equal(valueOf(e, 'cohort_privacy_epsilon_remaining'), 6.5);
  });

  it('records RPC latency by method and code, and bytes by method', function () {
    assert.equal(valueOf(e, 'cohort_rpc_duration_seconds_count', { method: 'BulkUpdate', code: 'OK' }), 2);
    assert.equal(valueOf(e, 'cohort_rpc_duration_seconds_bucket', { method: 'BulkUpdate', code: 'OK', le: '0.005' }), 1);
    assert.equal(valueOf(e, 'cohort_rpc_duration_seconds_count', { method: 'Decline', code: 'FAILED_PRECONDITION' }), 1);
    assert.equal(valueOf(e, 'cohort_rpc_received_bytes_total', { method: 'BulkUpdate' }), 1024);
    assert.equal(valueOf(e, 'cohort_rpc_sent_bytes_total', { method: 'Join' }), 4096);
  });

  it('exports exactly the allow-listed series and labels, with label values from closed sets (privacy)', function () {
    assert.deepEqual(familyNames(e), [...COORDINATOR_FAMILIES].sort());
    assert.deepEqual(labelNames(e), Object.keys(COORDINATOR_LABELS).sort());
    for (const s of e.samples) {
      for (const [k, v] of Object.entries(s.labels)) assert.ok(COORDINATOR_LABELS[k]?.(v), `${s.name}: label ${k}="${v}" is outside its closed set`);
    }
  });

  it('reports +Inf budget and remaining ε without a budget', async function () {
    const m2 = new CoordinatorMetrics({ log: new MemoryLogger() });
    m2.bind({ ...view, accountant: { budget: { epsilon: undefined }, spent: () => 0 } });
    const e2 = await exposition(m2);
    assert.equal(valueOf(e2, 'cohort_privacy_epsilon_budget'), Infinity);
    assert.equal(valueOf(e2, 'cohort_privacy_epsilon_remaining'), Infinity);
    assert.equal(valueOf(e2, 'cohort_rounds_started_total'), 0);
  });

  it('keeps registries apart: two coordinators in one process do not share series', async function () {
    const a = new CoordinatorMetrics({ log: new MemoryLogger() });
    const b = new CoordinatorMetrics({ log: new MemoryLogger() });
    for (const ev of completed(1, 0.5, 1)) a.observe(ev);
    assert.equal(valueOf(await exposition(a), 'cohort_rounds_completed_total'), 1);
    assert.equal(valueOf(await exposition(b), 'cohort_rounds_completed_total'), 0);
  });

  it('never throws from the observer, even on a malformed event', function () {
    const bad = { round: 9, state: 'running', stage: 'train', selected: 0, participants: 0, evaluated: 0, seconds: NaN, startedAtMs: 0, index: 1, of: 1 } as RoundEvent;
    const log3 = new MemoryLogger();
    const m3 = new CoordinatorMetrics({ log: log3 });
    m3.observe(bad);
    m3.observe({ ...bad, state: 'completed', accuracy: 7, loss: 1 });
    assert.ok(log3.lines.some((l) => l.level === 'error' && l.msg === 'metrics could not record a round event' && l.fields['round'] === 9));
  });
});
