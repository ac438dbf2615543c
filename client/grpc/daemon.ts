/**
 * The node daemon's transport: one outbound mutual-TLS channel to the coordinator, a Join
 * stream that carries tasks in, unary and client-streaming calls that carry results out,
 * and reconnection with capped, jittered exponential backoff.
 */
import { createSecureContext } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { deferred } from '../../shared/async.js';
import { type Clock, sleep } from '../../shared/clock.js';
import { CohortError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { DeclineCategory } from '../../shared/decline.js';
import type { FeatureRange } from '../../shared/model/feature-range.js';
import type { FederatedModel, ModelKindName } from '../../shared/model/model.js';
import { parseTrainerOptions } from '../../shared/model/options.js';
import { parseTrainConfig } from '../../shared/model/train.js';
import { type RandomSource, secureRandom } from '../../shared/random.js';
import type { ClientMessage } from '../../shared/secagg/messages.js';
import { toChunks } from '../../shared/tensor/chunks.js';
import type { CoordinatorMessage__Output } from '../../shared/wire/generated/cohort/v1/CoordinatorMessage.js';
import type { NodeCapabilities } from '../../shared/wire/generated/cohort/v1/NodeCapabilities.js';
import type { NodeServiceClient } from '../../shared/wire/generated/cohort/v1/NodeService.js';
import type { PrivacyConfig__Output } from '../../shared/wire/generated/cohort/v1/PrivacyConfig.js';
import type { Task__Output } from '../../shared/wire/generated/cohort/v1/Task.js';
import type { UpdateHeader } from '../../shared/wire/generated/cohort/v1/UpdateHeader.js';
import type { Welcome__Output } from '../../shared/wire/generated/cohort/v1/Welcome.js';
import { fromNodeToWire, setupFromWire, toNodeFromWire } from '../../shared/wire/secagg.js';
import type { NodeBudget } from '../core/budget.js';
import { type RevocationMemory, type SecureIdentity, VerifiedPeers } from '../core/secure.js';
import type { SignedRevocations } from '../../shared/pki/revocations.js';
import type { SignedRevocationList__Output } from '../../shared/wire/generated/cohort/v1/SignedRevocationList.js';
import { errorFromStatus, taskKindFromWire, WIRE_DECLINE_CATEGORY, WIRE_TASK_KIND } from '../../shared/wire/mapping.js';
import { modelFromWire } from '../../shared/wire/model.js';
import { CHANNEL_OPTIONS, CHUNK_BYTES, FLOW_CONTROL_WINDOW_BYTES, loadContract, PROTOCOL } from '../../shared/wire/proto.js';
import { checkCoordinatorName, connectionFailure, isNameMismatch } from './tls-names.js';
import { type CoordinatorLink, type IncomingTask, type LocalUpdate, type LocalWork, NodeAgent, type PrivacyTask, type TaskKind } from '../core/agent.js';

/** Software version announced on Join. */
export const NODE_VERSION = 'cohort-node/0.1.0';

/** PEM material a client connects with. */
export interface ClientTlsMaterial {
  readonly ca: Buffer;
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** Reconnection policy. */
export interface Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
}

/** What the built-in trainer trains; a site's trainer process may train any of these or a model given as tensors. */
export const BUILTIN_MODEL_KINDS: readonly ModelKindName[] = ['logreg', 'mlp'];
export const ANY_MODEL_KINDS: readonly ModelKindName[] = ['logreg', 'mlp', 'tensors'];

/** Everything a daemon needs. */
export interface DaemonOptions {
  /** Model kinds announced on Join (default BUILTIN_MODEL_KINDS). */
  readonly modelKinds?: readonly ModelKindName[];
  /** HOST:PORT of the coordinator. */
  readonly address: string;
  readonly tls: ClientTlsMaterial;
  readonly work: LocalWork;
  readonly log: Logger;
  readonly clock: Clock;
  /** Jitter source for backoff. */
  readonly rng: RandomSource;
  readonly backoff?: Backoff;
  /** Override of the TLS server name to check (defaults to the host in `address`). */
  readonly serverName?: string;
  readonly chunkBytes?: number;
  /** Credentials for secure aggregation; without them the node declines secure rounds. */
  readonly identity?: SecureIdentity;
  /** Fault injection (demo, tests): go offline for good instead of sending this secure-aggregation step. */
  readonly dropAt?: DropStage;
  /** With `dropAt`: drop out of every round there but reconnect for the next (benchmarks). */
  readonly rejoinAfterDrop?: boolean;
  /** This node's own privacy budget, charged before each round it trains for. */
  readonly budget?: NodeBudget;
  /** Where the newest revocation list seen is kept across restarts (the data dir); memory only without. */
  readonly revocationMemory?: RevocationMemory;
}

/** Secure-aggregation steps at which a node can be made to drop out. */
export type DropStage = 'keys' | 'shares' | 'masked' | 'unmask';

const DROP_MESSAGE: Record<DropStage, string> = { keys: 'advertise_keys', shares: 'share_keys', masked: 'masked_input', unmask: 'unmask_response' };

/** Wraps a link so the node vanishes (as if killed) at the chosen secure-aggregation step. */
function droppingLink(link: CoordinatorLink, stage: DropStage, vanish: () => void): CoordinatorLink {
  const dropped = (type: string): boolean => {
    if (type !== DROP_MESSAGE[stage]) return false;
    vanish();
    return true;
  };
  const gone = (): Promise<void> => Promise.reject(new CohortError('cancelled', `fault injection: dropped out at ${stage}`));
  return {
    submitUpdate: (r, u) => link.submitUpdate(r, u),
    submitEvaluation: (r, e) => link.submitEvaluation(r, e),
    decline: (r, k, c, why) => link.decline(r, k, c, why),
    secaggSend: (r, m) => (dropped(m.type) ? gone() : link.secaggSend(r, m)),
    submitMasked: (r, w) => (dropped('masked_input') ? gone() : link.submitMasked(r, w)),
  };
}

/** The default reconnect policy: 0.5 s doubling to 30 s. */
export const DEFAULT_BACKOFF: Backoff = { initialMs: 500, maxMs: 30_000 };

/**
 * Refusals a daemon must not retry, as the exit they lead to: a revoked or wrong-role
 * certificate is policy (exit 3); a protocol the coordinator does not speak is this node's
 * configuration (exit 2). Anything else, above all an unreachable coordinator, is retried.
 */
const FATAL: ReadonlyMap<number, 'policy' | 'configuration'> = new Map([
  [grpc.status.UNAUTHENTICATED, 'policy'],
  [grpc.status.PERMISSION_DENIED, 'policy'],
  [grpc.status.FAILED_PRECONDITION, 'configuration'],
  [grpc.status.UNIMPLEMENTED, 'configuration'],
]);

/**
 * Client credentials pinned to TLS 1.3 and the federation CA. A coordinator certificate
 * that does not name the host checked fails with an explanation of both fixes.
 */
export function mutualTlsChannelCredentials(tls: ClientTlsMaterial): grpc.ChannelCredentials {
  const context = createSecureContext({ ca: tls.ca, cert: tls.cert, key: tls.key, minVersion: 'TLSv1.3' });
  return grpc.credentials.createFromSecureContext(context, { checkServerIdentity: checkCoordinatorName });
}

/** Channel options for one client: our caps plus, optionally, a TLS name override. */
export function clientChannelOptions(serverName?: string): grpc.ChannelOptions {
  return {
    ...CHANNEL_OPTIONS,
    // Each daemon gets its own connection even when many share a process (tests, load runs).
    'grpc.use_local_subchannel_pool': 1,
    'grpc-node.flow_control_window': FLOW_CONTROL_WINDOW_BYTES,
    ...(serverName ? { 'grpc.ssl_target_name_override': serverName, 'grpc.default_authority': serverName } : {}),
  };
}

/** Delay before reconnect attempt `attempt` (0-based): full jitter over a capped exponential. */
export function backoffDelay(attempt: number, policy: Backoff, rng: RandomSource): number {
  const cap = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(cap / 2 + (rng.nextFloat() * cap) / 2);
}


/** The wire list as signed bytes, or undefined when absent. */
function revocationsFromWire(w: SignedRevocationList__Output | null | undefined): SignedRevocations | undefined {
  return w ? { list: w.list, signature: w.signature } : undefined;
}

/** Parse a Task message; errors are reported back as a decline. */
function parseTask(t: Task__Output): IncomingTask {
  const kind = taskKindFromWire(t.kind);
  if (!kind) throw new CohortError('invalid_argument', `unknown task kind ${t.kind}`);
  return {
    round: t.round,
    kind,
    model: modelFromWire(t.model),
    train: {
      ...parseTrainConfig({ epochs: t.train?.epochs, batchSize: t.train?.batchSize, learningRate: t.train?.learningRate }),
      options: parseTrainerOptions(t.train?.options ? { ...t.train.options } : {}, 'the task\'s config'),
    },
    numParameters: t.numParameters,
    chunkCount: t.chunkCount,
    deadlineMs: t.deadlineMs,
    seed: t.seed,
    ...(t.secagg ? { secure: setupFromWire(t.secagg) } : {}),
    ...(t.privacy ? { privacy: parsePrivacy(t.privacy) } : {}),
  };
}

/**
 * The model and input range a Welcome announces, or undefined when it names none (a
 * coordinator older than these fields) or one this node cannot read: tasks are then
 * checked one by one as before.
 */
function parseWelcome(w: Welcome__Output, log: Logger): { model: FederatedModel; range?: FeatureRange } | undefined {
  if (!w.model) return undefined;
  try {
    const model = modelFromWire(w.model);
    const r = w.featureRange;
    const range = r && Number.isFinite(r.min) && Number.isFinite(r.max) && r.min < r.max ? { min: r.min, max: r.max } : undefined;
    return { model, ...(range ? { range } : {}) };
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'the coordinator announced a model this node cannot read; checking each task instead');
    return undefined;
  }
}

/** A task's privacy settings; anything a node cannot honour is refused (and the task declined). */
function parsePrivacy(p: PrivacyConfig__Output): PrivacyTask {
  if (!(p.clipNorm > 0 && Number.isFinite(p.clipNorm))) throw new CohortError('invalid_argument', `privacy: clip norm must be positive, got ${p.clipNorm}`);
  if (!(p.noiseMultiplier > 0 && Number.isFinite(p.noiseMultiplier))) throw new CohortError('invalid_argument', `privacy: noise multiplier must be positive, got ${p.noiseMultiplier}`);
  if (!(p.minSurvivors >= 1)) throw new CohortError('invalid_argument', `privacy: min survivors must be at least 1, got ${p.minSurvivors}`);
  if (p.noise !== 'distributed' && p.noise !== 'central') throw new CohortError('invalid_argument', `privacy: unknown noise mode "${p.noise}"`);
  if (!(p.clipBitNoiseMultiplier >= 0 && Number.isFinite(p.clipBitNoiseMultiplier))) throw new CohortError('invalid_argument', `privacy: bad clip-bit noise ${p.clipBitNoiseMultiplier}`);
  return {
    clipNorm: p.clipNorm,
    noiseMultiplier: p.noiseMultiplier,
    minSurvivors: p.minSurvivors,
    noise: p.noise,
    ...(p.clipBitNoiseMultiplier > 0 ? { clipBitNoiseMultiplier: p.clipBitNoiseMultiplier } : {}),
  };
}


/** Outbound calls over the daemon's channel, each with a deadline. */
class GrpcLink implements CoordinatorLink {
  constructor(
    private readonly client: NodeServiceClient,
    private readonly chunkBytes: number,
    private readonly clock: Clock,
  ) {}

  private deadline(ms = 60_000): Date {
    return new Date(this.clock.now() + ms);
  }

  submitUpdate(round: number, update: LocalUpdate): Promise<void> {
    return this.upload(
      {
        round,
        numExamples: update.numExamples,
        numParameters: update.delta.length,
        trainLoss: update.trainLoss,
        masked: false,
        withinClip: update.withinClip === true,
        manifestSha256: update.manifestSha256 ?? '',
      },
      toChunks(update.delta, this.chunkBytes),
    );
  }

  submitMasked(round: number, masked: Uint32Array): Promise<void> {
    const asFloats = new Float32Array(masked.buffer, masked.byteOffset, masked.length);
    return this.upload({ round, numExamples: 1, numParameters: masked.length, trainLoss: 0, masked: true }, toChunks(asFloats, this.chunkBytes));
  }

  /** Stream a header and its chunks, one write at a time (back-pressure), with a deadline. */
  private upload(header: Omit<UpdateHeader, 'chunkCount'>, chunks: Buffer[]): Promise<void> {
    return new Promise((resolve, reject) => {
      const call = this.client.SubmitUpdate({ deadline: this.deadline(300_000) }, (err) => (err ? reject(errorFromStatus(err)) : resolve()));
      const write = (msg: object): Promise<void> => new Promise((res) => void call.write(msg, () => res()));
      void (async () => {
        await write({ header: { ...header, chunkCount: chunks.length } });
        for (let index = 0; index < chunks.length; index++) await write({ chunk: { index, data: chunks[index] } });
        call.end();
      })();
    });
  }

  secaggSend(round: number, message: Exclude<ClientMessage, { type: 'masked_input' }>): Promise<void> {
    return new Promise((resolve, reject) => {
      this.client.SecAggSend(fromNodeToWire(round, message), { deadline: this.deadline() }, (err) => (err ? reject(errorFromStatus(err)) : resolve()));
    });
  }

  submitEvaluation(round: number, e: { numExamples: number; accuracy: number; loss: number }): Promise<void> {
    return new Promise((resolve, reject) => {
      this.client.SubmitEvaluation({ round, ...e }, { deadline: this.deadline() }, (err) => (err ? reject(errorFromStatus(err)) : resolve()));
    });
  }

  decline(round: number, kind: TaskKind, category: DeclineCategory, reason: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.client.Decline({ round, kind: WIRE_TASK_KIND[kind], category: WIRE_DECLINE_CATEGORY[category], reason }, { deadline: this.deadline() }, (err) =>
        err ? reject(errorFromStatus(err)) : resolve(),
      );
    });
  }
}

/** Connection state, for logs and for tests that wait on it. */
export type DaemonState = 'connecting' | 'connected' | 'backoff' | 'stopped';

/** A node daemon: stays connected to the coordinator and works on the tasks it sends. */
export class NodeDaemon {
  private readonly client: NodeServiceClient;
  private readonly chunkBytes: number;
  private readonly listeners = new Set<(s: DaemonState) => void>();
  private stateValue: DaemonState = 'stopped';
  private agentValue: NodeAgent | undefined;
  /** Sessions opened so far (1 after the first connect, 2 after a reconnect, ...). */
  sessions = 0;
  private readonly vanished = new AbortController();
  /** Verified peer certificates, kept across sessions and rounds. */
  private readonly peers: VerifiedPeers | undefined;

  constructor(private readonly opts: DaemonOptions) {
    this.chunkBytes = opts.chunkBytes ?? CHUNK_BYTES;
    this.peers = opts.identity ? new VerifiedPeers(opts.identity.caPem, opts.revocationMemory) : undefined;
    const NodeService = loadContract().cohort.v1.NodeService;
    this.client = new NodeService(opts.address, mutualTlsChannelCredentials(opts.tls), clientChannelOptions(opts.serverName));
  }

  /** Current connection state. */
  get state(): DaemonState {
    return this.stateValue;
  }

  /** The agent of the current session (for stats). */
  get agent(): NodeAgent | undefined {
    return this.agentValue;
  }

  /** Resolve the first time the daemon reaches `state`. */
  when(state: DaemonState): Promise<void> {
    if (this.stateValue === state) return Promise.resolve();
    const d = deferred<void>();
    const l = (s: DaemonState): void => {
      if (s === state) {
        this.listeners.delete(l);
        d.resolve();
      }
    };
    this.listeners.add(l);
    return d.promise;
  }

  private setState(s: DaemonState): void {
    this.stateValue = s;
    for (const l of [...this.listeners]) l(s);
  }

  /**
   * Run until `signal` aborts (resolves) or the coordinator refuses this node for a reason
   * reconnecting cannot fix (rejects with that CohortError).
   */
  async run(signal: AbortSignal): Promise<void> {
    const backoff = this.opts.backoff ?? DEFAULT_BACKOFF;
    let attempt = 0;
    // The clock's timers are unref'd, so while the daemon waits out a backoff nothing else may
    // hold the event loop: without this handle the process would exit between reconnects.
    const keepAlive = setInterval(() => undefined, 2 ** 30);
    try {
      while (!signal.aborted && !this.vanished.signal.aborted) {
        this.setState('connecting');
        const outcome = await this.session(signal);
        if (signal.aborted || this.vanished.signal.aborted) break;
        if (outcome.welcomed) attempt = 0;
        const fatal = outcome.error && FATAL.get(outcome.error.code);
        if (outcome.error && fatal) {
          const refused = errorFromStatus(outcome.error);
          this.opts.log.error({ code: refused.code, reason: refused.message }, 'coordinator refused this node; not retrying');
          throw fatal === 'policy' ? refused : new CohortError('usage', `the coordinator refused this node's configuration: ${refused.message}`, { cause: refused });
        }
        const delay = backoffDelay(attempt++, backoff, this.opts.rng);
        this.setState('backoff');
        const reason = outcome.error ? connectionFailure(outcome.error.details) : 'session ended';
        // Retried all the same: the fix may be a new certificate on the coordinator's side.
        if (isNameMismatch(reason)) this.opts.log.error({ reason, retryInMs: delay, attempt }, 'cannot connect: the coordinator\'s certificate does not name the host this node dials');
        else this.opts.log.warn({ reason, retryInMs: delay, attempt }, 'disconnected from coordinator; reconnecting');
        await sleep(this.opts.clock, delay, signal).catch(() => undefined);
      }
    } finally {
      clearInterval(keepAlive);
      this.setState('stopped');
      this.client.close();
    }
  }

  /** What this node announces on Join: the coordinator selects it only for rounds it can do. */
  private capabilities(): NodeCapabilities {
    // The agent clips and noises any PrivacyConfig itself, whatever trains.
    return { modelKinds: [...(this.opts.modelKinds ?? BUILTIN_MODEL_KINDS)], secureAggregation: this.opts.identity !== undefined, privacy: true };
  }

  /** Fault injection: cut the session and never reconnect, as a killed node would. */
  private vanish(call: grpc.ClientReadableStream<CoordinatorMessage__Output>): void {
    this.opts.log.warn({ dropAt: this.opts.dropAt }, 'fault injection: dropping out of the round');
    if (!this.opts.rejoinAfterDrop) this.vanished.abort();
    call.cancel();
  }

  /** Keep the coordinator's revocation list if it is newer; a bad one is logged (secure rounds then say why they are refused). */
  private takeRevocations(wire: SignedRevocationList__Output | null | undefined): void {
    if (!this.peers) return;
    const signed = revocationsFromWire(wire);
    if (!signed) {
      this.opts.log.warn({}, 'the coordinator sent no revocation list: secure rounds will be refused');
      return;
    }
    try {
      if (this.peers.offerRevocations(signed) === 'newer') {
        const list = this.peers.revocations;
        this.opts.log.info({ number: list?.number, nextUpdate: list?.nextUpdate.toISOString(), revoked: list?.revoked.length }, 'revocation list updated');
      }
    } catch (err) {
      this.opts.log.warn({ reason: (err as Error).message, newest: this.peers.revocations?.number }, 'revocation list from the coordinator refused; secure rounds need one no older than the newest seen');
    }
  }

  /** One Join session; resolves when it ends, with the error that ended it if any. */
  private session(signal: AbortSignal): Promise<{ welcomed: boolean; error?: grpc.ServiceError }> {
    return new Promise((resolve) => {
      let welcomed = false;
      const log = this.opts.log;
      const identity = this.opts.identity;
      const link: CoordinatorLink = new GrpcLink(this.client, this.chunkBytes, this.opts.clock);
      const agent = new NodeAgent(
        this.opts.work,
        this.opts.dropAt ? droppingLink(link, this.opts.dropAt, () => this.vanish(call)) : link,
        this.chunkBytes,
        log,
        identity && this.peers ? { identity, rng: secureRandom, now: () => new Date(this.opts.clock.now()), peers: this.peers } : undefined,
        this.opts.budget,
      );
      this.agentValue = agent;
      const call = this.client.Join({ protocol: PROTOCOL, software: NODE_VERSION, capabilities: this.capabilities() });
      const onAbort = (): void => call.cancel();
      signal.addEventListener('abort', onAbort, { once: true });
      let settled = false;
      const done = (error?: grpc.ServiceError): void => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        resolve(error ? { welcomed, error } : { welcomed });
      };
      call.on('data', (msg: CoordinatorMessage__Output) => {
        switch (msg.body) {
          case 'welcome': {
            welcomed = true;
            this.sessions += 1;
            log.info({ as: msg.welcome?.nodeName, coordinator: msg.welcome?.coordinatorVersion }, 'connected to coordinator');
            this.takeRevocations(msg.welcome?.revocations);
            const model = msg.welcome ? parseWelcome(msg.welcome, log) : undefined;
            if (model) agent.onWelcome(model.model, model.range);
            this.setState('connected');
            break;
          }
          case 'task': {
            const t = msg.task;
            if (!t) break;
            if (t.secagg && this.peers) {
              // Checked on arrival, before any work: a round whose list is missing, forged,
              // rolled back or expired is declined at once, with the reason.
              try {
                this.peers.admitRound(revocationsFromWire(t.revocations), new Date(this.opts.clock.now()));
              } catch (err) {
                const reason = `secure aggregation refused: ${(err as Error).message}`;
                log.warn({ round: t.round, reason }, 'declining secure round');
                agent.onMalformedTask(t.round, taskKindFromWire(t.kind) ?? 'train', reason);
                break;
              }
            }
            let task: IncomingTask;
            try {
              task = parseTask(t);
            } catch (err) {
              const kind = taskKindFromWire(t.kind) ?? 'train';
              log.warn({ round: t.round, reason: (err as Error).message }, 'malformed task');
              agent.onMalformedTask(t.round, kind, (err as Error).message);
              break;
            }
            agent.onTask(task);
            break;
          }
          case 'chunk': {
            const c = msg.chunk;
            const kind = c ? taskKindFromWire(c.kind) : undefined;
            if (c && kind) agent.onChunk(c.round, kind, c.index, c.data);
            break;
          }
          case 'cancel':
            if (msg.cancel) agent.onCancel(msg.cancel.round, msg.cancel.reason);
            break;
          case 'secagg':
            if (msg.secagg) agent.onSecAgg(msg.secagg.round, toNodeFromWire(msg.secagg));
            break;
          default:
            log.warn({ body: msg.body }, 'unknown message from coordinator');
        }
      });
      call.on('error', (err: grpc.ServiceError) => done(err.code === grpc.status.CANCELLED && signal.aborted ? undefined : err));
      call.on('end', () => done());
    });
  }
}
