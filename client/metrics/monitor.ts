/** A node's monitoring as the composition root wires it: metrics, drift alert, endpoint, readiness. */
import type { Logger } from '../../shared/logger.js';
import { type EndpointAddress, type MetricsEndpoint, serveMetrics } from '../../shared/metrics/endpoint.js';
import type { AgentStats, LocalWork } from '../core/agent.js';
import type { DaemonState } from '../grpc/daemon.js';
import { type DriftSettings, DriftMonitor, type FeatureRows } from './drift.js';
import { MeteredWork } from './metered-work.js';
import { NodeMetrics } from './node-metrics.js';

/** Monitoring settings of a node (`--metrics-port`, `--metrics-host`, `--drift-threshold`, `--drift-bins`). */
export interface NodeMonitoring {
  /** Serve /metrics, /healthz and /readyz here; undefined keeps the metrics in-process only. */
  readonly endpoint?: EndpointAddress;
  /** Drift alert settings; false turns the check off. */
  readonly drift?: DriftSettings | false;
}

/** The parts of a daemon the monitor reads (NodeDaemon satisfies it). */
export interface WatchedDaemon {
  readonly state: DaemonState;
  readonly sessions: number;
  readonly agent: { readonly stats: AgentStats; idle(): Promise<void> } | undefined;
  when(state: DaemonState): Promise<void>;
}

function addStats(into: AgentStats, s: AgentStats): void {
  into.trained += s.trained;
  into.evaluated += s.evaluated;
  into.declined += s.declined;
  into.failed += s.failed;
  into.cancelled += s.cancelled;
  into.declinedForBudget += s.declinedForBudget;
}

function zeroStats(): AgentStats {
  return { trained: 0, evaluated: 0, declined: 0, failed: 0, cancelled: 0, declinedForBudget: 0 };
}

/**
 * Agent counters over the daemon's whole life: each session has its own agent, so the
 * agents of ended sessions are folded into a base total once their last task is done.
 */
class SessionTotals {
  private readonly base = zeroStats();
  private readonly live = new Set<{ readonly stats: AgentStats; idle(): Promise<void> }>();
  /** Agents already in `base`: the daemon keeps pointing at the last one until it reconnects. */
  private readonly folded = new WeakSet<object>();

  constructor(private readonly daemon: WatchedDaemon) {
    void this.follow();
  }

  private async follow(): Promise<void> {
    for (;;) {
      await this.daemon.when('connected');
      const agent = this.daemon.agent;
      if (agent) this.live.add(agent);
      // A session ends in backoff before the next attempt; a stopped daemon never resolves this.
      await this.daemon.when('backoff');
      if (agent) {
        await agent.idle();
        addStats(this.base, agent.stats);
        this.live.delete(agent);
        this.folded.add(agent);
      }
    }
  }

  total(): AgentStats {
    const out = { ...this.base };
    const current = this.daemon.agent;
    if (current && !this.folded.has(current)) this.live.add(current);
    for (const a of this.live) addStats(out, a.stats);
    return out;
  }
}

/** Owns the node's metrics, its drift monitor and, if asked, the endpoint. */
export class NodeMonitor {
  readonly metrics = new NodeMetrics();
  private driftMonitor: DriftMonitor | undefined;
  private endpoint: MetricsEndpoint | undefined;
  private daemon: WatchedDaemon | undefined;

  constructor(
    private readonly config: NodeMonitoring,
    private readonly log: Logger,
  ) {}

  /** The drift monitor, once `watchData` has set it up. */
  get drift(): DriftMonitor | undefined {
    return this.driftMonitor;
  }

  /** The endpoint's bound port, once listening. */
  get port(): number | undefined {
    return this.endpoint?.port;
  }

  /** Record the data at join and how to read it again; no-op when drift checks are off. */
  watchData(baseline: FeatureRows, current: () => Promise<FeatureRows>): void {
    if (this.config.drift === false) return;
    this.driftMonitor = new DriftMonitor(baseline, current, this.config.drift ?? {}, this.log.child({ component: 'drift' }), this.metrics);
    this.metrics.driftThreshold(this.driftMonitor.threshold);
  }

  /** The node's work, timed, with a drift check after each round's evaluation. */
  wrap(work: LocalWork): LocalWork {
    return new MeteredWork(work, this.metrics, () => void this.driftMonitor?.check());
  }

  /** Read the daemon's state and counters (and the node's own budget) at scrape time. */
  bind(daemon: WatchedDaemon, budget?: { readonly epsilon: number; spent(): number }): void {
    this.daemon = daemon;
    const totals = new SessionTotals(daemon);
    this.metrics.bind({
      connected: () => daemon.state === 'connected',
      sessions: () => daemon.sessions,
      stats: () => totals.total(),
      ...(budget ? { budget } : {}),
    });
  }

  /** Open the endpoint (if configured); /readyz is 200 only while connected to the coordinator. */
  async listen(): Promise<void> {
    if (!this.config.endpoint) return;
    this.endpoint = await serveMetrics({
      ...this.config.endpoint,
      registry: this.metrics.registry,
      readiness: () => {
        const state = this.daemon?.state ?? 'stopped';
        return state === 'connected' ? { ready: true } : { ready: false, reason: `not connected to the coordinator (${state})` };
      },
      log: this.log.child({ component: 'metrics' }),
    });
  }

  /** Close the endpoint. */
  async close(): Promise<void> {
    await this.endpoint?.close();
    this.endpoint = undefined;
  }
}
