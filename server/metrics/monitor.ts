/** The coordinator's monitoring as the composition root wires it: metrics, alerts, endpoint, readiness. */
import type { Logger } from '../../shared/logger.js';
import { type EndpointAddress, type MetricsEndpoint, type Readiness, serveMetrics } from '../../shared/metrics/endpoint.js';
import type { RoundEvent } from '../core/types.js';
import { CoordinatorMetrics } from './coordinator-metrics.js';

/** Monitoring settings of a coordinator (`--metrics-port`, `--metrics-host`, `--regression-margin`). */
export interface CoordinatorMonitoring {
  /** Serve /metrics, /healthz and /readyz here; undefined keeps metrics and alerts in-process only. */
  readonly endpoint?: EndpointAddress;
  readonly regressionMargin?: number;
}

/** Owns the coordinator's metrics and, if asked, the endpoint; tracks readiness through start and stop. */
export class CoordinatorMonitor {
  readonly metrics: CoordinatorMetrics;
  private endpoint: MetricsEndpoint | undefined;
  private readiness: Readiness = { ready: false, reason: 'starting: the gRPC port is not bound yet' };

  constructor(
    private readonly config: CoordinatorMonitoring,
    private readonly log: Logger,
  ) {
    this.metrics = new CoordinatorMetrics({ log, ...(config.regressionMargin !== undefined ? { regressionMargin: config.regressionMargin } : {}) });
  }

  /** The core's round observer. */
  readonly observer = (event: RoundEvent): void => this.metrics.observe(event);

  /** The endpoint's bound port, once listening. */
  get port(): number | undefined {
    return this.endpoint?.port;
  }

  /** Open the endpoint (if configured); /readyz answers 503 until `ready()`. */
  async listen(): Promise<void> {
    if (!this.config.endpoint) return;
    this.endpoint = await serveMetrics({ ...this.config.endpoint, registry: this.metrics.registry, readiness: () => this.readiness, log: this.log.child({ component: 'metrics' }) });
  }

  /** gRPC is bound and the store open: the coordinator can serve. */
  ready(): void {
    this.readiness = { ready: true };
  }

  /** Shutting down: /readyz answers 503 from now on so load balancers stop sending work. */
  stopping(): void {
    this.readiness = { ready: false, reason: 'shutting down' };
  }

  /** Close the endpoint. */
  async close(): Promise<void> {
    this.stopping();
    await this.endpoint?.close();
    this.endpoint = undefined;
  }
}
