/** Domain types of the coordinator core (independent of the wire format). */
import type { NodeDecline } from '../../shared/decline.js';
import type { FederatedModel } from '../../shared/model/model.js';
import type { TrainConfig } from '../../shared/model/train.js';
import type { AdaptiveClipConfig } from '../../shared/dp/adaptive-clip.js';
import type { ServerMessage } from '../../shared/secagg/messages.js';
import type { SecureSetup } from '../../shared/wire/secagg.js';
import type { ModelVersion } from '../../shared/model/version.js';
import type { TensorEncoding } from '../../shared/tensor/codec.js';
import type { AggregatorKind } from './aggregators.js';

/** What a task asks a node to do. */
export type TaskKind = 'train' | 'evaluate';

/**
 * A task sent to nodes. It names the global model it applies to; a node that does not
 * hold that version fetches it on the bulk channel, so weights travel only to nodes that
 * lack them.
 */
export interface TaskDescriptor {
  readonly round: number;
  readonly kind: TaskKind;
  readonly model: FederatedModel;
  readonly train: TrainConfig;
  readonly numParameters: number;
  readonly deadlineMs: number;
  readonly seed: number;
  readonly modelVersion: ModelVersion;
  /** Train tasks: how the node encodes its update (f32 unless the round compresses). */
  readonly updateEncoding: TensorEncoding;
  /** Present when the round uses secure aggregation (train tasks only). */
  readonly secure?: SecureSetup;
  /** Present when the round is differentially private (train tasks only). */
  readonly privacy?: PrivacyTask;
  /** Longest the node may take to take one message sent to it (Join stream and bulk channel), or to make progress on an upload. */
  readonly progressTimeoutMs: number;
  /** Plain train tasks: the L2 norm an update is scaled down to. */
  readonly maxUpdateNorm?: number;
}

/** What a node said it can do when it joined; selection only picks nodes that can do what a round needs. */
export interface NodeCapabilities {
  /** Model kinds it can train and evaluate; empty means it did not say (any kind). */
  readonly modelKinds: readonly string[];
  /** It takes part in SecAgg+ secure aggregation. */
  readonly secureAggregation: boolean;
  /** It clips and noises its update as a PrivacyConfig asks. */
  readonly privacy: boolean;
}

/** Where the Gaussian noise of a private round comes from. */
export type NoiseMode = 'distributed' | 'central';

/** What a node must do for a private round. */
export interface PrivacyTask {
  readonly clipNorm: number;
  readonly noiseMultiplier: number;
  /** m: distributed noise is split so that any m honest survivors carry σ·C in total. */
  readonly minSurvivors: number;
  readonly noise: NoiseMode;
  /** Adaptive clipping: noise multiplier of the within-clip bit; nodes report the bit when set. */
  readonly clipBitNoiseMultiplier?: number;
}

/** The coordinator's handle on one connected node daemon (implemented by the transport). */
export interface NodeSession {
  readonly name: string;
  /** Unique per connection, so a reconnect is distinguishable from the old session. */
  readonly id: number;
  /** The node's certificate (PEM) as TLS verified it; peers check secure-aggregation keys against it. */
  readonly certificatePem: string;
  readonly capabilities: NodeCapabilities;
  /** Send a secure-aggregation message, in order after anything sent before. */
  sendSecAgg(round: number, message: ServerMessage): void;
  /** Send a task (the same object to every node of a broadcast); resolves once written, rejects if the session closed. */
  send(task: TaskDescriptor): Promise<void>;
  /** Tell the node its result for `round` is no longer needed. */
  cancel(round: number, reason: string): void;
  /** End the session (revocation, shutdown, replaced by a newer session); `end` says which ending the node must act on. */
  close(reason: string, end?: SessionEnd): void;
}

/**
 * Session endings a node must not retry after: its certificate was revoked, or another
 * connection with the same certificate replaced this one (two daemons sharing a
 * certificate would otherwise replace each other forever).
 */
export type SessionEnd = 'revoked' | 'replaced';

/** Round lifecycle states. */
export type RoundState = 'queued' | 'running' | 'completed' | 'skipped' | 'failed' | 'refused';

/** Stages a running round goes through. */
export type RoundStage = 'wait' | 'select' | 'train' | 'secure-aggregation' | 'evaluate' | 'commit';

/** Per-launch settings; every field has a coordinator default. */
export interface RoundSettings {
  readonly minNodes: number;
  /** Poisson sampling rate q in (0, 1]. */
  readonly sampleRate: number;
  readonly train: TrainConfig;
  readonly trainTimeoutMs: number;
  readonly evalTimeoutMs: number;
  readonly waitForNodesMs: number;
  /** Secure aggregation (SecAgg+): the coordinator learns only the survivors' sum. */
  readonly secureAggregation: boolean;
  /**
   * L2 bound of each update: plain rounds scale larger updates down to it; secure and
   * private rounds require nodes to clip to it (fixed-point range, DP sensitivity).
   */
  readonly clipNorm: number;
  /** Operator overrides of the Shamir threshold t and neighbours per node k. */
  readonly threshold?: number;
  readonly neighbours?: number;
  /** Deadline of each secure-aggregation stage after training. */
  readonly secaggStageTimeoutMs: number;
  /** Differential privacy: noise multiplier σ; 0 turns DP off. Updates are clipped to `clipNorm`. */
  readonly noiseMultiplier: number;
  /** Default: distributed with secure aggregation, central without. */
  readonly noise?: NoiseMode;
  /** Adaptive clipping (private rounds): `clipNorm` is where the clip norm starts. */
  readonly adaptiveClip?: AdaptiveClipConfig;
  /** How plain rounds combine updates (robust aggregators: plain, non-private rounds only). */
  readonly aggregator: AggregatorKind;
  /** Trimmed mean: fraction of values dropped at each end of every coordinate, in [0, 0.5). */
  readonly trimFraction: number;
  /** Largest share of a round's total weight one node's update or evaluation may have, in (0, 1]. */
  readonly maxWeightShare: number;
  /** Update compression of plain rounds (also quantises the round's global update). */
  readonly compress: Compression;
  /**
   * Over-selection (plain, non-private rounds): the train stage closes as soon as this many
   * updates are in, and the other selected nodes are told to stop. Undefined waits for all.
   */
  readonly targetUpdates?: number;
}

/** Update compression of a round. */
export type Compression = 'none' | 'int8' | 'fp16';

/** What the operator sees of one round. */
export interface RoundEvent {
  readonly round: number;
  readonly state: RoundState;
  readonly stage?: RoundStage;
  readonly selected: number;
  readonly participants: number;
  readonly evaluated: number;
  readonly accuracy?: number;
  readonly loss?: number;
  /** Total ε spent after this round (private rounds only). */
  readonly epsilon?: number;
  /** Clip norm used (secure or private rounds). */
  readonly clipNorm?: number;
  readonly seconds: number;
  readonly reason?: string;
  readonly startedAtMs: number;
  /** 1-based position within its launch, and the launch's size. */
  readonly index: number;
  readonly of: number;
  /** Nodes that declined a task of this round, in order (absent when none did). */
  readonly declines?: readonly NodeDecline[];
}

/** What the privacy budget affords of a launch, told to the operator before its first round. */
export interface LaunchPlan {
  readonly requested: number;
  /** Rounds queued: the most of `requested` the budget allows, assuming each completes. */
  readonly affordable: number;
  /** The budget ε; absent when the coordinator has none. */
  readonly budgetEpsilon?: number;
  /** ε spent before this launch. */
  readonly spent: number;
  /** ε after the affordable rounds (and the private rounds queued ahead). */
  readonly epsilonAfter: number;
}

/** Registry view of a node. */
export interface NodeRecord {
  readonly name: string;
  readonly status: 'connected' | 'disconnected' | 'revoked';
  readonly lastSeenMs: number;
  readonly roundsParticipated: number;
}
