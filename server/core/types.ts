/** Domain types of the coordinator core (independent of the wire format). */
import type { FederatedModel } from '../../shared/model/model.js';
import type { TrainConfig } from '../../shared/model/train.js';
import type { AdaptiveClipConfig } from '../../shared/dp/adaptive-clip.js';
import type { ServerMessage } from '../../shared/secagg/messages.js';
import type { SecureSetup } from '../../shared/wire/secagg.js';

/** What a task asks a node to do. */
export type TaskKind = 'train' | 'evaluate';

/** A task sent to one node, followed by the weights it applies to. */
export interface TaskDescriptor {
  readonly round: number;
  readonly kind: TaskKind;
  readonly model: FederatedModel;
  readonly train: TrainConfig;
  readonly numParameters: number;
  readonly deadlineMs: number;
  readonly seed: number;
  /** Present when the round uses secure aggregation (train tasks only). */
  readonly secure?: SecureSetup;
  /** Present when the round is differentially private (train tasks only). */
  readonly privacy?: PrivacyTask;
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

/**
 * One task and its weights, prepared once and sent to many nodes: the chunk buffers are
 * shared so broadcasting to n nodes does not hold n copies of the model.
 */
export interface Broadcast {
  readonly task: TaskDescriptor;
  readonly chunks: readonly Buffer[];
}

/** The coordinator's handle on one connected node daemon (implemented by the transport). */
export interface NodeSession {
  readonly name: string;
  /** Unique per connection, so a reconnect is distinguishable from the old session. */
  readonly id: number;
  /** The node's certificate (PEM) as TLS verified it; peers check secure-aggregation keys against it. */
  readonly certificatePem: string;
  /** Send a secure-aggregation message, in order after anything sent before. */
  sendSecAgg(round: number, message: ServerMessage): void;
  /** Send a task and its weights; resolves once written, rejects if the session closed. */
  send(broadcast: Broadcast): Promise<void>;
  /** Tell the node its result for `round` is no longer needed. */
  cancel(round: number, reason: string): void;
  /** End the session (revocation, shutdown, replaced by a newer session). */
  close(reason: string): void;
}

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
  /** L2 clip norm of each update in secure rounds (bounds the fixed-point range). */
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
}

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
}

/** Registry view of a node. */
export interface NodeRecord {
  readonly name: string;
  readonly status: 'connected' | 'disconnected' | 'revoked';
  readonly lastSeenMs: number;
  readonly roundsParticipated: number;
}
