/**
 * The two collecting stages of a round. Each tracks which expected nodes are still
 * pending and settles when none are, so a round never waits for a node that is gone.
 */
import { deferred, type Pool } from '../../shared/async.js';
import { clipL2 } from '../../shared/dp/clip.js';
import { CohortError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { TensorDecoder, type TensorEncoding } from '../../shared/tensor/codec.js';
import type { UpdateHeader, UpdateReceiver } from '../../shared/tensor/update.js';
import { type Aggregator, capMix } from './aggregators.js';

/** Largest example count a node may claim: bounds any one node's FedAvg weight. */
export const MAX_EXAMPLES_PER_NODE = 10_000_000;

/** Why an expected node is no longer expected. */
export type LeaveReason = 'submitted' | 'declined' | 'disconnected' | 'deadline' | 'rejected' | 'cancelled' | 'stalled' | 'enough';


/** Common bookkeeping: who is expected, who left and why, and a promise that settles when nobody is pending. */
abstract class Collector {
  protected readonly pending: Set<string>;
  protected readonly left = new Map<string, LeaveReason>();
  private readonly settledSignal = deferred<void>();

  constructor(
    readonly round: number,
    expected: readonly string[],
    protected readonly log: Logger,
  ) {
    this.pending = new Set(expected);
    if (this.pending.size === 0) this.settle();
  }

  /** Resolves when no expected node is pending any more. */
  get settled(): Promise<void> {
    return this.settledSignal.promise;
  }

  /** Names that left for `reason`. */
  leftFor(reason: LeaveReason): string[] {
    return [...this.left].filter(([, r]) => r === reason).map(([n]) => n);
  }

  /** True while `name` is expected and has not answered. */
  isPending(name: string): boolean {
    return this.pending.has(name);
  }

  /** Remove `name` from the expected set. */
  leave(name: string, reason: LeaveReason, detail?: string): void {
    if (!this.pending.delete(name)) return;
    this.left.set(name, reason);
    if (reason === 'enough') this.log.info({ node: name, reason, detail }, 'node left the stage');
    else if (reason !== 'submitted') this.log.warn({ node: name, reason, detail }, 'node left the stage');
    if (this.pending.size === 0) this.settle();
  }

  /** Stop waiting: everyone still pending leaves for `reason`. */
  close(reason: LeaveReason): void {
    for (const name of [...this.pending]) this.leave(name, reason);
    this.settle();
  }

  private settle(): void {
    this.settledSignal.resolve();
  }
}

/** The update header and receiver are shared with the transport (neutral module). */
export type { AbortReason, UpdateHeader, UpdateReceiver } from '../../shared/tensor/update.js';

/** How a train stage checks and combines updates. */
export interface TrainStageOptions {
  readonly numParameters: number;
  /** The encoding every update of this round must use. */
  readonly encoding: TensorEncoding;
  readonly buffers: Pool<Float32Array>;
  readonly log: Logger;
  readonly aggregator: Aggregator;
  /** Private rounds: every update must be clipped to this L2 norm (else refused) and counts with weight 1. */
  readonly clipNorm?: number;
  /** Plain rounds: an update with a larger L2 norm is scaled down to it before it is added. */
  readonly normBound?: number;
  /** The round model's manifest hash; an update that names another manifest is refused. */
  readonly manifestSha256?: string;
  /**
   * Over-selection: the stage closes once this many updates are in; the nodes still
   * pending leave for 'enough' and are passed to `onEnough`. Undefined waits for every node.
   */
  readonly targetUpdates?: number;
  readonly onEnough?: (stillPending: readonly string[]) => void;
}

/** Collects training updates from the selected nodes into one aggregate. */
export class TrainStage extends Collector {
  readonly aggregate: Aggregator;
  /** Adaptive clipping: how many accepted updates were within the clip norm. */
  withinClip = 0;
  /** Plain rounds: how many accepted updates were scaled down to the norm bound. */
  normBounded = 0;
  /** Uploads in progress, each with the function that ends it and frees its buffer. */
  private readonly receiving = new Map<string, () => void>();
  private readonly numParameters: number;
  private readonly encoding: TensorEncoding;
  private readonly buffers: Pool<Float32Array>;
  private readonly clipNorm: number | undefined;
  private readonly normBound: number | undefined;
  private readonly manifestSha256: string | undefined;
  private readonly targetUpdates: number | undefined;
  private readonly onEnough: ((stillPending: readonly string[]) => void) | undefined;

  constructor(round: number, selected: readonly string[], opts: TrainStageOptions) {
    super(round, selected, opts.log);
    this.numParameters = opts.numParameters;
    this.encoding = opts.encoding;
    this.buffers = opts.buffers;
    this.clipNorm = opts.clipNorm;
    this.normBound = opts.normBound;
    this.manifestSha256 = opts.manifestSha256;
    this.targetUpdates = opts.targetUpdates;
    this.onEnough = opts.onEnough;
    this.aggregate = opts.aggregator;
  }

  /** Uploads holding a buffer right now. */
  get uploading(): number {
    return this.receiving.size;
  }

  /** Names whose update is in the aggregate. */
  get participants(): string[] {
    return this.leftFor('submitted');
  }

  /**
   * Start receiving an update from `name`. Precondition failures (not expected, already
   * submitted, already uploading) leave the stage untouched; a malformed header drops the node.
   */
  async open(name: string, header: UpdateHeader, signal: AbortSignal): Promise<UpdateReceiver> {
    if (this.left.get(name) === 'submitted') {
      throw new CohortError('failed_precondition', `duplicate submission: ${name} already submitted its update for round ${this.round}`);
    }
    if (this.receiving.has(name)) {
      throw new CohortError('failed_precondition', `duplicate submission: an upload from ${name} for round ${this.round} is already in progress`);
    }
    if (!this.pending.has(name)) {
      const why = this.left.get(name);
      throw new CohortError(
        'failed_precondition',
        why ? `${name} is no longer part of round ${this.round} (${why})` : `${name} was not selected for round ${this.round}`,
      );
    }
    const problem = this.checkHeader(header);
    if (problem) {
      this.leave(name, 'rejected', problem);
      throw new CohortError('invalid_argument', problem);
    }
    this.receiving.set(name, () => this.receiving.delete(name));
    let buffer: Float32Array;
    try {
      buffer = await this.buffers.acquire(signal);
    } catch (err) {
      this.receiving.delete(name);
      this.leave(name, 'cancelled', 'upload abandoned while waiting for a buffer');
      throw err;
    }
    if (!this.pending.has(name)) {
      // The deadline passed while this upload waited for a buffer.
      this.buffers.release(buffer);
      this.receiving.delete(name);
      throw new CohortError('failed_precondition', `${name} is no longer part of round ${this.round} (${this.left.get(name) ?? 'closed'})`);
    }
    return this.receiver(name, header, buffer);
  }

  /** Leaving ends an upload in progress at once, so a stalled sender never holds a buffer. */
  override leave(name: string, reason: LeaveReason, detail?: string): void {
    if (reason !== 'submitted') this.receiving.get(name)?.();
    super.leave(name, reason, detail);
    // Every submitted update is in the aggregate: its count is the number of updates in.
    if (reason === 'submitted' && this.pending.size > 0 && this.aggregate.updates === this.targetUpdates) {
      const rest = [...this.pending];
      for (const n of rest) this.leave(n, 'enough', `round ${this.round} has its ${this.targetUpdates} updates`);
      this.onEnough?.(rest);
    }
  }

  /** Why an upload can no longer be taken: the node is out of the stage. */
  private closedFor(name: string): CohortError {
    const why = this.left.get(name);
    return new CohortError('failed_precondition', `round ${this.round} no longer takes an update from ${name}: ${why ? LEFT_BECAUSE[why] : 'the stage closed'}`);
  }

  private checkHeader(h: UpdateHeader): string | undefined {
    if (h.numParameters !== this.numParameters) {
      return `update has ${h.numParameters} parameters, the model has ${this.numParameters}`;
    }
    if (h.encoding !== this.encoding) return `update is encoded as ${h.encoding}, this round takes ${this.encoding}`;
    if (!Number.isInteger(h.numExamples) || h.numExamples < 1 || h.numExamples > MAX_EXAMPLES_PER_NODE) {
      return `num_examples must be an integer in [1, ${MAX_EXAMPLES_PER_NODE}], got ${h.numExamples}`;
    }
    if (!Number.isFinite(h.trainLoss) || h.trainLoss < 0) return `train_loss must be a finite non-negative number, got ${h.trainLoss}`;
    if (h.manifestSha256 && this.manifestSha256 !== undefined && h.manifestSha256 !== this.manifestSha256) {
      return `update follows the model manifest ${h.manifestSha256}, but round ${this.round} trains manifest ${this.manifestSha256}`;
    }
    return undefined;
  }

  private receiver(name: string, header: UpdateHeader, buffer: Float32Array): UpdateReceiver {
    // Decoded straight into the slot; the decoder also sums the squares, so the norm checks
    // below need no second pass over the update.
    const decoder = new TensorDecoder(buffer.subarray(0, this.numParameters), header.encoding);
    let done = false;
    /** The upload is over; `keepBuffer` while the aggregate still reads it (a queued addition). */
    const release = (keepBuffer = false): void => {
      if (done) return;
      done = true;
      this.receiving.delete(name);
      if (!keepBuffer) this.buffers.release(buffer);
    };
    this.receiving.set(name, () => release());
    const fail = (reason: LeaveReason, detail: string): void => {
      if (done) return;
      release();
      this.leave(name, reason, detail);
    };
    return {
      write: (bytes) => {
        if (!this.pending.has(name)) {
          fail('deadline', 'stage closed during upload');
          throw this.closedFor(name);
        }
        if (done) throw new CohortError('failed_precondition', `upload from ${name} is already closed`);
        try {
          decoder.write(bytes);
        } catch (err) {
          fail('rejected', err instanceof Error ? err.message : String(err));
          throw err;
        }
      },
      finish: () => {
        if (!this.pending.has(name)) {
          fail('deadline', 'stage closed during upload');
          throw this.closedFor(name);
        }
        if (done) throw new CohortError('failed_precondition', `upload from ${name} is already closed`);
        let update: Float32Array;
        let norm: number;
        try {
          update = decoder.finish();
          norm = Math.sqrt(decoder.sumOfSquares);
          if (this.clipNorm !== undefined) checkClipped(norm, this.clipNorm);
        } catch (err) {
          fail('rejected', err instanceof Error ? err.message : String(err));
          throw err;
        }
        // Scaled, not refused: an honest node with a large step still counts, within the bound.
        if (this.clipNorm === undefined && this.normBound !== undefined) {
          const { clipped } = clipL2(update, this.normBound, norm);
          if (clipped) {
            this.normBounded += 1;
            this.log.info({ node: name, norm: Number(norm.toPrecision(4)), bound: this.normBound }, 'update scaled down to the norm bound');
          }
        }
        // A private round bounds each node's influence: uniform weights, not example counts.
        const adding = this.aggregate.add(update, this.clipNorm !== undefined ? 1 : header.numExamples);
        if (header.withinClip) this.withinClip += 1;
        release(adding !== undefined);
        // The buffer goes back once the addition is done (or failed: the round then fails, see settled()).
        const free = (): void => this.buffers.release(buffer);
        adding?.then(free, free);
        this.leave(name, 'submitted');
      },
      abort: (detail, why) => fail(why, detail),
    };
  }
}

/** Relative slack for float32 rounding in a node's clipping. */
const CLIP_TOLERANCE = 1e-4;

/**
 * Refuse an update whose L2 norm exceeds the round's clip norm: its sensitivity would be
 * unbounded. `norm` is summed in another order than the node's l2Norm (the decoder's);
 * the difference is far below the tolerance.
 */
function checkClipped(norm: number, clipNorm: number): void {
  if (norm > clipNorm * (1 + CLIP_TOLERANCE)) {
    throw new CohortError('invalid_argument', `update norm ${norm.toPrecision(6)} exceeds the round's clip norm ${clipNorm}`);
  }
}

/** Why a node is out of a stage, as its refused retry tells it. */
const LEFT_BECAUSE: Record<LeaveReason, string> = {
  submitted: 'it already submitted',
  declined: 'it declined',
  disconnected: 'it disconnected',
  deadline: 'it missed the deadline',
  rejected: 'its report was refused',
  cancelled: 'the stage was cancelled',
  stalled: 'it stopped making progress',
  enough: 'the round already had the updates it needed',
};

/** One node's federated-evaluation report. */
export interface EvaluationReport {
  readonly round: number;
  readonly numExamples: number;
  readonly accuracy: number;
  readonly loss: number;
}

/**
 * Collects federated-evaluation reports and keeps their example-weighted means, with the
 * same cap on one node's share as training (`capMix`): a node that claims 10M examples
 * and perfect accuracy moves the reported accuracy by at most its capped share.
 */
export class EvalStage extends Collector {
  private examples = 0;
  private maxExamples = 0;
  private reports = 0;
  private weightedAccuracy = 0;
  private weightedLoss = 0;
  private accuracySum = 0;
  private lossSum = 0;

  constructor(
    round: number,
    expected: readonly string[],
    log: Logger,
    /** Largest share of the total weight one report may have, in (0, 1]. */
    private readonly maxShare = 1,
  ) {
    super(round, expected, log);
  }

  /** Number of nodes whose evaluation counted. */
  get evaluated(): number {
    return this.leftFor('submitted').length;
  }

  /** Weighted mean accuracy and loss, if anyone evaluated. */
  get metrics(): { accuracy: number; loss: number } | undefined {
    if (this.reports === 0) return undefined;
    const alpha = capMix(this.examples, this.maxExamples, this.reports, this.maxShare);
    const mean = (weighted: number, plain: number): number => (alpha * weighted) / this.examples + ((1 - alpha) * plain) / this.reports;
    return { accuracy: mean(this.weightedAccuracy, this.accuracySum), loss: mean(this.weightedLoss, this.lossSum) };
  }

  /** Record `name`'s report after checking it belongs here and is well-formed. */
  submit(name: string, report: EvaluationReport): void {
    if (this.left.get(name) === 'submitted') {
      throw new CohortError('failed_precondition', `duplicate submission: ${name} already evaluated round ${this.round}`);
    }
    if (!this.pending.has(name)) {
      const gone = this.left.get(name);
      // A node whose report was refused, or that left, must hear why its retry is refused too.
      if (gone) throw new CohortError('failed_precondition', `${name} is no longer in the evaluation of round ${this.round}: ${LEFT_BECAUSE[gone]}`);
      throw new CohortError('failed_precondition', `${name} was not asked to evaluate round ${this.round}`);
    }
    const problem = checkEvaluation(report);
    if (problem) {
      this.leave(name, 'rejected', problem);
      throw new CohortError('invalid_argument', problem);
    }
    this.examples += report.numExamples;
    this.maxExamples = Math.max(this.maxExamples, report.numExamples);
    this.reports += 1;
    this.weightedAccuracy += report.accuracy * report.numExamples;
    this.weightedLoss += report.loss * report.numExamples;
    this.accuracySum += report.accuracy;
    this.lossSum += report.loss;
    this.leave(name, 'submitted');
  }
}

function checkEvaluation(r: EvaluationReport): string | undefined {
  if (!Number.isInteger(r.numExamples) || r.numExamples < 1 || r.numExamples > MAX_EXAMPLES_PER_NODE) {
    return `num_examples must be an integer in [1, ${MAX_EXAMPLES_PER_NODE}], got ${r.numExamples}`;
  }
  if (!(r.accuracy >= 0 && r.accuracy <= 1)) return `accuracy must be in [0, 1], got ${r.accuracy}`;
  if (!Number.isFinite(r.loss) || r.loss < 0) return `loss must be a finite non-negative number, got ${r.loss}`;
  return undefined;
}
