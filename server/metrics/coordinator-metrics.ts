/**
 * The coordinator's Prometheus metrics, fed by the core's round observer, the gRPC
 * adapter (latency and bytes per method) and, at scrape time, the registry and the
 * privacy accountant.
 *
 * Privacy-safe by construction: every series is an aggregate over the cohort. No label
 * carries a node name, and nothing is derived from a single node's update or evaluation
 * (no per-node norms, losses or accuracies; only the federated aggregate the round
 * already reports). test/unit/metrics pins the full list of series and label names, so
 * a per-node label cannot slip in unnoticed.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Logger } from '../../shared/logger.js';
import type { RoundEvent, RoundStage } from '../core/types.js';
import { ABORT_OUTCOMES, type AbortState, abortReason } from './outcome.js';
import { AccuracyRegression, DEFAULT_REGRESSION_MARGIN } from './regression.js';
import type { RpcRecorder } from './rpc.js';

/** What the scrape-time gauges read from the running coordinator (the Coordinator class satisfies it). */
export interface CoordinatorView {
  status(): { readonly connectedNodes: number; readonly knownNodes: number; readonly queuedRounds: number };
  readonly accountant: { readonly budget: { readonly epsilon: number | undefined }; spent(): number };
  /** Committed models, so the regression alert remembers the best accuracy across restarts. */
  models(): readonly { readonly round: number; readonly accuracy?: number }[];
}

/** Options of the coordinator's metrics. */
export interface CoordinatorMetricsOptions {
  readonly log: Logger;
  /** Accuracy drop below the best round that raises the regression alert (default 0.05). */
  readonly regressionMargin?: number;
}

const ROUND_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
const STAGE_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
/** Unary calls take milliseconds; Join streams last as long as a node's session. */
const RPC_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600];
const COUNT_BUCKETS = [0, 1, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000];

/** Stages after which the selected nodes had been sent work: only then is a missing update a dropout. */
const WORKED: ReadonlySet<RoundStage> = new Set(['train', 'secure-aggregation', 'evaluate', 'commit']);

/** The coordinator's metrics on their own registry (several coordinators can share a process). */
export class CoordinatorMetrics implements RpcRecorder {
  readonly registry = new Registry();
  private readonly regression: AccuracyRegression;
  /** The running round's current stage and when (seconds into the round) it began. */
  private current: { round: number; stage: RoundStage; at: number } | undefined;
  private readonly log: Logger;

  private readonly started: Counter;
  private readonly completed: Counter;
  private readonly aborted: Counter<'state' | 'reason'>;
  private readonly roundSeconds: Histogram<'state'>;
  private readonly stageSeconds: Histogram<'stage'>;
  private readonly participants: Histogram;
  private readonly dropouts: Histogram;
  private readonly lastSelected: Gauge;
  private readonly lastParticipants: Gauge;
  private readonly lastDropouts: Gauge;
  private readonly accuracy: Gauge;
  private readonly loss: Gauge;
  private readonly bestAccuracy: Gauge;
  private readonly regressed: Gauge;
  private readonly regressions: Counter;
  private readonly rpcSeconds: Histogram<'method' | 'code'>;
  private readonly sentBytes: Counter<'method'>;
  private readonly receivedBytes: Counter<'method'>;

  constructor(opts: CoordinatorMetricsOptions) {
    this.log = opts.log;
    this.regression = new AccuracyRegression(opts.regressionMargin ?? DEFAULT_REGRESSION_MARGIN);
    const registers = [this.registry];
    this.started = new Counter({ name: 'cohort_rounds_started_total', help: 'Rounds the coordinator began (refused rounds included).', registers });
    this.completed = new Counter({ name: 'cohort_rounds_completed_total', help: 'Rounds committed: a new global model was released.', registers });
    this.aborted = new Counter({
      name: 'cohort_rounds_aborted_total',
      help: 'Rounds that released nothing, by final state and reason class.',
      labelNames: ['state', 'reason'],
      registers,
    });
    for (const [state, reason] of ABORT_OUTCOMES) this.aborted.inc({ state, reason }, 0);
    this.roundSeconds = new Histogram({ name: 'cohort_round_duration_seconds', help: 'Wall time of finished rounds, by final state.', labelNames: ['state'], buckets: ROUND_BUCKETS, registers });
    this.stageSeconds = new Histogram({
      name: 'cohort_round_stage_duration_seconds',
      help: 'Time spent in each round stage (wait, select, train, secure-aggregation, commit, evaluate).',
      labelNames: ['stage'],
      buckets: STAGE_BUCKETS,
      registers,
    });
    this.participants = new Histogram({ name: 'cohort_round_participants', help: 'Nodes whose update is in the aggregate, per round that sent out work.', buckets: COUNT_BUCKETS, registers });
    this.dropouts = new Histogram({ name: 'cohort_round_dropouts', help: 'Selected nodes whose update is not in the aggregate, per round that sent out work.', buckets: COUNT_BUCKETS, registers });
    this.lastSelected = new Gauge({ name: 'cohort_last_round_selected', help: 'Nodes selected in the last round that sent out work.', registers });
    this.lastParticipants = new Gauge({ name: 'cohort_last_round_participants', help: 'Participants of the last round that sent out work.', registers });
    this.lastDropouts = new Gauge({ name: 'cohort_last_round_dropouts', help: 'Dropouts of the last round that sent out work.', registers });
    this.accuracy = new Gauge({ name: 'cohort_federated_accuracy', help: 'Federated-evaluation accuracy of the last committed model (example-weighted aggregate).', registers });
    this.loss = new Gauge({ name: 'cohort_federated_loss', help: 'Federated-evaluation loss of the last committed model (example-weighted aggregate).', registers });
    this.bestAccuracy = new Gauge({ name: 'cohort_federated_accuracy_best', help: 'Best federated accuracy of any committed round so far.', registers });
    this.regressed = new Gauge({ name: 'cohort_accuracy_regression', help: '1 while the last committed round is more than the regression margin below the best round, else 0.', registers });
    this.regressions = new Counter({ name: 'cohort_accuracy_regressions_total', help: 'Committed rounds that raised the accuracy regression alert.', registers });
    new Gauge({ name: 'cohort_accuracy_regression_margin', help: 'The configured regression margin.', registers }).set(this.regression.margin);
    this.rpcSeconds = new Histogram({ name: 'cohort_rpc_duration_seconds', help: 'Server-side latency of gRPC calls and bulk-channel requests (BulkFetch, BulkUpdate: header to answer) by method and status code (streams: their lifetime).', labelNames: ['method', 'code'], buckets: RPC_BUCKETS, registers });
    this.sentBytes = new Counter({ name: 'cohort_rpc_sent_bytes_total', help: 'Bytes the coordinator sent, by method: serialized gRPC messages (Join carries tasks), bulk payloads (BulkFetch carries models).', labelNames: ['method'], registers });
    this.receivedBytes = new Counter({ name: 'cohort_rpc_received_bytes_total', help: 'Bytes the coordinator received, by method: serialized gRPC messages, bulk payloads (BulkUpdate carries updates and masked inputs).', labelNames: ['method'], registers });
  }

  /** Read scrape-time gauges from `view`: connected nodes, queued rounds, ε; seed the best accuracy from committed models. */
  bind(view: CoordinatorView): void {
    const registers = [this.registry];
    new Gauge({ name: 'cohort_nodes_connected', help: 'Nodes connected now (not revoked).', registers, collect() { this.set(view.status().connectedNodes); } });
    new Gauge({ name: 'cohort_nodes_known', help: 'Nodes the coordinator has ever seen.', registers, collect() { this.set(view.status().knownNodes); } });
    new Gauge({ name: 'cohort_rounds_queued', help: 'Rounds launched and not yet started.', registers, collect() { this.set(view.status().queuedRounds); } });
    new Gauge({ name: 'cohort_privacy_epsilon_spent', help: 'ε spent so far according to the privacy ledger.', registers, collect() { this.set(view.accountant.spent()); } });
    new Gauge({
      name: 'cohort_privacy_epsilon_budget',
      help: 'The ε budget set at start (+Inf when none).',
      registers,
      collect() {
        this.set(view.accountant.budget.epsilon ?? Infinity);
      },
    });
    new Gauge({
      name: 'cohort_privacy_epsilon_remaining',
      help: 'ε budget left (+Inf when no budget is set).',
      registers,
      collect() {
        const budget = view.accountant.budget.epsilon;
        this.set(budget === undefined ? Infinity : Math.max(0, budget - view.accountant.spent()));
      },
    });
    for (const m of view.models()) if (m.accuracy !== undefined) this.regression.observe(m.round, m.accuracy);
    const record = this.regression.record;
    if (record) this.bestAccuracy.set(record.accuracy);
  }

  /** The core's round observer: call with every progress and final event; never throws. */
  observe(event: RoundEvent): void {
    try {
      if (event.state === 'running') this.progress(event);
      else if (event.state !== 'queued') this.finish(event);
    } catch (err) {
      this.log.error({ round: event.round, err: err instanceof Error ? err.message : String(err) }, 'metrics could not record a round event');
    }
  }

  private progress(e: RoundEvent): void {
    if (!e.stage) return;
    const c = this.current;
    if (c?.round === e.round) {
      if (c.stage === e.stage) return;
      this.stageSeconds.observe({ stage: c.stage }, Math.max(0, e.seconds - c.at));
      this.current = { round: e.round, stage: e.stage, at: e.seconds };
      return;
    }
    // The first stage counts from the round's start (it includes the budget check), so stages add up to the round.
    this.started.inc();
    this.current = { round: e.round, stage: e.stage, at: 0 };
  }

  private finish(e: RoundEvent): void {
    const c = this.current?.round === e.round ? this.current : undefined;
    this.current = undefined;
    if (c) this.stageSeconds.observe({ stage: c.stage }, Math.max(0, e.seconds - c.at));
    // A round refused before its first stage reports only its end.
    else this.started.inc();
    this.roundSeconds.observe({ state: e.state }, e.seconds);
    if (c && WORKED.has(c.stage) && e.state !== 'refused') {
      const dropouts = Math.max(0, e.selected - e.participants);
      this.participants.observe(e.participants);
      this.dropouts.observe(dropouts);
      this.lastSelected.set(e.selected);
      this.lastParticipants.set(e.participants);
      this.lastDropouts.set(dropouts);
    }
    if (e.state !== 'completed') {
      const state = e.state as AbortState;
      this.aborted.inc({ state, reason: abortReason(state, e.reason, c?.stage) });
      return;
    }
    this.completed.inc();
    if (e.accuracy === undefined || e.loss === undefined) return;
    this.accuracy.set(e.accuracy);
    this.loss.set(e.loss);
    const verdict = this.regression.observe(e.round, e.accuracy);
    const record = this.regression.record;
    if (record) this.bestAccuracy.set(record.accuracy);
    this.regressed.set(verdict.regressed ? 1 : 0);
    if (verdict.regressed) {
      this.regressions.inc();
      this.log.warn(
        { round: e.round, accuracy: e.accuracy, best: verdict.best, bestRound: verdict.bestRound, drop: verdict.drop, margin: this.regression.margin },
        `cohort accuracy regression: round ${e.round} reached ${e.accuracy.toFixed(4)}, ${verdict.drop.toFixed(4)} below the best so far (${verdict.best?.toFixed(4)} in round ${verdict.bestRound}); margin ${this.regression.margin}`,
      );
    }
  }

  /** Record one finished RPC (called by the gRPC interceptor). */
  rpcFinished(method: string, code: string, seconds: number): void {
    this.rpcSeconds.observe({ method, code }, seconds);
  }

  /** Count serialized bytes of one message (called by the metered service definitions). */
  rpcBytes(method: string, direction: 'sent' | 'received', bytes: number): void {
    (direction === 'sent' ? this.sentBytes : this.receivedBytes).inc({ method }, bytes);
  }
}
