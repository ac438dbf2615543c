/**
 * The node daemon's transport: one outbound mutual-TLS gRPC channel to the coordinator (a
 * Join stream that carries tasks in, unary calls that carry reports out) and, per session,
 * one outbound bulk connection for models and updates (client/bulk/client.ts), with
 * reconnection of both with capped, jittered exponential backoff.
 */
import { createSecureContext } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { deferred } from '../../shared/async.js';
import { type Clock, sleep, type TimerHandle } from '../../shared/clock.js';
import { CohortError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { DeclineCategory } from '../../shared/decline.js';
import type { FeatureRange } from '../../shared/model/feature-range.js';
import type { FederatedModel, ModelKindName } from '../../shared/model/model.js';
import { parseTrainerOptions } from '../../shared/model/options.js';
import { parseTrainConfig } from '../../shared/model/train.js';
import { type RandomSource, secureRandom } from '../../shared/random.js';
import type { ClientMessage } from '../../shared/secagg/messages.js';
import { encodeTensor, type TensorEncoding } from '../../shared/tensor/codec.js';
import { describeVersion, type ModelVersion } from '../../shared/model/version.js';
import { SESSION_TOKEN_BYTES } from '../../shared/bulk/frames.js';
import { BulkClient } from '../bulk/client.js';
import { ModelCache } from '../core/models.js';
import type { CoordinatorMessage__Output } from '../../shared/wire/generated/cohort/v1/CoordinatorMessage.js';
import type { NodeCapabilities } from '../../shared/wire/generated/cohort/v1/NodeCapabilities.js';
import type { NodeServiceClient } from '../../shared/wire/generated/cohort/v1/NodeService.js';
import type { PrivacyConfig__Output } from '../../shared/wire/generated/cohort/v1/PrivacyConfig.js';
import type { Task__Output } from '../../shared/wire/generated/cohort/v1/Task.js';
import type { Welcome__Output } from '../../shared/wire/generated/cohort/v1/Welcome.js';
import { fromNodeToWire, setupFromWire, toNodeFromWire } from '../../shared/wire/secagg.js';
import type { NodeBudget } from '../core/budget.js';
import { type RevocationMemory, type SecureIdentity, VerifiedPeers } from '../core/secure.js';
import type { SignedRevocations } from '../../shared/pki/revocations.js';
import type { SignedRevocationList__Output } from '../../shared/wire/generated/cohort/v1/SignedRevocationList.js';
import { errorFromStatus, taskKindFromWire, tensorEncodingFromWire, WIRE_DECLINE_CATEGORY, WIRE_TASK_KIND } from '../../shared/wire/mapping.js';
import { modelFromWire } from '../../shared/wire/model.js';
import { CHANNEL_OPTIONS, FLOW_CONTROL_WINDOW_BYTES, loadContract, PROTOCOL } from '../../shared/wire/proto.js';
import { checkCoordinatorName, connectionFailure, isNameMismatch } from './tls-names.js';
import { type CoordinatorLink, type IncomingTask, type LocalUpdate, type LocalWork, NodeAgent, type PrivacyTask, type ReceivedModel, type TaskKind } from '../core/agent.js';

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
  /** The node's held model, kept across sessions (and, with a data dir, restarts); default: memory only. */
  readonly models?: ModelCache;
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
    fetchModel: (w, h, b, i) => link.fetchModel(w, h, b, i),
    submitUpdate: (r, u, e) => link.submitUpdate(r, u, e),
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
  const v = t.modelVersion;
  if (!v || v.sha256.length !== 32) throw new CohortError('invalid_argument', 'the task names no model version (32-byte sha256)');
  const updateEncoding = tensorEncodingFromWire(t.updateEncoding);
  if (!updateEncoding) throw new CohortError('invalid_argument', `unknown update encoding ${t.updateEncoding}`);
  return {
    round: t.round,
    kind,
    model: modelFromWire(t.model),
    train: {
      ...parseTrainConfig({ epochs: t.train?.epochs, batchSize: t.train?.batchSize, learningRate: t.train?.learningRate }),
      options: parseTrainerOptions(t.train?.options ? { ...t.train.options } : {}, 'the task\'s config'),
    },
    numParameters: t.numParameters,
    deadlineMs: t.deadlineMs,
    seed: t.seed,
    modelVersion: { round: v.round, sha256: Buffer.from(v.sha256) },
    updateEncoding,
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


/** Longest a model fetch or an upload may take (an upload may wait for a coordinator slot). */
const BULK_REQUEST_MS = 300_000;

/** Outbound calls of one session: reports over gRPC, models and updates over its bulk connection. */
class SessionLink implements CoordinatorLink {
  constructor(
    private readonly client: NodeServiceClient,
    /** Settles once the session's bulk connection is READY. */
    private readonly bulk: Promise<BulkClient>,
    private readonly clock: Clock,
    private readonly rng: RandomSource,
  ) {}

  private deadline(ms = 60_000): Date {
    return new Date(this.clock.now() + ms);
  }

  async fetchModel(want: ModelVersion, have: ModelVersion | undefined, base: Float32Array | undefined, into: Float32Array): Promise<ReceivedModel> {
    const bulk = await this.bulk;
    return bulk.fetch(want, have, base, into, this.clock.now() + BULK_REQUEST_MS);
  }

  async submitUpdate(round: number, update: LocalUpdate, encoding: TensorEncoding): Promise<void> {
    const bulk = await this.bulk;
    const payload = encodeTensor(update.delta, encoding, () => this.rng.nextInt(2 ** 32));
    const header = {
      round,
      numExamples: update.numExamples,
      numParameters: update.delta.length,
      trainLoss: update.trainLoss,
      masked: false,
      withinClip: update.withinClip === true,
      encoding,
      ...(update.manifestSha256 ? { manifestSha256: update.manifestSha256 } : {}),
    };
    await bulk.upload(header, payload, this.clock.now() + BULK_REQUEST_MS);
  }

  async submitMasked(round: number, masked: Uint32Array): Promise<void> {
    const bulk = await this.bulk;
    const header = { round, numExamples: 1, numParameters: masked.length, trainLoss: 0, masked: true, withinClip: false, encoding: 'f32' as const };
    await bulk.upload(header, new Uint8Array(masked.buffer, masked.byteOffset, masked.byteLength), this.clock.now() + BULK_REQUEST_MS);
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

/** Host part of HOST:PORT (IPv6 in brackets). */
function hostOf(address: string): string {
  const m = /^\[([^\]]+)\]:\d+$/.exec(address) ?? /^([^:]+):\d+$/.exec(address);
  if (!m) throw new CohortError('usage', `coordinator address must be HOST:PORT, got ${address}`);
  return m[1] as string;
}

/** How long a session whose bulk connection closed waits for the Join stream's status (the coordinator's reason). */
const JOIN_STATUS_GRACE_MS = 2_000;

/** Bulk refusals a daemon must not retry (as gRPC's FATAL). */
const BULK_FATAL: ReadonlyMap<string, 'policy' | 'configuration'> = new Map([
  ['unauthenticated', 'policy'],
  ['permission_denied', 'policy'],
]);

/** Connection state, for logs and for tests that wait on it. */
export type DaemonState = 'connecting' | 'connected' | 'backoff' | 'stopped';

/** A node daemon: stays connected to the coordinator and works on the tasks it sends. */
export class NodeDaemon {
  private readonly client: NodeServiceClient;
  /** The held model, kept across sessions. */
  readonly models: ModelCache;
  private readonly listeners = new Set<(s: DaemonState) => void>();
  private stateValue: DaemonState = 'stopped';
  private agentValue: NodeAgent | undefined;
  /** Sessions opened so far (1 after the first connect, 2 after a reconnect, ...). */
  sessions = 0;
  private readonly vanished = new AbortController();
  /** Verified peer certificates, kept across sessions and rounds. */
  private readonly peers: VerifiedPeers | undefined;

  constructor(private readonly opts: DaemonOptions) {
    this.models = opts.models ?? new ModelCache(undefined, opts.log);
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
        const bulkFatal = outcome.bulkError && BULK_FATAL.get(outcome.bulkError.code);
        if (outcome.bulkError && bulkFatal) {
          this.opts.log.error({ code: outcome.bulkError.code, reason: outcome.bulkError.message }, 'coordinator refused this node\'s bulk connection; not retrying');
          throw outcome.bulkError;
        }
        const fatal = outcome.error && FATAL.get(outcome.error.code);
        if (outcome.error && fatal) {
          const refused = errorFromStatus(outcome.error);
          this.opts.log.error({ code: refused.code, reason: refused.message }, 'coordinator refused this node; not retrying');
          throw fatal === 'policy' ? refused : new CohortError('usage', `the coordinator refused this node's configuration: ${refused.message}`, { cause: refused });
        }
        const delay = backoffDelay(attempt++, backoff, this.opts.rng);
        this.setState('backoff');
        const reason = outcome.bulkError ? `bulk channel: ${connectionFailure(outcome.bulkError.message)}` : outcome.error ? connectionFailure(outcome.error.details) : 'session ended';
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

  /**
   * One session: a Join stream and, once welcomed, a bulk connection; it ends when either
   * ends, and resolves with what ended it.
   */
  private session(signal: AbortSignal): Promise<{ welcomed: boolean; error?: grpc.ServiceError; bulkError?: CohortError }> {
    return new Promise((resolve) => {
      let welcomed = false;
      const log = this.opts.log;
      const identity = this.opts.identity;
      const bulkReady = deferred<BulkClient>();
      // A fetch or upload waiting for a bulk connection that never comes fails with the session.
      bulkReady.promise.catch(() => undefined);
      let bulk: BulkClient | undefined;
      let bulkError: CohortError | undefined;
      const link: CoordinatorLink = new SessionLink(this.client, bulkReady.promise, this.opts.clock, this.opts.rng);
      const agent = new NodeAgent(
        this.opts.work,
        this.opts.dropAt ? droppingLink(link, this.opts.dropAt, () => this.vanish(call)) : link,
        this.models,
        log,
        identity && this.peers ? { identity, rng: secureRandom, now: () => new Date(this.opts.clock.now()), peers: this.peers } : undefined,
        this.opts.budget,
      );
      this.agentValue = agent;
      const held = this.models.held;
      const call = this.client.Join({ protocol: PROTOCOL, software: NODE_VERSION, capabilities: this.capabilities(), ...(held ? { heldModel: { round: held.round, sha256: held.sha256 } } : {}) });
      const onAbort = (): void => call.cancel();
      signal.addEventListener('abort', onAbort, { once: true });
      let settled = false;
      const done = (error?: grpc.ServiceError): void => {
        if (settled) return;
        settled = true;
        grace?.cancel();
        signal.removeEventListener('abort', onAbort);
        const ended = bulkError ?? new CohortError('unavailable', 'the session ended');
        bulkReady.reject(ended);
        bulk?.close(ended);
        resolve({ welcomed, ...(error ? { error } : {}), ...(bulkError ? { bulkError } : {}) });
      };
      let grace: TimerHandle | undefined;
      /**
       * The bulk connection could not open, or closed: the whole session ends. When the
       * coordinator ended the session, its Join status (replaced, revoked, ...) says why and
       * usually follows within milliseconds: it is given JOIN_STATUS_GRACE_MS to arrive.
       */
      const bulkFailed = (err: CohortError): void => {
        if (settled) return;
        bulkError ??= err;
        if (BULK_FATAL.has(err.code) || !welcomed) {
          call.cancel();
          return;
        }
        grace ??= this.opts.clock.schedule(JOIN_STATUS_GRACE_MS, () => call.cancel());
      };
      const openBulk = (port: number, token: Buffer): void => {
        const host = hostOf(this.opts.address);
        BulkClient.open(
          { host, port, tls: this.opts.tls, serverName: this.opts.serverName ?? host, checkServerIdentity: checkCoordinatorName, clock: this.opts.clock, log },
          token,
          this.models.held,
        ).then(
          (client) => {
            if (settled) {
              client.close();
              return;
            }
            bulk = client;
            client.onClose((err) => {
              log.warn({ reason: err.message }, 'bulk connection closed; ending the session');
              bulkFailed(err);
            });
            bulkReady.resolve(client);
            log.info({ bulkPort: port, held: describeVersion(this.models.held) }, 'bulk channel ready');
            this.setState('connected');
          },
          (err: unknown) => {
            const e = CohortError.from(err);
            log.error({ bulkPort: port, code: e.code, reason: e.message }, 'cannot open the bulk channel (the coordinator\'s bulk port must be reachable too)');
            bulkFailed(e);
          },
        );
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
            const port = msg.welcome?.bulkPort ?? 0;
            const token = msg.welcome?.bulkToken;
            if (!(port > 0 && port < 65536) || token?.length !== SESSION_TOKEN_BYTES) {
              bulkFailed(new CohortError('failed_precondition', 'the coordinator announced no bulk channel (an older coordinator?)'));
              break;
            }
            // Connected once the bulk channel is READY too: only then does the coordinator select this node.
            openBulk(port, Buffer.from(token));
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
