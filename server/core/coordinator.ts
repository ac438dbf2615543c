/**
 * The coordinator core: node registry, round queue, round execution and the global
 * model. Transport-free: the gRPC adapter turns calls into method calls on this class.
 */
import { Channel, Pool } from '../../shared/async.js';
import type { Clock } from '../../shared/clock.js';
import type { DeclineCategory } from '../../shared/decline.js';
import { CohortError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { type FederatedModel, modelKind } from '../../shared/model/model.js';
import { parseTrainerOptions } from '../../shared/model/options.js';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from '../../shared/model/train.js';
import type { RandomSource } from '../../shared/random.js';
import { describeVersion, type ModelVersion, sameVersion, versionOf } from '../../shared/model/version.js';
import { decodeTensor, encodeTensor, type TensorEncoding } from '../../shared/tensor/codec.js';
import { SumWorker } from './sum-worker.js';
import { type Aggregator, createAggregator, type SumOffload, DEFAULT_MAX_WEIGHT_SHARE, DEFAULT_TRIM_FRACTION, isAggregatorKind, robustMemoryRefusal } from './aggregators.js';
import { describeRequirements, NodeRegistry, requirementsFor } from './registry.js';
import { poissonSample } from './sampling.js';
import { type FixedPointParams, fixedPointParams } from '../../shared/secagg/fixed-point.js';
import { chooseParameters } from '../../shared/secagg/graph.js';
import { checkConfig } from '../../shared/secagg/messages.js';
import { publicKeyVerifier } from '../../shared/secagg/signing.js';
import type { SecureSetup } from '../../shared/wire/secagg.js';
import { checkAdaptiveClip, nextClipNorm } from '../../shared/dp/adaptive-clip.js';
import { type JournalLaunch, type LedgerAudit, MemoryJournal, type ModelRecord, type RoundJournal } from './journal.js';
import {
  bindBudget,
  type BudgetRecord,
  checkBudget,
  checkReason,
  DEFAULT_DELTA,
  describeBudget,
  noisedCentredBits,
  noiseMode,
  PrivacyAccountant,
  type PrivacyBudget,
  privacyTask,
  releaseSecureSum,
} from './privacy.js';
import type { AccountedRound } from '../../shared/dp/compose.js';
import { SecureStage } from './secure-stage.js';
import { EvalStage, type EvaluationReport, TrainStage, type UpdateHeader, type UpdateReceiver } from './stages.js';
import type { Compression, LaunchPlan, NodeRecord, NodeSession, NoiseMode, PrivacyTask, RoundEvent, RoundSettings, RoundStage, TaskDescriptor, TaskKind } from './types.js';

/** Round defaults unless the coordinator's operator or a launch says otherwise. */
export const DEFAULT_ROUND_SETTINGS: RoundSettings = {
  minNodes: 2,
  sampleRate: 1,
  train: DEFAULT_TRAIN_CONFIG,
  trainTimeoutMs: 120_000,
  evalTimeoutMs: 60_000,
  waitForNodesMs: 60_000,
  secureAggregation: false,
  clipNorm: 10,
  secaggStageTimeoutMs: 30_000,
  noiseMultiplier: 0,
  aggregator: 'fedavg',
  trimFraction: DEFAULT_TRIM_FRACTION,
  maxWeightShare: DEFAULT_MAX_WEIGHT_SHARE,
  compress: 'none',
};

/**
 * Longest a node may take to take the next message of its Join stream, to take anything of
 * a model sent to it, or to deliver 64 KiB of an upload being read (bulk.proto): a node
 * slower than that is dropped from the round, and no stalled node holds an upload slot or
 * queued bytes longer.
 */
export const DEFAULT_PROGRESS_TIMEOUT_MS = 10_000;

/** Distributed noise is clamped at this many standard deviations per coordinate (fixed-point range). */
const NOISE_BOUND_STDS = 8;

/** Everything the coordinator core needs, injected by the composition root or a test. */
export interface CoordinatorOptions {
  readonly model: FederatedModel;
  readonly initialWeights: Float32Array;
  readonly defaults: RoundSettings;
  readonly clock: Clock;
  /** Secure source for Poisson sampling, SecAgg graph seeds and central noise. */
  readonly samplingRng: RandomSource;
  /** The privacy budget and where private rounds are recorded (default: no budget, in-memory ledger). */
  readonly privacy?: { readonly budget: PrivacyBudget };
  /** Durable record of launches, rounds, checkpoints and the ledger (default: memory only). */
  readonly journal?: RoundJournal;
  /** Where a restarted coordinator resumes: the next round number, launches still pending, and what status shows. */
  readonly resume?: Resume;
  /** Source of per-task shuffle seeds (reproducibility, not secrecy). */
  readonly seedRng: RandomSource;
  readonly log: Logger;
  /** The round that committed `initialWeights` (0 for fresh weights; a checkpoint's round after a restart). */
  readonly initialRound?: number;
  /** Updates buffered at once: what uploads hold is slots·d floats whatever the node count (robust aggregators then keep a copy of each). */
  readonly uploadSlots: number;
  /** Where FedAvg adds accepted updates to its sums (default: a worker thread, SumWorker). */
  readonly sumOffload?: SumOffload;
  /** Announced in every task; the transport enforces it (default DEFAULT_PROGRESS_TIMEOUT_MS). */
  readonly progressTimeoutMs?: number;
  /** Finished rounds kept for status. */
  readonly historySize?: number;
  /** Sees every round event as it happens (metrics); must not throw. */
  readonly observer?: (event: RoundEvent) => void;
}

/** What a restarted coordinator takes over from the data dir. */
export interface Resume {
  readonly nextRound: number;
  readonly launches: readonly JournalLaunch[];
  /** Rounds committed so far. */
  readonly completed?: number;
  /** The most recent finished rounds, oldest first. */
  readonly recent?: readonly RoundEvent[];
  /** Every node known so far (none of them connected yet). */
  readonly nodes?: readonly NodeRecord[];
}

/** An operator's request for rounds; unset fields take the coordinator's defaults. */
export interface LaunchRequest {
  readonly rounds: number;
  readonly settings: LaunchSettings;
}

/** Per-launch overrides; training settings can be overridden field by field. */
export type LaunchSettings = Partial<Omit<RoundSettings, 'train'>> & { readonly train?: Partial<TrainConfig> };

/** A queued launch: its rounds' events arrive on `events` until the last one finishes. */
export interface LaunchHandle {
  /** The number the first round will have if every round queued ahead takes one (refused rounds take none). */
  readonly firstRound: number;
  /** Rounds queued: those the budget affords. */
  readonly rounds: number;
  /** With a budget: what it affords of the request, told before round 1. */
  readonly plan?: LaunchPlan;
  readonly events: AsyncIterable<RoundEvent>;
}

/** Snapshot for `cohort status`. */
export interface CoordinatorStatus {
  readonly startedAtMs: number;
  readonly model: FederatedModel;
  readonly numParameters: number;
  readonly connectedNodes: number;
  readonly knownNodes: number;
  readonly current: RoundEvent | undefined;
  readonly recent: readonly RoundEvent[];
  readonly queuedRounds: number;
  readonly completedRounds: number;
}

interface Job {
  readonly launchId: number;
  readonly rounds: number;
  /** Rounds of the launch finished before this job (a launch resumed after a restart). */
  readonly doneBefore: number;
  /** Rounds of this job finished so far. */
  done: number;
  /** Rounds of a resumed launch the budget no longer affords; the launch is closed when the job ends. */
  readonly cut: number;
  readonly settings: RoundSettings;
  readonly events: Channel<RoundEvent>;
  /** The clip norm the next round uses (moves between rounds with adaptive clipping). */
  readonly clip: { value: number };
}

/** What the aggregation stage produced. */
/** What either aggregation path needs from the round that runs it. */
interface AggregationInput {
  readonly active: ActiveRound;
  readonly selected: readonly NodeSession[];
  readonly settings: RoundSettings;
  readonly privacy: PrivacyTask | undefined;
  /**
   * Private rounds with q < 1 divide the sum by the expected number of participants (the
   * fixed-denominator estimator of McMahan et al. 2018), so the released model is a function
   * of the noised sum alone and does not reveal how many nodes were selected.
   */
  readonly divisor: number | undefined;
  /** End of local training: the train stage, or the secure path's key advertisement. */
  readonly deadline: number;
  readonly progress: (stage: RoundStage, fields?: Partial<RoundEvent>) => void;
  readonly log: Logger;
}

type Aggregated =
  | {
      readonly kind: 'ok';
      readonly next: Float32Array;
      readonly participants: readonly string[];
      readonly noisedWithinClip?: number;
      /** Compressed rounds: next − global, quantised exactly as `next` was built from it. */
      readonly delta?: { readonly encoding: TensorEncoding; readonly payload: Buffer };
    }
  | { readonly kind: 'failed'; readonly participants: number; readonly reason: string };

/** Dropout rate the SecAgg+ parameters are chosen for (Bell et al.: k and t from n and this rate). */
const EXPECTED_DROPOUT_RATE = 0.1;

interface ActiveRound {
  readonly round: number;
  train?: TrainStage;
  secure?: SecureStage;
  evaluate?: EvalStage;
  event: RoundEvent;
}

/** A committed model as the bulk channel sends it: whole, or as the delta from `base`. */
export interface ModelTransfer {
  readonly version: ModelVersion;
  readonly numParameters: number;
  readonly encoding: TensorEncoding;
  /** Present exactly for a delta. */
  readonly base?: ModelVersion;
  /** Views of the committed bytes, shared by every node it is sent to: never modify. */
  readonly payload: Uint8Array;
}

/** The latest compressed round's global update, for nodes that hold the model before it. */
interface CommittedDelta {
  readonly base: ModelVersion;
  readonly version: ModelVersion;
  readonly encoding: TensorEncoding;
  readonly payload: Buffer;
}

/** The coordinator: owns the global model and runs queued rounds one after another. */
export class Coordinator {
  readonly registry: NodeRegistry;
  /** The committed global model. Replaced at each commit, never modified in place: transfers in flight keep views of it. */
  private global: Float32Array;
  private version: ModelVersion;
  private delta: CommittedDelta | undefined;
  private readonly numParameters: number;
  private readonly buffers: Pool<Float32Array>;
  /** Adds plain rounds' updates to FedAvg's sums off the thread that reads uploads. */
  private readonly sums: SumOffload;
  /** The thread this coordinator started (and stops), unless `sumOffload` was given. */
  private sumThread: SumWorker | undefined;
  private readonly queue: Job[] = [];
  private readonly history: RoundEvent[] = [];
  private readonly stop = new AbortController();
  /** Numbers are taken when a round starts, so a round refused by the budget takes none. */
  private nextRound = 1;
  /** Whether the first queued job's next round is running. */
  private running = false;
  private completed = 0;
  private active: ActiveRound | undefined;
  private worker: Promise<void> | undefined;
  private readonly startedAtMs: number;
  readonly accountant: PrivacyAccountant;
  private readonly journal: RoundJournal;
  /** Set once shutting down: what close() recorded of each node stands. */
  private closing = false;

  constructor(private readonly opts: CoordinatorOptions) {
    this.journal = opts.journal ?? new MemoryJournal();
    const budget = opts.privacy?.budget ?? { epsilon: undefined, delta: DEFAULT_DELTA };
    // The data dir's budget wins over the flags: a different one is refused, never applied.
    bindBudget(this.journal, budget, opts.clock.now());
    this.accountant = new PrivacyAccountant(this.journal.ledger, budget);
    this.numParameters = opts.model.manifest.numParameters;
    if (opts.initialWeights.length !== this.numParameters) {
      throw new CohortError('invalid_argument', `initial weights have ${opts.initialWeights.length} values, the model needs ${this.numParameters}`);
    }
    this.global = opts.initialWeights.slice();
    this.version = versionOf(opts.initialRound ?? 0, this.global);
    this.registry = new NodeRegistry(opts.clock, opts.log, (node) => this.recordNode(node));
    // One word more than the model: a secure round with adaptive clipping carries the clip bit.
    // Shared memory, so that the FedAvg thread adds an update where it was decoded.
    this.buffers = new Pool(Array.from({ length: Math.max(1, opts.uploadSlots) }, () => new Float32Array(new SharedArrayBuffer(4 * (this.numParameters + 1)))));
    this.sums = opts.sumOffload ?? (this.sumThread = new SumWorker());
    this.startedAtMs = opts.clock.now();
    if (opts.resume) this.resumeFrom(opts.resume);
  }

  /**
   * Take over from a previous run: rounds before `nextRound` are finished (none is
   * queued until a pending launch is), the counts and recent rounds status shows, the
   * nodes known so far; then queue pending launches again under fresh round numbers.
   * They pass exactly the checks a new launch passes (settings, every round private under a
   * budget, what the budget affords); a launch that fails them is closed and logged.
   */
  private resumeFrom(resume: Resume): void {
    this.completed = resume.completed ?? 0;
    this.history.push(...(resume.recent ?? []).slice(-(this.opts.historySize ?? 50)));
    this.registry.restore(resume.nodes ?? []);
    this.nextRound = resume.nextRound;
    for (const l of resume.launches) {
      const remaining = l.rounds - l.done;
      if (remaining <= 0) continue;
      let settings: RoundSettings;
      let plan: LaunchPlan | undefined;
      try {
        settings = this.mergeSettings(l.settings);
        plan = this.admit(settings, remaining);
      } catch (err) {
        this.opts.log.error({ launch: l.id, rounds: remaining, err: CohortError.from(err).message }, 'not resuming rounds queued before the restart: they fail the checks of a new launch');
        this.journal.launchClosed(l.id);
        continue;
      }
      const rounds = plan?.affordable ?? remaining;
      this.opts.log.info({ launch: l.id, firstRound: this.expectedNextRound(), rounds, refused: remaining - rounds }, 'resuming rounds queued before the restart');
      this.queue.push({ launchId: l.id, rounds, doneBefore: l.done, done: 0, cut: remaining - rounds, settings, events: new Channel(), clip: { value: settings.clipNorm } });
    }
    if (this.queue.length > 0) this.worker ??= this.drain();
  }

  /** The current global weights (a copy). */
  get weights(): Float32Array {
    return this.global.slice();
  }

  /** The model every node trains. */
  get model(): FederatedModel {
    return this.opts.model;
  }

  /** The version every task names until the next commit. */
  get modelVersion(): ModelVersion {
    return this.version;
  }

  /**
   * What to send a node that asks for `want` while holding `have`: the latest compressed
   * round's delta if `have` is its base, else the whole model. Only the current model is
   * served: a FETCH for an older one is a stale task (`not_found`).
   */
  modelTransfer(want: ModelVersion, have: ModelVersion | undefined): ModelTransfer {
    if (!sameVersion(want, this.version)) {
      throw new CohortError('not_found', `model ${describeVersion(want)} is not the current global model (${describeVersion(this.version)}): the task is stale`);
    }
    const d = this.delta;
    if (d && sameVersion(have, d.base) && sameVersion(d.version, this.version)) {
      return { version: this.version, numParameters: this.numParameters, encoding: d.encoding, base: d.base, payload: d.payload };
    }
    const g = this.global;
    return { version: this.version, numParameters: this.numParameters, encoding: 'f32', payload: new Uint8Array(g.buffer, g.byteOffset, g.byteLength) };
  }

  /** Upload buffers free now and in all: every one is free again once no upload is being read. */
  get uploadBuffers(): { readonly free: number; readonly total: number } {
    return { free: this.buffers.available, total: Math.max(1, this.opts.uploadSlots) };
  }

  // ------------------------------------------------------------------ nodes

  /** A node opened its session. */
  attach(session: NodeSession): void {
    this.registry.connect(session);
  }

  /** A node's session ended; it leaves any stage it was expected in. */
  detach(session: NodeSession, reason: string): void {
    if (!this.registry.disconnect(session, reason)) return;
    this.active?.train?.leave(session.name, 'disconnected', reason);
    this.active?.secure?.leave(session.name, reason);
    this.active?.evaluate?.leave(session.name, 'disconnected', reason);
  }

  /** Start receiving `name`'s update (the transport then feeds chunks to the receiver). */
  async openUpdate(name: string, header: UpdateHeader, signal: AbortSignal): Promise<UpdateReceiver> {
    this.registry.touch(name);
    if (header.masked) {
      const secure = this.secureStage(header.round);
      try {
        return await secure.openMasked(name, header, signal);
      } catch (err) {
        // The contract: a refused header drops the node from the round, as in plain rounds.
        if (err instanceof CohortError && err.code === 'invalid_argument') secure.leave(name, `masked input refused: ${err.message}`);
        throw err;
      }
    }
    const stage = this.stageFor(header.round, 'train') as TrainStage;
    return stage.open(name, header, signal);
  }

  /** A secure-aggregation protocol message from `name`. */
  secureMessage(name: string, round: number, message: unknown): void {
    this.registry.touch(name);
    this.secureStage(round).receive(name, message);
  }

  private secureStage(round: number): SecureStage {
    const active = this.active;
    if (!active || active.round !== round || !active.secure) {
      throw new CohortError('failed_precondition', `round ${round} is not running secure aggregation${active ? ` (round ${active.round} is running)` : ''}`);
    }
    return active.secure;
  }

  /** Record `name`'s federated-evaluation report. */
  submitEvaluation(name: string, report: EvaluationReport): void {
    this.registry.touch(name);
    (this.stageFor(report.round, 'evaluate') as EvalStage).submit(name, report);
  }

  /** `name` declines its task for `round`: a normal non-participation, shown to operators with its category and reason. */
  decline(name: string, round: number, kind: TaskKind, reason: string, category: DeclineCategory = 'unspecified'): void {
    this.registry.touch(name);
    const secure = kind === 'train' && this.active?.round === round ? this.active.secure : undefined;
    const stage = secure ?? this.stageFor(round, kind);
    if (!stage.isPending(name)) throw new CohortError('failed_precondition', `${name} has no open ${kind} task in round ${round}`);
    this.opts.log.info({ round, node: name, stage: kind, category, reason }, 'node declined its task');
    const active = this.active as ActiveRound;
    active.event = { ...active.event, declines: [...(active.event.declines ?? []), { node: name, kind, category, reason }] };
    if (secure) secure.leave(name, `declined: ${reason}`);
    else (stage as TrainStage | EvalStage).leave(name, 'declined', reason);
  }

  /** Revoke `name`: its session is cut and it is never selected again. */
  revoke(name: string): void {
    const session = this.registry.session(name);
    this.registry.revoke(name);
    if (session) this.detach(session, 'certificate revoked');
    this.active?.train?.leave(name, 'rejected', 'certificate revoked');
    this.active?.secure?.leave(name, 'certificate revoked');
    this.active?.evaluate?.leave(name, 'rejected', 'certificate revoked');
  }

  private stageFor(round: number, kind: TaskKind): TrainStage | EvalStage {
    const active = this.active;
    if (!active || active.round !== round) {
      const current = active ? `round ${active.round} is running` : 'no round is running';
      throw new CohortError('failed_precondition', `round ${round} is not open (${current})`);
    }
    const stage = kind === 'train' ? active.train : active.evaluate;
    if (!stage) throw new CohortError('failed_precondition', `round ${round} is not in its ${kind} stage (now: ${active.event.stage ?? 'starting'})`);
    return stage;
  }

  // ------------------------------------------------------------------ admin

  /** Queue `request.rounds` rounds; they run after any rounds already queued. */
  launch(request: LaunchRequest): LaunchHandle {
    if (this.stop.signal.aborted) throw new CohortError('unavailable', 'the coordinator is shutting down');
    if (!Number.isInteger(request.rounds) || request.rounds < 1 || request.rounds > 100_000) {
      throw new CohortError('invalid_argument', `rounds must be an integer in [1, 100000], got ${request.rounds}`);
    }
    const settings = this.mergeSettings(request.settings);
    const plan = this.admit(settings, request.rounds);
    // Only the rounds the budget affords are queued: the others are refused now, in one answer.
    const rounds = plan?.affordable ?? request.rounds;
    const firstRound = this.expectedNextRound();
    const launchId = this.journal.launchQueued(firstRound, rounds, request.settings);
    const job: Job = { launchId, rounds, doneBefore: 0, done: 0, cut: 0, settings, events: new Channel(), clip: { value: settings.clipNorm } };
    this.queue.push(job);
    this.opts.log.info({ firstRound, rounds, requested: request.rounds, sampleRate: settings.sampleRate, minNodes: settings.minNodes }, 'rounds queued');
    this.worker ??= this.drain();
    return { firstRound, rounds, ...(plan ? { plan } : {}), events: job.events };
  }

  /**
   * The checks every launch passes, new or resumed after a restart: valid settings, every
   * round private under a budget, and at least one round the budget affords after the
   * ledger and the private rounds queued ahead. Returns what the budget affords (private rounds).
   */
  private admit(settings: RoundSettings, requested: number): LaunchPlan | undefined {
    validateSettings(settings);
    const budget = this.accountant.budget;
    if (settings.noiseMultiplier === 0 && budget.epsilon !== undefined) {
      throw new CohortError('permission_denied', 'this coordinator enforces a privacy budget: every round must be private (give --noise-multiplier > 0)');
    }
    if (settings.noiseMultiplier === 0) return undefined;
    const ahead = this.queuedPrivateRounds();
    const a = this.accountant.affordable(settings.sampleRate, settings.noiseMultiplier, requested, ahead);
    if (a.affordable === 0) this.accountant.check(settings.sampleRate, settings.noiseMultiplier, ahead);
    return { requested, affordable: a.affordable, ...(budget.epsilon !== undefined ? { budgetEpsilon: budget.epsilon } : {}), spent: this.accountant.spent(), epsilonAfter: a.epsilonAfter };
  }

  /** Private rounds queued or running, as the accountant composes them (each assumed to complete). */
  private queuedPrivateRounds(): AccountedRound[] {
    const out: AccountedRound[] = [];
    for (const j of this.queue) {
      if (j.settings.noiseMultiplier <= 0) continue;
      for (let i = j.done; i < j.rounds; i++) out.push({ q: j.settings.sampleRate, sigma: j.settings.noiseMultiplier });
    }
    return out;
  }

  /** Rounds queued and not yet started. */
  private queuedRounds(): number {
    return this.queue.reduce((n, j) => n + j.rounds - j.done, 0) - (this.running ? 1 : 0);
  }

  /** The number the next queued launch's first round would take. */
  private expectedNextRound(): number {
    return this.nextRound + this.queuedRounds();
  }

  /**
   * An operator changes the privacy budget (or removes it). Recorded in the ledger with who,
   * when and why before it takes effect; every later report shows it. It applies from the
   * next round's budget check.
   */
  setBudget(change: { readonly epsilon: number | undefined; readonly delta?: number; readonly operator: string; readonly reason: string }): BudgetRecord {
    const delta = change.delta ?? this.accountant.budget.delta;
    checkBudget({ epsilon: change.epsilon, delta });
    const previous = this.accountant.budget;
    const record: BudgetRecord = { kind: 'budget', time: this.opts.clock.now(), ...(change.epsilon !== undefined ? { epsilon: change.epsilon } : {}), delta, operator: change.operator, reason: checkReason(change.reason) };
    this.journal.budgetChanged(record);
    this.opts.log.warn({ operator: change.operator, from: describeBudget(previous), to: describeBudget(record), reason: record.reason }, 'privacy budget changed by an operator');
    return record;
  }

  private mergeSettings(launch: LaunchSettings): RoundSettings {
    const { train, ...rest } = launch;
    return {
      ...this.opts.defaults,
      ...stripUndefined(rest),
      train: { ...this.opts.defaults.train, ...stripUndefined(train ?? {}) },
    };
  }

  /** The privacy ledger with its hash chain, for budget reports. */
  ledgerAudit(): LedgerAudit {
    return this.journal.audit();
  }

  /** Committed models (the registry). */
  models(): ModelRecord[] {
    return this.journal.models();
  }

  /** The verified weights of `round`'s committed model. */
  loadModel(round: number): Float32Array {
    return this.journal.loadModel(round);
  }

  /** Nodes known to the registry. */
  nodes(): NodeRecord[] {
    return this.registry.list();
  }

  /** A snapshot of rounds and nodes. */
  status(): CoordinatorStatus {
    return {
      startedAtMs: this.startedAtMs,
      model: this.opts.model,
      numParameters: this.numParameters,
      connectedNodes: this.registry.connected().length,
      knownNodes: this.registry.list().length,
      current: this.active?.event,
      recent: [...this.history],
      queuedRounds: this.queuedRounds(),
      completedRounds: this.completed,
    };
  }

  /** Keep a node's record durably; a failure costs only what `nodes` shows after a restart. */
  private recordNode(node: NodeRecord): void {
    if (this.closing) return;
    try {
      this.journal.node(node);
    } catch (err) {
      this.opts.log.warn({ node: node.name, err: CohortError.from(err).message }, 'could not record the node in the data dir');
    }
  }

  /** Stop: the running round is cancelled (nothing is released), queued rounds are dropped. */
  async close(): Promise<void> {
    // Recorded as seen now, before the sessions close (the store closes right after).
    const now = this.opts.clock.now();
    for (const n of this.registry.list()) if (n.status === 'connected') this.recordNode({ ...n, status: 'disconnected', lastSeenMs: now });
    this.closing = true;
    this.stop.abort(new CohortError('cancelled', 'coordinator shutting down'));
    this.active?.train?.close('cancelled');
    this.active?.evaluate?.close('cancelled');
    for (const s of this.registry.connected()) s.close('coordinator shutting down');
    await this.worker;
    await this.sumThread?.close();
  }

  // ------------------------------------------------------------------ rounds

  private async drain(): Promise<void> {
    try {
      for (let job = this.queue[0]; job; job = this.queue[0]) {
        const of = job.doneBefore + job.rounds + job.cut;
        let closed = false;
        while (job.done < job.rounds) {
          const index = job.doneBefore + job.done + 1;
          if (this.stop.signal.aborted) {
            // Not journaled: the launch stays pending and its rounds run after a restart.
            job.events.push(this.finished(this.nextRound, index, of, 'failed', 'coordinator shut down before the round started'));
            job.done += 1;
            continue;
          }
          // Checked before a round number is taken: a round the budget cannot pay for does not
          // wait for nodes, and the rest of its launch is refused with it, in one event.
          const refusal = this.budgetRefusal(job.settings);
          if (refusal) {
            const left = job.rounds - job.done;
            const which = left === 1 ? 'the last round of this launch was' : `the last ${left} rounds of this launch were`;
            const event = this.finished(this.nextRound, index, of, 'refused', `${which} refused (no round number used): ${refusal}`);
            this.opts.log.warn({ launch: job.launchId, rounds: left }, event.reason ?? '');
            this.opts.observer?.(event);
            job.events.push(event);
            this.journal.launchClosed(job.launchId);
            closed = true;
            break;
          }
          const round = this.nextRound;
          this.nextRound += 1;
          this.running = true;
          const event = await this.runRound(round, index, of, job.settings, job.events, job.launchId, job.clip);
          this.running = false;
          job.done += 1;
          this.history.push(event);
          if (this.history.length > (this.opts.historySize ?? 50)) this.history.shift();
          job.events.push(event);
        }
        if (job.cut > 0 && !closed && !this.stop.signal.aborted) this.journal.launchClosed(job.launchId);
        job.events.end();
        this.queue.shift();
      }
    } finally {
      this.worker = undefined;
    }
  }

  /** Why the budget refuses a round with these settings now, or undefined. */
  private budgetRefusal(settings: RoundSettings): string | undefined {
    if (settings.noiseMultiplier > 0) {
      try {
        this.accountant.check(settings.sampleRate, settings.noiseMultiplier);
      } catch (err) {
        return CohortError.from(err).message;
      }
      return undefined;
    }
    return this.accountant.budget.epsilon !== undefined ? 'this coordinator now enforces a privacy budget: every round must be private' : undefined;
  }

  private finished(round: number, index: number, of: number, state: 'failed' | 'skipped' | 'refused', reason: string): RoundEvent {
    return { round, state, selected: 0, participants: 0, evaluated: 0, seconds: 0, reason, startedAtMs: this.opts.clock.now(), index, of };
  }

  private async runRound(
    round: number,
    index: number,
    of: number,
    launchSettings: RoundSettings,
    events: Channel<RoundEvent>,
    launchId: number,
    clip: { value: number },
  ): Promise<RoundEvent> {
    const settings: RoundSettings = { ...launchSettings, clipNorm: clip.value };
    const { clock } = this.opts;
    const log = this.opts.log.child({ round });
    const started = clock.now();
    const active: ActiveRound = {
      round,
      event: { round, state: 'running', stage: 'wait', selected: 0, participants: 0, evaluated: 0, seconds: 0, startedAtMs: started, index, of },
    };
    this.active = active;
    const progress = (stage: RoundStage, fields: Partial<RoundEvent> = {}): void => {
      active.event = { ...active.event, ...fields, stage, seconds: (clock.now() - started) / 1000 };
      events.push(active.event);
      this.opts.observer?.(active.event);
      log.info({ stage, selected: active.event.selected, participants: active.event.participants }, `round ${round}: ${stage}`);
    };
    const end = (state: 'completed' | 'skipped' | 'failed' | 'refused', fields: Partial<RoundEvent>): RoundEvent => {
      const { stage: _stage, ...rest } = active.event;
      const event: RoundEvent = { ...rest, ...fields, state, seconds: (clock.now() - started) / 1000 };
      this.active = undefined;
      if (state !== 'completed') {
        try {
          this.journal.finished(event, launchId);
        } catch (err) {
          log.error({ err: CohortError.from(err).message }, 'could not record the end of the round');
        }
      }
      if (state === 'completed') {
        this.completed += 1;
        log.info({ stage: 'commit', participants: event.participants, accuracy: event.accuracy, loss: event.loss, seconds: event.seconds }, `round ${round} completed`);
      } else {
        log.warn({ stage: active.event.stage, reason: event.reason }, `round ${round} ${state}: ${event.reason ?? ''}`);
      }
      this.opts.observer?.(event);
      return event;
    };

    try {
      this.journal.started(round, settings, launchId);
      progress('wait');
      const needs = requirementsFor(settings, this.opts.model);
      const enough = await this.registry.waitForConnected(settings.minNodes, settings.waitForNodesMs, this.stop.signal, needs);
      if (this.stop.signal.aborted) return end('failed', { reason: 'coordinator shut down' });
      if (!enough) {
        const connected = this.registry.connected().length;
        const able = this.registry.eligible(needs).length;
        const which = able < connected ? `; only ${able} of them can do what this round needs (${describeRequirements(needs)})` : '';
        return end('skipped', {
          reason: `only ${connected} node(s) connected after waiting ${settings.waitForNodesMs / 1000} s${which}; at least ${settings.minNodes} needed`,
        });
      }

      progress('select');
      const candidates = this.registry.eligible(needs);
      const selected = poissonSample(candidates, settings.sampleRate, this.opts.samplingRng);
      if (selected.length < settings.minNodes) {
        return end('skipped', {
          selected: selected.length,
          reason: `only ${selected.length} of ${candidates.length} connected nodes were selected (sample rate ${settings.sampleRate}); at least ${settings.minNodes} needed`,
        });
      }

      const trainDeadline = clock.now() + settings.trainTimeoutMs;
      // Public: the sampling rate and how many nodes could have been selected.
      const expected = Math.max(1, settings.sampleRate * candidates.length);
      const privacy = privacyTask(settings, expected);
      const divisor = privacy && settings.sampleRate < 1 ? expected : undefined;
      const aggregated = settings.secureAggregation
        ? await this.secureAggregate({ active, selected, settings, privacy, divisor, deadline: trainDeadline, progress, log })
        : await this.plainAggregate({ active, selected, settings, privacy, divisor, deadline: trainDeadline, progress, log });
      if (this.stop.signal.aborted) return end('failed', { reason: 'coordinator shut down during training' });
      if (aggregated.kind === 'failed') return end('failed', { participants: aggregated.participants, reason: aggregated.reason });
      const { next, participants } = aggregated;
      const nextClip =
        settings.adaptiveClip && aggregated.noisedWithinClip !== undefined
          ? nextClipNorm(settings.clipNorm, aggregated.noisedWithinClip, expected, settings.adaptiveClip)
          : undefined;

      // Commit before release: the ledger entry and the model are durable together before
      // anything derived from the aggregate reaches a node, an operator, a log or a metric.
      progress('commit', { participants: participants.length });
      // Every release gets a ledger entry; one without noise is recorded as such (unbounded ε).
      const released = { round, time: clock.now(), sampleRate: settings.sampleRate, minSurvivors: settings.minNodes, survivors: participants.length, secureAggregation: settings.secureAggregation };
      const ledger =
        settings.noiseMultiplier > 0
          ? this.accountant.prepare({ ...released, noiseMultiplier: settings.noiseMultiplier, clipNorm: settings.clipNorm, noise: noiseMode(settings) })
          : this.accountant.prepareRelease({ ...released, ...(settings.secureAggregation ? { clipNorm: settings.clipNorm } : {}) });
      const epsilonAfter = ledger.epsilonAfter;
      const committed: Partial<RoundEvent> = {
        ...(privacy || settings.secureAggregation ? { clipNorm: settings.clipNorm } : {}),
        participants: participants.length,
        ...(epsilonAfter !== undefined ? { epsilon: epsilonAfter } : {}),
      };
      const { stage: _stage, ...sofar } = active.event;
      try {
        this.journal.committed({ event: { ...sofar, ...committed, state: 'completed', seconds: (clock.now() - started) / 1000 }, weights: next, ledger, launchId });
      } catch (err) {
        return end('failed', { participants: participants.length, reason: `could not record the round durably, nothing was released: ${CohortError.from(err).message}` });
      }
      this.delta = aggregated.delta ? { base: this.version, version: versionOf(round, next), encoding: aggregated.delta.encoding, payload: aggregated.delta.payload } : undefined;
      this.global = next;
      this.version = this.delta?.version ?? versionOf(round, next);
      if (nextClip !== undefined) {
        log.info({ stage: 'commit', clipNorm: settings.clipNorm, nextClipNorm: nextClip }, 'adaptive clipping: clip norm for the next round');
        clip.value = nextClip;
      }
      for (const name of participants) this.registry.participated(name);

      // Federated evaluation of the committed model; its results are attached to the round afterwards.
      const evaluators = this.registry.eligible({ modelKind: modelKind(this.opts.model), secureAggregation: false, privacy: false });
      const evalDeadline = clock.now() + settings.evalTimeoutMs;
      const evaluation = new EvalStage(round, evaluators.map((s) => s.name), log.child({ stage: 'evaluate' }), settings.maxWeightShare);
      active.evaluate = evaluation;
      progress('evaluate', committed);
      this.broadcast(evaluators, this.task(round, 'evaluate', settings, evalDeadline), (name, detail) => evaluation.leave(name, 'disconnected', detail), log);
      await this.until(evaluation, evalDeadline);
      active.evaluate = undefined;
      const metrics = this.stop.signal.aborted ? undefined : evaluation.metrics;
      const outcome: Partial<RoundEvent> = {
        ...committed,
        evaluated: metrics ? evaluation.evaluated : 0,
        ...(metrics
          ? { accuracy: metrics.accuracy, loss: metrics.loss }
          : { reason: this.stop.signal.aborted ? 'the model is committed; the coordinator shut down before it was evaluated' : 'no node evaluated the new model before the deadline' }),
      };
      try {
        const declines = active.event.declines;
        this.journal.evaluated(round, { evaluated: outcome.evaluated ?? 0, ...(metrics ? { accuracy: metrics.accuracy, loss: metrics.loss } : {}), ...(declines ? { declines } : {}) });
      } catch (err) {
        log.error({ err: CohortError.from(err).message }, 'could not record the federated evaluation of a committed round');
      }
      return end('completed', outcome);
    } catch (err) {
      const e = CohortError.from(err);
      log.error({ err: e.message, cause: e.cause instanceof Error ? e.cause.stack : undefined }, 'round crashed');
      return end('failed', { reason: `internal error: ${e.message}` });
    } finally {
      if (this.active === active) this.active = undefined;
    }
  }

  /** Plain rounds: updates arrive in the clear, are bounded in norm and combined by the round's aggregator. */
  private async plainAggregate({ active, selected, settings, privacy, divisor, deadline, progress, log }: AggregationInput): Promise<Aggregated> {
    const tooLarge = robustMemoryRefusal(settings.aggregator, selected.length, this.numParameters);
    if (tooLarge) return { kind: 'failed', participants: 0, reason: tooLarge };
    const aggregate = createAggregator(settings.aggregator, this.numParameters, settings, this.sums);
    try {
      return await this.trainAndAggregate(aggregate, { active, selected, settings, privacy, divisor, deadline, progress, log });
    } finally {
      // A failed round does not wait for queued additions; they end before the sums are reused.
      await aggregate.settled().catch(() => undefined);
      aggregate.release();
    }
  }

  /** A plain round's train stage, then its step from `aggregate`. */
  private async trainAndAggregate(aggregate: Aggregator, { active, selected, settings, privacy, divisor, deadline, progress, log }: AggregationInput): Promise<Aggregated> {
    const train = new TrainStage(active.round, selected.map((s) => s.name), {
      numParameters: this.numParameters,
      encoding: updateEncoding(settings.compress),
      buffers: this.buffers,
      log: log.child({ stage: 'train' }),
      aggregator: aggregate,
      ...(privacy ? { clipNorm: privacy.clipNorm } : { normBound: settings.clipNorm }),
      manifestSha256: this.opts.model.manifest.sha256,
      ...(settings.targetUpdates !== undefined
        ? {
            targetUpdates: settings.targetUpdates,
            onEnough: (rest: readonly string[]) => {
              log.info({ stage: 'train', target: settings.targetUpdates, cancelled: rest.length }, 'the round has its target number of updates; the other selected nodes are told to stop');
              for (const name of rest) this.registry.session(name)?.cancel(active.round, `round ${active.round} already has its ${settings.targetUpdates} updates`);
            },
          }
        : {}),
    });
    active.train = train;
    progress('train', { selected: selected.length });
    const task = { ...this.task(active.round, 'train', settings, deadline), ...(privacy ? { privacy } : { maxUpdateNorm: settings.clipNorm }) };
    this.broadcast(selected, task, (name, detail) => train.leave(name, 'disconnected', detail), log);
    await this.until(train, deadline);
    active.train = undefined;
    const participants = train.participants;
    if (participants.length < settings.minNodes) {
      const gone = selected.length - participants.length;
      return {
        kind: 'failed',
        participants: participants.length,
        reason: `only ${participants.length} of ${selected.length} selected nodes returned a valid update (${gone} dropped, timed out, declined or were rejected); at least ${settings.minNodes} needed — the global model is unchanged`,
      };
    }
    // Every accepted update is counted; its addition may still be running on the FedAvg thread.
    await aggregate.settled();
    if (train.normBounded > 0) log.info({ stage: 'train', scaled: train.normBounded, bound: settings.clipNorm }, 'updates scaled down to the norm bound');
    // Central noise: the coordinator, trusted here, adds σ·C before anything is released.
    if (privacy) train.aggregate.addNoise(privacy.noiseMultiplier * privacy.clipNorm, this.opts.samplingRng);
    const noisedWithinClip =
      privacy?.clipBitNoiseMultiplier !== undefined ? noisedCentredBits(train.withinClip, participants.length, privacy.clipBitNoiseMultiplier, this.opts.samplingRng) : undefined;
    const next = train.aggregate.apply(this.global, divisor);
    if (settings.compress !== 'none') return { kind: 'ok', participants, ...this.compressedNext(next, settings.compress) };
    return { kind: 'ok', next, participants, ...(noisedWithinClip !== undefined ? { noisedWithinClip } : {}) };
  }

  /**
   * A compressed round quantises its global update (next − global) like the nodes'
   * updates, and the new model is the current one plus exactly that quantised update, so
   * a node that holds the current model rebuilds the new one bit for bit from about a
   * quarter of the bytes (int8).
   */
  private compressedNext(exact: Float32Array, encoding: Exclude<Compression, 'none'>): { next: Float32Array; delta: { encoding: TensorEncoding; payload: Buffer } } {
    const step = new Float32Array(exact.length);
    const g = this.global;
    for (let i = 0; i < step.length; i++) step[i] = (exact[i] as number) - (g[i] as number);
    const payload = encodeTensor(step, encoding, () => this.opts.samplingRng.nextInt(2 ** 32));
    const next = decodeTensor(payload, g.slice(), encoding, 'add');
    return { next, delta: { encoding, payload } };
  }

  /**
   * Secure aggregation (SecAgg+): nodes clip their update, encode it in fixed point and
   * mask it; the coordinator only ever holds the running masked sum and finally learns
   * the survivors' sum, which it averages uniformly (each node's weight is 1, so no node
   * needs to reveal its example count).
   */
  private async secureAggregate({ active, selected, settings, privacy, divisor, deadline, progress, log }: AggregationInput): Promise<Aggregated> {
    const names = selected.map((s) => s.name);
    // Adaptive clipping rides along as one more coordinate: (b − ½)·C, so it fits the same range.
    const withBit = privacy?.clipBitNoiseMultiplier !== undefined;
    const vectorLength = this.numParameters + (withBit ? 1 : 0);
    let setup: SecureSetup;
    let fixedPoint: FixedPointParams;
    try {
      const params = chooseParameters(names.length, EXPECTED_DROPOUT_RATE, {
        ...(settings.neighbours !== undefined ? { k: settings.neighbours } : {}),
        ...(settings.threshold !== undefined ? { t: settings.threshold } : {}),
      });
      const graphSeed = new Uint8Array(32);
      this.opts.samplingRng.fillBytes(graphSeed);
      fixedPoint = fixedPointParams({ clipNorm: settings.clipNorm, noiseBound: distributedNoiseBound(privacy), maxSummands: names.length });
      const roundId = `${active.round}-${Buffer.from(graphSeed.subarray(0, 6)).toString('hex')}`;
      const encoding = { clipNorm: fixedPoint.clipNorm, noiseBound: fixedPoint.noiseBound, maxSummands: fixedPoint.maxSummands, scale: fixedPoint.scale };
      setup = {
        config: { roundId, participants: names, k: params.k, t: params.t, minSurvivors: settings.minNodes, vectorLength, graphSeed, fixedPoint: encoding },
        certificates: new Map(selected.map((s) => [s.name, s.certificatePem])),
      };
      // The nodes' own check: a configuration they would refuse fails here, before anyone is asked.
      checkConfig(setup.config);
      log.info({ stage: 'secure-aggregation', n: names.length, k: params.k, t: params.t, meetsTargets: params.meetsTargets }, 'secure aggregation parameters');
    } catch (err) {
      return { kind: 'failed', participants: 0, reason: `secure aggregation cannot run with these settings: ${CohortError.from(err).message}` };
    }
    const secure = new SecureStage(active.round, setup.config, {
      verifier: publicKeyVerifier(setup.certificates),
      buffers: this.buffers,
      clock: this.opts.clock,
      log: log.child({ stage: 'secure-aggregation' }),
    });
    active.secure = secure;
    progress('secure-aggregation', { selected: selected.length });
    const task = { ...this.task(active.round, 'train', settings, deadline), secure: setup, ...(privacy ? { privacy } : {}) };
    this.broadcast(selected, task, (name, detail) => secure.leave(name, detail), log);
    const outcome = await secure.run(deadline, settings.secaggStageTimeoutMs, { send: (to, m) => this.registry.session(to)?.sendSecAgg(active.round, m) }, this.stop.signal);
    active.secure = undefined;
    if (outcome.kind === 'aborted') {
      return { kind: 'failed', participants: 0, reason: `secure aggregation aborted, nothing was released: ${outcome.reason}` };
    }
    const { sum, noisedCentredBits: noisedWithinClip } = releaseSecureSum(outcome.sum, fixedPoint, this.numParameters, privacy, this.opts.samplingRng);
    const next = new Float32Array(this.numParameters);
    const inv = 1 / (divisor ?? outcome.survivors.length);
    for (let i = 0; i < next.length; i++) next[i] = (this.global[i] as number) + (sum[i] as number) * inv;
    log.info({ stage: 'secure-aggregation', survivors: outcome.survivors.length, dropouts: outcome.dropouts.length }, 'secure sum released');
    return { kind: 'ok', next, participants: [...outcome.survivors], ...(noisedWithinClip !== undefined ? { noisedWithinClip } : {}) };
  }

  private task(round: number, kind: TaskKind, settings: RoundSettings, deadlineMs: number): TaskDescriptor {
    return {
      round,
      kind,
      model: this.opts.model,
      train: settings.train,
      numParameters: this.numParameters,
      deadlineMs,
      seed: this.opts.seedRng.nextInt(2 ** 32),
      modelVersion: this.version,
      updateEncoding: updateEncoding(settings.compress),
      progressTimeoutMs: this.opts.progressTimeoutMs ?? DEFAULT_PROGRESS_TIMEOUT_MS,
    };
  }

  /** Send one task to every session; a node that cannot be reached leaves the stage. Weights go only to nodes that fetch them. */
  private broadcast(sessions: readonly NodeSession[], task: TaskDescriptor, leave: (name: string, detail: string) => void, log: Logger): void {
    for (const s of sessions) {
      s.send(task).catch((err: unknown) => {
        const detail = err instanceof Error ? err.message : String(err);
        log.warn({ node: s.name, stage: task.kind, err: detail }, 'could not send task');
        leave(s.name, `send failed: ${detail}`);
      });
    }
  }

  /** Wait until the stage settles or its deadline passes; stragglers then leave it. */
  private async until(stage: TrainStage | EvalStage, deadlineMs: number): Promise<void> {
    const timer = this.opts.clock.schedule(deadlineMs - this.opts.clock.now(), () => {
      for (const s of this.registry.connected()) if (stage.isPending(s.name)) s.cancel(stage.round, 'deadline passed');
      stage.close('deadline');
    });
    const onStop = (): void => stage.close('cancelled');
    this.stop.signal.addEventListener('abort', onStop, { once: true });
    try {
      await stage.settled;
    } finally {
      timer.cancel();
      this.stop.signal.removeEventListener('abort', onStop);
    }
  }
}

/** How nodes encode their updates in a round compressed with `c`. */
function updateEncoding(c: Compression): TensorEncoding {
  return c === 'none' ? 'f32' : c;
}

/** Per-coordinate room for a node's distributed noise share in the fixed-point range. */
function distributedNoiseBound(p: PrivacyTask | undefined): number {
  if (!p || p.noise !== 'distributed') return 0;
  const sigma = Math.max(p.noiseMultiplier, p.clipBitNoiseMultiplier ?? 0);
  return (NOISE_BOUND_STDS * sigma * p.clipNorm) / Math.sqrt(p.minSurvivors);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Check merged round settings; the message names the offending option. */
export function validateSettings(s: RoundSettings): void {
  const bad = (msg: string): never => {
    throw new CohortError('invalid_argument', msg);
  };
  if (!Number.isInteger(s.minNodes) || s.minNodes < 1) bad(`min-nodes must be a positive integer, got ${s.minNodes}`);
  if (!(s.sampleRate > 0 && s.sampleRate <= 1)) bad(`sample-rate must be in (0, 1], got ${s.sampleRate}`);
  for (const [name, v] of [
    ['train timeout', s.trainTimeoutMs],
    ['eval timeout', s.evalTimeoutMs],
  ] as const) {
    if (!Number.isFinite(v) || v < 1 || v > 86_400_000) bad(`${name} must be between 1 ms and 24 h, got ${v} ms`);
  }
  if (!Number.isFinite(s.waitForNodesMs) || s.waitForNodesMs < 0 || s.waitForNodesMs > 86_400_000) {
    bad(`wait for nodes must be between 0 and 24 h, got ${s.waitForNodesMs} ms`);
  }
  if (s.secureAggregation) {
    if (s.minNodes < 2) bad(`secure aggregation needs min-nodes of at least 2, got ${s.minNodes}`);
    if (!(s.clipNorm > 0 && Number.isFinite(s.clipNorm))) bad(`clip must be a positive number, got ${s.clipNorm}`);
    if (!Number.isFinite(s.secaggStageTimeoutMs) || s.secaggStageTimeoutMs < 1 || s.secaggStageTimeoutMs > 86_400_000) {
      bad(`secure-aggregation stage timeout must be between 1 ms and 24 h, got ${s.secaggStageTimeoutMs} ms`);
    }
    for (const [name, v] of [
      ['threshold', s.threshold],
      ['neighbours', s.neighbours],
    ] as const) {
      if (v !== undefined && (!Number.isInteger(v) || v < 1)) bad(`${name} must be a positive integer, got ${v}`);
    }
  } else if (s.threshold !== undefined || s.neighbours !== undefined) {
    bad('threshold and neighbours only apply with secure aggregation');
  }
  if (!(s.noiseMultiplier >= 0 && s.noiseMultiplier <= 1e4)) bad(`noise-multiplier must be in [0, 10000], got ${s.noiseMultiplier}`);
  if (s.noiseMultiplier > 0 && !(s.clipNorm > 0 && Number.isFinite(s.clipNorm))) bad(`clip must be a positive number, got ${s.clipNorm}`);
  if (s.noise !== undefined && s.noise !== 'distributed' && s.noise !== 'central') bad(`noise must be distributed or central, got ${String(s.noise)}`);
  if (s.adaptiveClip) {
    if (s.noiseMultiplier <= 0) bad('adaptive clipping is part of differential privacy: give --noise-multiplier > 0');
    try {
      checkAdaptiveClip(s.adaptiveClip);
    } catch (err) {
      bad((err as Error).message);
    }
  }
  if (!isAggregatorKind(s.aggregator)) bad(`aggregator must be fedavg, trimmed-mean or median, got ${String(s.aggregator)}`);
  if (s.aggregator !== 'fedavg' && (s.secureAggregation || s.noiseMultiplier > 0)) {
    bad(`aggregator ${s.aggregator} needs every update in the clear: it works in plain rounds only (no --secure-aggregation, no --noise-multiplier)`);
  }
  if (!(s.trimFraction >= 0 && s.trimFraction < 0.5)) bad(`trim fraction must be in [0, 0.5), got ${s.trimFraction}`);
  if (!(s.maxWeightShare > 0 && s.maxWeightShare <= 1)) bad(`max weight share must be in (0, 1], got ${s.maxWeightShare}`);
  if (!(s.clipNorm > 0 && Number.isFinite(s.clipNorm))) bad(`clip must be a positive number (it bounds every update's norm), got ${s.clipNorm}`);
  if (s.noise === 'distributed' && !s.secureAggregation) {
    bad('distributed noise needs --secure-aggregation: without it the coordinator would see each update with only its share of the noise (use --noise central)');
  }
  if (s.targetUpdates !== undefined) {
    if (!Number.isInteger(s.targetUpdates) || s.targetUpdates < s.minNodes) bad(`target updates must be an integer of at least min-nodes (${s.minNodes}), got ${s.targetUpdates}`);
    // Secure rounds fix their participants at the start; which nodes finish first is not a Poisson sample.
    if (s.secureAggregation || s.noiseMultiplier > 0) bad('--target-updates is for plain rounds: secure and private rounds take every selected node that finishes (drop --target-updates)');
  }
  if (s.compress !== 'none' && s.compress !== 'int8' && s.compress !== 'fp16') bad(`compress must be int8 or fp16, got ${String(s.compress)}`);
  if (s.compress !== 'none' && s.secureAggregation) bad('--compress is for plain rounds: secure aggregation keeps its fixed-point ring (drop --compress or --secure-aggregation)');
  if (s.compress !== 'none' && s.noiseMultiplier > 0) {
    bad('--compress is for plain rounds: stochastic rounding would move clipped updates past the clip norm the privacy accounting relies on (drop --compress or --noise-multiplier)');
  }
  const t = s.train;
  if (!Number.isInteger(t.epochs) || t.epochs < 1 || t.epochs > 1000) bad(`epochs must be an integer in [1, 1000], got ${t.epochs}`);
  if (!Number.isInteger(t.batchSize) || t.batchSize < 1 || t.batchSize > 65536) bad(`batch size must be an integer in [1, 65536], got ${t.batchSize}`);
  if (!(t.learningRate > 0 && t.learningRate <= 100)) bad(`learning rate must be in (0, 100], got ${t.learningRate}`);
  parseTrainerOptions(t.options, 'config');
}
