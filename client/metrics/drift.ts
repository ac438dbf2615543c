/**
 * Node-local input drift: the distribution of each input feature is recorded when the
 * node joins, and after each round the node's current data is compared with it by the
 * population stability index. Everything stays on the node: its log and its own metrics.
 */
import { CohortError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { DEFAULT_PSI_BINS, DEFAULT_PSI_THRESHOLD, type DriftSummary, type FeatureBins, fixBins, histogram, psiByFeature, summarizeDrift } from '../../shared/metrics/psi.js';

/** Rows of input features, row-major (a Dataset's `x` and `features`). */
export interface FeatureRows {
  readonly features: number;
  readonly x: Float32Array;
}

/** Drift settings of a node (`--drift-threshold`, `--drift-bins`). */
export interface DriftSettings {
  /** PSI above which a feature counts as drifted (default 0.2). */
  readonly threshold?: number;
  /** Equal-width bins per feature over the baseline's range (default 10). */
  readonly bins?: number;
}

/** The outcome of one check. */
export interface DriftReport extends DriftSummary {
  readonly threshold: number;
  readonly rows: number;
}

/** Compares the node's current data with its distribution at join. */
export class DriftMonitor {
  readonly threshold: number;
  private readonly bins: FeatureBins;
  private readonly expected: Float64Array;
  private running: Promise<DriftReport | undefined> | undefined;
  private readonly listeners = new Set<(r: DriftReport | undefined) => void>();

  /**
   * @param baseline the node's data when it joined
   * @param current reads the node's data as it is now (a csv file is read again)
   */
  constructor(
    baseline: FeatureRows,
    private readonly current: () => Promise<FeatureRows>,
    settings: DriftSettings,
    private readonly log: Logger,
    private readonly report: { drift(summary: DriftSummary, threshold: number): void; driftFailed(): void },
  ) {
    this.threshold = settings.threshold ?? DEFAULT_PSI_THRESHOLD;
    if (!(this.threshold > 0 && Number.isFinite(this.threshold))) throw new CohortError('usage', `--drift-threshold must be a positive number, got ${this.threshold}`);
    this.bins = fixBins(baseline.x, baseline.features, settings.bins ?? DEFAULT_PSI_BINS);
    this.expected = histogram(this.bins, baseline.x);
  }

  /** Call `listener` after every check (with undefined when the check failed); returns an unsubscribe. */
  onCheck(listener: (r: DriftReport | undefined) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Run a check now unless one is running (then that one's result). Never rejects. */
  check(): Promise<DriftReport | undefined> {
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async run(): Promise<DriftReport | undefined> {
    let result: DriftReport | undefined;
    try {
      const now = await this.current();
      if (now.features !== this.bins.features) {
        throw new CohortError('failed_precondition', `the data now has ${now.features} features, ${this.bins.features} when the node joined`);
      }
      const rows = now.x.length / now.features;
      if (rows === 0) throw new CohortError('failed_precondition', 'the data has no rows now');
      const summary = summarizeDrift(psiByFeature(this.bins, this.expected, histogram(this.bins, now.x)), this.threshold);
      result = { ...summary, threshold: this.threshold, rows };
      this.report.drift(summary, this.threshold);
      if (summary.drifted > 0) {
        this.log.warn(
          { drifted: summary.drifted, features: summary.features, maxPsi: summary.maxPsi, worstFeature: summary.worstFeature, threshold: this.threshold },
          `input drift: ${summary.drifted} of ${summary.features} feature(s) have PSI above ${this.threshold} against the data at join (max ${summary.maxPsi.toFixed(3)}, feature ${summary.worstFeature})`,
        );
      } else {
        this.log.debug({ maxPsi: summary.maxPsi, threshold: this.threshold }, 'no input drift');
      }
    } catch (err) {
      this.report.driftFailed();
      this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'drift check could not run');
    }
    for (const l of [...this.listeners]) l(result);
    return result;
  }
}
