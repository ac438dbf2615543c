/**
 * The node daemon's core: turns the coordinator's messages into local work and the
 * results into outbound submissions. Transport-free; the gRPC session feeds it
 * messages and gives it a `CoordinatorLink` to answer on.
 */
import { type DeclineCategory, LocalRefusal } from '../../shared/decline.js';
import { CohortError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { FeatureRange } from '../../shared/model/feature-range.js';
import { describeFederatedModel, type FederatedModel } from '../../shared/model/model.js';
import type { TrainConfig } from '../../shared/model/train.js';
import { clipL2 } from '../../shared/dp/clip.js';
import type { RandomSource } from '../../shared/random.js';
import type { SecureSetup } from '../../shared/wire/secagg.js';
import { describeVersion, type ModelVersion } from '../../shared/model/version.js';
import type { TensorEncoding } from '../../shared/tensor/codec.js';
import type { NodeBudget } from './budget.js';
import type { ModelCache } from './models.js';
import { type SecureIdentity, type SecureLink, SecureParticipant, type VerifiedPeers } from './secure.js';

/** What a task asks this node to do. */
export type TaskKind = 'train' | 'evaluate';

/** A task as the node receives it (already parsed from the wire). */
export interface IncomingTask {
  readonly round: number;
  readonly kind: TaskKind;
  readonly model: FederatedModel;
  readonly train: TrainConfig;
  readonly numParameters: number;
  readonly deadlineMs: number;
  readonly seed: number;
  /** The global model the task applies to (fetched unless held). */
  readonly modelVersion: ModelVersion;
  /** Train tasks: how the update must be encoded. */
  readonly updateEncoding: TensorEncoding;
  /** Present when the round uses secure aggregation. */
  readonly secure?: SecureSetup;
  /** Present when the round is differentially private. */
  readonly privacy?: PrivacyTask;
}

/** A private round's requirements (see proto PrivacyConfig). */
export interface PrivacyTask {
  readonly clipNorm: number;
  readonly noiseMultiplier: number;
  readonly minSurvivors: number;
  readonly noise: 'distributed' | 'central';
  /** Adaptive clipping: also report whether the update was within the clip norm, with this noise on the bit. */
  readonly clipBitNoiseMultiplier?: number;
}

/** The result of local training. */
export interface LocalUpdate {
  /** w_local − w_global. */
  readonly delta: Float32Array;
  readonly numExamples: number;
  readonly trainLoss: number;
  /** Adaptive clipping: the update's norm was within the clip norm before clipping. */
  readonly withinClip?: boolean;
  /** The manifest the update follows (set by the agent from its task). */
  readonly manifestSha256?: string;
}

/** The result of evaluating the global model on the held-out split. */
export interface LocalEvaluation {
  readonly numExamples: number;
  readonly accuracy: number;
  readonly loss: number;
}

/** Why this node cannot work on a model. */
export interface Incompatibility {
  readonly category: DeclineCategory;
  /** Sent with the decline: short, and nothing about the data beyond how it fails to fit the model. */
  readonly reason: string;
  /** For this node's own log only: the problem in the data's own terms and how to fix it. */
  readonly detail?: string;
}

/** Local computation, swappable so transport benchmarks can time the framework alone. */
export interface LocalWork {
  /** Why this node cannot work on `model` (e.g. its data has other features), or undefined. */
  incompatibility(model: FederatedModel): Incompatibility | undefined;
  /** Advice for this node's operator when its inputs fall far outside `range` (never sent anywhere). */
  inputWarnings?(range: FeatureRange): string[];
  /** May return a promise, e.g. when training runs in a worker. */
  train(task: IncomingTask, global: Float32Array): LocalUpdate | Promise<LocalUpdate>;
  evaluate(task: IncomingTask, global: Float32Array): LocalEvaluation | Promise<LocalEvaluation>;
}

/** A model as received, before its hash is checked. */
export interface ReceivedModel {
  readonly weights: Float32Array;
  /** Whole (f32) or a quantised delta against the held model. */
  readonly encoding: TensorEncoding;
  readonly payloadBytes: number;
}

/** Outbound calls to the coordinator. */
export interface CoordinatorLink extends SecureLink {
  /**
   * Fetch model `want` into `into`; with `have` and `base` (its weights) the coordinator may
   * answer with a delta against them. Rejects `not_found` when `want` is no longer current.
   */
  fetchModel(want: ModelVersion, have: ModelVersion | undefined, base: Float32Array | undefined, into: Float32Array): Promise<ReceivedModel>;
  submitUpdate(round: number, update: LocalUpdate, encoding: TensorEncoding): Promise<void>;
  submitEvaluation(round: number, evaluation: LocalEvaluation): Promise<void>;
  decline(round: number, kind: TaskKind, category: DeclineCategory, reason: string): Promise<void>;
}

/** Counters a daemon reports (and tests assert on). */
export interface AgentStats {
  trained: number;
  evaluated: number;
  declined: number;
  failed: number;
  cancelled: number;
  /** Rounds declined because this node's own privacy budget would be passed. */
  declinedForBudget: number;
}

/**
 * Without secure aggregation a private round uses central noise: the node clips its update
 * (so its influence is bounded) and the coordinator adds the noise to the sum.
 */
export function clippedForCentralNoise(update: LocalUpdate, privacy: PrivacyTask, log: Logger): LocalUpdate {
  const { clipped } = clipL2(update.delta, privacy.clipNorm);
  log.info({ clipped, clipNorm: privacy.clipNorm, noise: privacy.noise }, clipped ? 'update clipped' : 'update within the clip norm');
  return privacy.clipBitNoiseMultiplier !== undefined ? { ...update, withinClip: !clipped } : update;
}

/** Handles one session's task stream. Tasks run one at a time, in arrival order. */
export class NodeAgent {
  readonly stats: AgentStats = { trained: 0, evaluated: 0, declined: 0, failed: 0, cancelled: 0, declinedForBudget: 0 };
  /** Per cancelled round, how many tasks had arrived when the cancel did. */
  private readonly cancelled = new Map<number, number>();
  private received = 0;
  private queue: Promise<void> = Promise.resolve();
  private secure: SecureParticipant | undefined;

  /**
   * @param models the node's held model, kept across sessions: each version is fetched once
   * @param secureDeps needed to take part in secure aggregation; without it secure rounds are declined
   */
  constructor(
    private readonly work: LocalWork,
    private readonly link: CoordinatorLink,
    private readonly models: ModelCache,
    private readonly log: Logger,
    private readonly secureDeps?: { readonly identity: SecureIdentity; readonly rng: RandomSource; readonly now: () => Date; readonly peers: VerifiedPeers },
    private readonly budget?: NodeBudget,
  ) {}

  /**
   * The coordinator said which model it trains: check this node's data against it now and
   * tell this node's operator, in the data's own terms, what does not fit and how to fix
   * it. Nothing is sent: tasks are declined one by one, each with the short reason.
   */
  onWelcome(model: FederatedModel, range: FeatureRange | undefined): void {
    const problem = this.work.incompatibility(model);
    if (problem) {
      this.log.error(
        { category: problem.category, reason: problem.reason },
        `this node's data does not fit the coordinator's model: ${problem.detail ?? problem.reason}. It will decline every round until this is fixed`,
      );
    } else {
      this.log.info({ model: describeFederatedModel(model) }, 'local data fits the coordinator\'s model');
    }
    if (range && !problem) for (const warning of this.work.inputWarnings?.(range) ?? []) this.log.warn({}, warning);
  }

  /** A task arrived: it runs after the tasks before it, on its model (held, or fetched first). */
  onTask(task: IncomingTask): void {
    const seq = ++this.received;
    const problem = this.checkTask(task);
    if (problem) {
      this.log.warn({ round: task.round, stage: task.kind, category: problem.category, reason: problem.reason }, 'declining the task');
      this.enqueue(() => this.decline(task.round, task.kind, problem.category, problem.reason));
      return;
    }
    this.enqueue(() => this.run(task, seq));
  }

  /** A task that could not be parsed at all: decline it with the reason. */
  onMalformedTask(round: number, kind: TaskKind, reason: string): void {
    this.enqueue(() => this.decline(round, kind, 'bad_task', reason));
  }

  /** The coordinator no longer needs this round's result. */
  onCancel(round: number, reason: string): void {
    this.cancelled.set(round, this.received);
    this.log.info({ round, reason }, 'task cancelled by coordinator');
  }

  /** A secure-aggregation message for `round`; handled after the round's training, in order. */
  onSecAgg(round: number, message: unknown): void {
    this.enqueue(async () => {
      const p = this.secure;
      if (!p || p.round !== round) {
        this.log.warn({ round }, 'ignoring secure-aggregation message for a round this node is not in');
        return;
      }
      try {
        await p.onMessage(message);
      } catch (err) {
        // The state machine has already refused and logged; a refusal that ends the round
        // leaves this node out of it, which the coordinator treats as a dropout.
        this.log.warn({ round, stage: 'secure-aggregation', err: (err as Error).message }, 'secure-aggregation message refused');
      }
      if (p.finished) this.secure = undefined;
    });
  }

  /** Resolves when every queued task has been handled. */
  idle(): Promise<void> {
    return this.queue;
  }

  private enqueue(job: () => Promise<void>): void {
    this.queue = this.queue.then(job).catch((err: unknown) => {
      this.stats.failed += 1;
      this.log.error({ err: (err as Error).message }, 'task failed');
    });
  }

  private checkTask(task: IncomingTask): Incompatibility | undefined {
    const expected = task.model.manifest.numParameters;
    const bad = (reason: string): Incompatibility => ({ category: 'bad_task', reason });
    if (task.numParameters !== expected) return bad(`task announces ${task.numParameters} parameters but the model has ${expected}`);
    if (task.secure && task.updateEncoding !== 'f32') return bad(`a secure round's masked input is sent as float32 words, not ${task.updateEncoding}`);
    // Without secure aggregation the coordinator would see this update with at most a share of the noise.
    if (task.privacy?.noise === 'distributed' && !task.secure) return bad('the round asks for distributed noise without secure aggregation: the coordinator would see this node\'s update without its full noise');
    return this.work.incompatibility(task.model);
  }

  private async decline(round: number, kind: TaskKind, category: DeclineCategory, reason: string): Promise<void> {
    this.stats.declined += 1;
    await this.link.decline(round, kind, category, reason);
  }

  /**
   * The weights `task` names: the held model if it is that version, else fetched (as a delta
   * when the coordinator has one against the held model) and hash-checked before use; a
   * mismatch is fetched once more whole. Undefined when the task is stale (a newer model
   * is committed: nothing to do).
   */
  private async globalFor(task: IncomingTask, log: Logger): Promise<Float32Array | undefined> {
    const models = this.models;
    const held = models.weightsOf(task.modelVersion);
    if (held && held.length === task.numParameters) {
      models.stats.hits += 1;
      return held;
    }
    const have = models.held;
    const base = models.weightsOf(have);
    const deltaBase = base && base.length === task.numParameters ? base : undefined;
    for (const whole of deltaBase ? [false, true] : [true]) {
      let got: ReceivedModel;
      try {
        got = await this.link.fetchModel(task.modelVersion, whole ? undefined : have, whole ? undefined : deltaBase, models.buffer(task.numParameters));
      } catch (err) {
        if (err instanceof CohortError && err.code === 'not_found') {
          log.info({ model: describeVersion(task.modelVersion), reason: err.message }, 'task is stale: its model is no longer current');
          return undefined;
        }
        throw err;
      }
      models.stats.bytes += got.payloadBytes;
      if (got.encoding === 'f32') models.stats.full += 1;
      else models.stats.deltas += 1;
      try {
        models.install(task.modelVersion, got.weights);
        log.debug({ model: describeVersion(task.modelVersion), encoding: got.encoding, bytes: got.payloadBytes }, 'model received and verified');
        return got.weights;
      } catch (err) {
        // Never train or evaluate on weights whose hash does not match the version named.
        log.warn({ model: describeVersion(task.modelVersion), encoding: got.encoding, reason: (err as Error).message }, whole ? 'received model does not match its hash' : 'model rebuilt from a delta does not match its hash; fetching it whole');
        if (whole) throw new CohortError('invalid_argument', `the model sent for ${describeVersion(task.modelVersion)} does not match its hash`);
      }
    }
    return undefined;
  }

  private async run(task: IncomingTask, seq: number): Promise<void> {
    const log = this.log.child({ round: task.round, stage: task.kind });
    // A cancel covers earlier tasks only: after cancelling a straggler's training at the
    // deadline, the coordinator still sends it that round's evaluation task.
    const cancelled = (): boolean => seq <= (this.cancelled.get(task.round) ?? 0);
    if (cancelled()) {
      this.stats.cancelled += 1;
      log.info({}, 'skipping cancelled task');
      return;
    }
    let global: Float32Array | undefined;
    try {
      global = await this.globalFor(task, log);
    } catch (err) {
      const e = CohortError.from(err);
      this.stats.failed += 1;
      log.warn({ code: e.code, err: e.message }, 'could not get the task\'s model');
      if (e.code === 'invalid_argument' && !cancelled()) await this.decline(task.round, task.kind, 'bad_task', e.message).catch(() => undefined);
      return;
    }
    if (!global || cancelled()) return;
    const t0 = performance.now();
    try {
      if (task.kind === 'train') {
        if (this.budget) {
          try {
            const epsilon = this.budget.charge(task);
            log.info({ epsilon, budget: this.budget.epsilon, delta: this.budget.delta }, 'round charged to this node\'s privacy budget');
          } catch (err) {
            const reason = `local privacy budget: ${(err as Error).message}`;
            log.warn({ reason }, 'declining the round');
            this.stats.declinedForBudget += 1;
            await this.decline(task.round, task.kind, 'privacy_budget', reason);
            return;
          }
        }
        const update = await this.local(task, cancelled, () => this.work.train(task, global));
        if (!update) return;
        log.info({ examples: update.numExamples, trainLoss: update.trainLoss, ms: Math.round(performance.now() - t0) }, 'local training done');
        if (cancelled()) return;
        if (task.secure) await this.startSecure(task, update);
        else {
          const stated = { ...update, manifestSha256: task.model.manifest.sha256 };
          await this.link.submitUpdate(task.round, task.privacy ? clippedForCentralNoise(stated, task.privacy, log) : stated, task.updateEncoding);
        }
        this.stats.trained += 1;
      } else {
        const evaluation = await this.local(task, cancelled, () => this.work.evaluate(task, global));
        if (!evaluation) return;
        if (evaluation.numExamples === 0) {
          await this.decline(task.round, task.kind, 'no_data', 'no held-out examples to evaluate on');
          return;
        }
        log.info({ examples: evaluation.numExamples, ms: Math.round(performance.now() - t0) }, 'evaluation done');
        if (cancelled()) return;
        await this.link.submitEvaluation(task.round, evaluation);
        this.stats.evaluated += 1;
      }
    } catch (err) {
      const e = CohortError.from(err);
      this.stats.failed += 1;
      log.warn({ code: e.code, err: e.message }, 'coordinator refused the result');
    }
  }

  /** Join the round's secure aggregation with this update; a setup this node cannot trust is declined. */
  private async startSecure(task: IncomingTask, update: LocalUpdate): Promise<void> {
    const setup = task.secure as SecureSetup;
    if (!this.secureDeps) {
      await this.decline(task.round, task.kind, 'secure_aggregation', 'this node is not set up for secure aggregation');
      return;
    }
    let participant: SecureParticipant;
    try {
      participant = new SecureParticipant(task.round, setup, update.delta, task.privacy, this.secureDeps.identity, this.link, {
        rng: this.secureDeps.rng,
        now: this.secureDeps.now(),
        peers: this.secureDeps.peers,
        log: this.log.child({ round: task.round, stage: 'secure-aggregation' }),
      });
    } catch (err) {
      await this.decline(task.round, task.kind, 'secure_aggregation', `secure aggregation refused: ${(err as Error).message}`);
      return;
    }
    this.secure = participant;
    await participant.start();
  }

  /**
   * Run local work; if it throws, decline at once so the coordinator does not wait for this
   * node until the deadline. The error stays in this node's log: its message may quote the data.
   */
  private async local<T>(task: IncomingTask, cancelled: () => boolean, work: () => T | Promise<T>): Promise<T | undefined> {
    try {
      return await work();
    } catch (err) {
      this.log.error({ round: task.round, stage: task.kind, err: err instanceof Error ? err.message : String(err) }, 'local work failed');
      const reason = err instanceof LocalRefusal ? `local ${task.kind} failed: ${err.message}` : `local ${task.kind} failed (the node's log says why)`;
      if (!cancelled()) await this.decline(task.round, task.kind, 'local_failure', reason);
      return undefined;
    }
  }
}
