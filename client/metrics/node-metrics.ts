/**
 * A node's own Prometheus metrics: local training time and speed, its own ε, declined
 * rounds, connection state and input drift. They describe this node's data and stay on
 * its own endpoint: nothing here is sent to the coordinator.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DriftSummary } from '../../shared/metrics/psi.js';
import type { AgentStats } from '../core/agent.js';

/** What the scrape-time metrics read from the running node. */
export interface NodeView {
  connected(): boolean;
  /** Sessions opened so far. */
  sessions(): number;
  /** Agent counters summed over every session so far. */
  stats(): AgentStats;
  /** The node's own privacy budget, if it keeps one. */
  readonly budget?: { readonly epsilon: number; spent(): number };
}

const TRAIN_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];

/**
 * A counter that mirrors running totals read at scrape time (the agent's counters): each
 * scrape adds the growth since the last one, so the series stays a proper counter.
 */
function mirroredCounter(registry: Registry, name: string, help: string, read: () => readonly (readonly [Record<string, string>, number])[], labelNames: string[] = []): void {
  const seen = new Map<string, number>();
  new Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      for (const [labels, total] of read()) {
        const k = JSON.stringify(labels);
        const before = seen.get(k);
        // A labelled series appears (at 0) from the first scrape, not from its first event.
        if (before === undefined) this.inc(labels, 0);
        const delta = total - (before ?? 0);
        if (delta > 0) this.inc(labels, delta);
        seen.set(k, Math.max(total, before ?? 0));
      }
    },
  });
}

/** The node's metrics on their own registry. */
export class NodeMetrics {
  readonly registry = new Registry();
  private readonly trainSeconds: Histogram;
  private readonly evalSeconds: Histogram;
  private readonly examplesPerSecond: Gauge;
  private readonly examples: Counter;
  private readonly psiMax: Gauge;
  private readonly driftedFeatures: Gauge;
  private readonly driftChecks: Counter;
  private readonly driftAlerts: Counter;
  private readonly driftFailures: Counter;

  constructor() {
    const registers = [this.registry];
    this.trainSeconds = new Histogram({ name: 'cohort_node_training_seconds', help: 'Local training time per round.', buckets: TRAIN_BUCKETS, registers });
    this.evalSeconds = new Histogram({ name: 'cohort_node_evaluation_seconds', help: 'Local evaluation time per round.', buckets: TRAIN_BUCKETS, registers });
    this.examplesPerSecond = new Gauge({ name: 'cohort_node_training_examples_per_second', help: 'Training speed of the last round (examples × epochs / seconds).', registers });
    this.examples = new Counter({ name: 'cohort_node_training_examples_total', help: 'Examples processed by local training (each epoch counts).', registers });
    this.psiMax = new Gauge({ name: 'cohort_node_drift_psi_max', help: 'Largest per-feature PSI of the last drift check against the distribution at join.', registers });
    this.driftedFeatures = new Gauge({ name: 'cohort_node_drift_features', help: 'Features whose PSI exceeded the drift threshold at the last check.', registers });
    this.driftChecks = new Counter({ name: 'cohort_node_drift_checks_total', help: 'Drift checks run.', registers });
    this.driftAlerts = new Counter({ name: 'cohort_node_drift_alerts_total', help: 'Drift checks that found at least one drifted feature.', registers });
    this.driftFailures = new Counter({ name: 'cohort_node_drift_check_failures_total', help: 'Drift checks that could not read or compare the data.', registers });
  }

  /** Read connection state, round counters and ε from `view` at scrape time. */
  bind(view: NodeView): void {
    const registers = [this.registry];
    new Gauge({ name: 'cohort_node_connected', help: '1 while connected to the coordinator, else 0.', registers, collect() { this.set(view.connected() ? 1 : 0); } });
    new Gauge({ name: 'cohort_node_sessions', help: 'Sessions opened with the coordinator so far (reconnects add one).', registers, collect() { this.set(view.sessions()); } });
    const stats = view.stats.bind(view);
    mirroredCounter(this.registry, 'cohort_node_rounds_trained_total', 'Rounds this node trained for and submitted to.', () => [[{}, stats().trained]]);
    mirroredCounter(this.registry, 'cohort_node_evaluations_total', 'Federated evaluations this node submitted.', () => [[{}, stats().evaluated]]);
    mirroredCounter(
      this.registry,
      'cohort_node_rounds_declined_total',
      'Tasks this node declined: budget (its own privacy budget would be passed) or other (bad task, local failure).',
      () => {
        const s = stats();
        return [
          [{ reason: 'budget' }, s.declinedForBudget],
          [{ reason: 'other' }, s.declined - s.declinedForBudget],
        ];
      },
      ['reason'],
    );
    mirroredCounter(this.registry, 'cohort_node_tasks_failed_total', 'Tasks whose result the coordinator refused or that failed locally.', () => [[{}, stats().failed]]);
    const budget = view.budget;
    if (budget) {
      new Gauge({ name: 'cohort_node_privacy_epsilon_spent', help: 'ε this node has spent by its own accounting.', registers, collect() { this.set(budget.spent()); } });
      new Gauge({ name: 'cohort_node_privacy_epsilon_budget', help: 'This node\'s own ε budget.', registers }).set(budget.epsilon);
    }
  }

  /** One round of local training took `seconds` over `examples` examples (all epochs). */
  trained(seconds: number, examples: number): void {
    this.trainSeconds.observe(seconds);
    this.examples.inc(examples);
    if (seconds > 0) this.examplesPerSecond.set(examples / seconds);
  }

  /** One local evaluation took `seconds`. */
  evaluated(seconds: number): void {
    this.evalSeconds.observe(seconds);
  }

  /** Publish the drift threshold in use. */
  driftThreshold(threshold: number): void {
    new Gauge({ name: 'cohort_node_drift_threshold', help: 'PSI above which a feature counts as drifted.', registers: [this.registry] }).set(threshold);
  }

  /** A drift check finished. */
  drift(summary: DriftSummary, threshold: number): void {
    this.driftChecks.inc();
    this.psiMax.set(summary.maxPsi);
    this.driftedFeatures.set(summary.drifted);
    if (summary.maxPsi > threshold) this.driftAlerts.inc();
  }

  /** A drift check could not run. */
  driftFailed(): void {
    this.driftChecks.inc();
    this.driftFailures.inc();
  }
}
