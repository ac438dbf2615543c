/** NodeService adapter: authenticates, parses, calls the coordinator core, maps results to statuses. */
import { X509Certificate } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { type Deferred, deferred } from '../../shared/async.js';
import type { Clock, TimerHandle } from '../../shared/clock.js';
import { CohortError } from '../../shared/errors.js';
import { DEFAULT_FEATURE_RANGE, type FeatureRange } from '../../shared/model/feature-range.js';
import type { Logger } from '../../shared/logger.js';
import type { SignedRevocations } from '../../shared/pki/revocations.js';
import type { ServerMessage } from '../../shared/secagg/messages.js';
import type { SecAggFromNode__Output } from '../../shared/wire/generated/cohort/v1/SecAggFromNode.js';
import { fromNodeFromWire, setupToWire, toNodeToWire } from '../../shared/wire/secagg.js';
import type { CoordinatorMessage } from '../../shared/wire/generated/cohort/v1/CoordinatorMessage.js';
import type { DeclineRequest__Output } from '../../shared/wire/generated/cohort/v1/DeclineRequest.js';
import type { EvaluationResult__Output } from '../../shared/wire/generated/cohort/v1/EvaluationResult.js';
import type { JoinRequest__Output } from '../../shared/wire/generated/cohort/v1/JoinRequest.js';
import type { NodeCapabilities__Output } from '../../shared/wire/generated/cohort/v1/NodeCapabilities.js';
import type { NodeServiceHandlers } from '../../shared/wire/generated/cohort/v1/NodeService.js';
import type { SubmitAck } from '../../shared/wire/generated/cohort/v1/SubmitAck.js';
import { declineCategoryFromWire, taskKindFromWire, WIRE_TASK_KIND, WIRE_TENSOR_ENCODING } from '../../shared/wire/mapping.js';
import { modelToWire } from '../../shared/wire/model.js';
import { loadContract, PROTOCOL } from '../../shared/wire/proto.js';
import type { Coordinator } from '../core/coordinator.js';
import type { NodeCapabilities, SessionEnd, TaskDescriptor, TaskKind } from '../core/types.js';
import type { BulkLink } from '../bulk/server.js';
import type { BulkSession, SessionBridge } from '../bulk/sessions.js';
import { describeVersion } from '../../shared/model/version.js';
import { authorize, type CallPolicy } from './auth.js';
import { toServiceError } from './errors.js';
import { resetCall } from './listeners.js';

/** Version string sent in the Welcome message. */
export const COORDINATOR_VERSION = 'cohort-coordinator/0.1.0';

type Serialize = (value: CoordinatorMessage) => Buffer;

/**
 * The Join method's serializer, wrapped to pass already-encoded messages through: a
 * broadcast's task is encoded once and the same buffer written to every node.
 */
function joinSerializer(): Serialize {
  const join = loadContract().cohort.v1.NodeService.service.Join;
  return join.responseSerialize as Serialize;
}

/** Service definition whose Join accepts pre-serialized Buffers as well as message objects. */
export function nodeServiceDefinition(): grpc.ServiceDefinition {
  const def = loadContract().cohort.v1.NodeService.service;
  const serialize = joinSerializer();
  return {
    ...def,
    Join: { ...def.Join, responseSerialize: (v: CoordinatorMessage | Buffer) => (Buffer.isBuffer(v) ? v : serialize(v)) },
  } as unknown as grpc.ServiceDefinition;
}

/** Each broadcast's encoded task, shared by every session it is sent to. */
const encoded = new WeakMap<TaskDescriptor, Buffer>();

function frameOf(t: TaskDescriptor, revocations: SignedRevocations): Buffer {
  let frame = encoded.get(t);
  if (!frame) {
    frame = joinSerializer()({
      task: {
        round: t.round,
        kind: WIRE_TASK_KIND[t.kind],
        model: modelToWire(t.model),
        train: { epochs: t.train.epochs, batchSize: t.train.batchSize, learningRate: t.train.learningRate, options: { ...t.train.options } },
        numParameters: t.numParameters,
        deadlineMs: t.deadlineMs,
        seed: t.seed,
        secagg: t.secure ? setupToWire(t.secure) : null,
        privacy: t.privacy ? { ...t.privacy } : null,
        revocations: t.secure ? revocationsToWire(revocations) : null,
        progressTimeoutMs: t.progressTimeoutMs,
        maxUpdateNorm: t.maxUpdateNorm ?? 0,
        modelVersion: { round: t.modelVersion.round, sha256: t.modelVersion.sha256 },
        updateEncoding: WIRE_TENSOR_ENCODING[t.updateEncoding],
      },
    });
    encoded.set(t, frame);
  }
  return frame;
}

/** The signed list as the wire carries it (bytes exactly as the CA signed them). */
function revocationsToWire(r: SignedRevocations): { list: Buffer; signature: Buffer } {
  return { list: Buffer.from(r.list), signature: Buffer.from(r.signature) };
}

type JoinCall = grpc.ServerWritableStream<JoinRequest__Output, CoordinatorMessage>;

/** Clock and limits of the node transport. */
export interface NodeTransportOptions {
  readonly clock: Clock;
  /** Longest a node may take to accept one message of its Join stream (see proto Task.progress_timeout_ms). */
  readonly progressTimeoutMs: number;
  /** Bytes queued for one node and not yet taken by it before it is dropped. */
  readonly sendQueueBytes: number;
}

/**
 * Join-stream queue bytes: tasks and secure-aggregation messages only (tensors travel on the
 * bulk channel), the largest a secure round's task with every participant's certificate.
 */
export const DEFAULT_SEND_QUEUE_BYTES = 4 * 1024 * 1024;

/** What the Join streams hold right now; every figure returns to zero when no node is connected. */
export class TransportStats {
  /** Bytes queued for nodes (or being written) and not yet taken by them. */
  queuedBytes = 0;
  /** Join sessions whose stream is open. */
  sessions = 0;
}

interface Outgoing {
  readonly frame: Buffer;
  /** Settled when this frame is written: the last frame of a broadcast resolves its `send`. */
  readonly done?: Deferred<void>;
}

/**
 * One node's Join stream, seen by the core as a NodeSession. Frames are written one at a
 * time from a queue bounded in bytes; a node that lets the queue pass its bound, or takes
 * longer than the progress timeout for one frame, is dropped: the queue is emptied and the
 * stream reset, so nothing queued for it stays in memory.
 */
class GrpcNodeSession implements BulkSession {
  private readonly queue: Outgoing[] = [];
  private inFlight: Outgoing | undefined;
  private queued = 0;
  private open = true;
  private watchdog: TimerHandle | undefined;
  private bulk: BulkLink | undefined;

  constructor(
    readonly name: string,
    readonly id: number,
    readonly certificatePem: string,
    readonly capabilities: NodeCapabilities,
    private readonly call: JoinCall,
    private readonly transport: NodeTransportOptions,
    private readonly stats: TransportStats,
    private readonly log: Logger,
    /** The signed revocation list in force, sent with every secure round. */
    private readonly revocations: () => SignedRevocations,
    /** Called once when the session ends for any reason. */
    private readonly onEnd: (reason: string) => void,
  ) {
    stats.sessions += 1;
  }

  get isOpen(): boolean {
    return this.open && !this.call.cancelled;
  }

  bindBulk(link: BulkLink): void {
    this.bulk = link;
    if (!this.open) link.close('the Join stream has ended');
  }

  send(task: TaskDescriptor): Promise<void> {
    const frame = frameOf(task, this.revocations());
    if (!this.isOpen) return Promise.reject(new CohortError('unavailable', `session of ${this.name} is closed`));
    if (!this.fits(frame.length)) return Promise.reject(new CohortError('resource_exhausted', `${this.name} cannot keep up with its Join stream`));
    const done = deferred<void>();
    this.queue.push({ frame, done });
    this.account(frame.length);
    this.pump();
    return done.promise;
  }

  cancel(round: number, reason: string): void {
    this.enqueue({ cancel: { round, reason } });
  }

  sendSecAgg(round: number, message: ServerMessage): void {
    this.enqueue({ secagg: toNodeToWire(round, message) });
  }

  /** Queue a small message after everything already queued on this stream. */
  enqueue(message: CoordinatorMessage): void {
    if (!this.isOpen) return;
    const frame = joinSerializer()(message);
    if (!this.fits(frame.length)) return;
    this.queue.push({ frame });
    this.account(frame.length);
    this.pump();
  }

  /** True if `bytes` more fit the queue's bound; if not, the node is dropped. */
  private fits(bytes: number): boolean {
    if (this.queued + bytes <= this.transport.sendQueueBytes) return true;
    this.end(`cannot keep up: ${this.queued} bytes for it are still unsent and ${bytes} more would pass the limit of ${this.transport.sendQueueBytes}`, 'reset');
    return false;
  }

  private account(bytes: number): void {
    this.queued += bytes;
    this.stats.queuedBytes += bytes;
  }

  /** Write the next frame once the previous one is taken (back-pressure per frame). */
  private pump(): void {
    if (this.inFlight || !this.isOpen) return;
    const next = this.queue.shift();
    if (!next) return;
    this.inFlight = next;
    const timeout = this.transport.progressTimeoutMs;
    this.watchdog = this.transport.clock.schedule(timeout, () => this.end(`did not take a ${next.frame.length}-byte message within ${timeout} ms`, 'reset'));
    (this.call as unknown as { write(v: Buffer, cb: (err?: Error | null) => void): boolean }).write(next.frame, (err) => {
      // After `end` everything was settled there, and this callback may never come at all.
      if (this.inFlight !== next) return;
      this.watchdog?.cancel();
      this.inFlight = undefined;
      this.account(-next.frame.length);
      if (err) {
        this.end(`write failed: ${err.message}`, 'reset');
        return;
      }
      next.done?.resolve();
      this.pump();
    });
  }

  close(reason: string, end?: SessionEnd): void {
    this.end(reason, 'status', end);
  }

  /** The node went away or the stream failed: release what is queued for it. */
  gone(reason: string): void {
    this.end(reason, 'none');
  }

  /**
   * End the session once: empty the queue and settle its sends, then tell the node — with a
   * status if nothing is waiting to be written, else by resetting the stream, since a status
   * would wait behind data the node does not take.
   */
  private end(reason: string, how: 'status' | 'reset' | 'none', why?: SessionEnd): void {
    if (!this.open) return;
    this.open = false;
    this.watchdog?.cancel();
    const stuck = this.inFlight !== undefined || this.queue.length > 0;
    const dropped = [...(this.inFlight ? [this.inFlight] : []), ...this.queue];
    this.inFlight = undefined;
    this.queue.length = 0;
    this.stats.queuedBytes -= this.queued;
    this.queued = 0;
    this.stats.sessions -= 1;
    const failure = new CohortError('unavailable', `session of ${this.name} ended: ${reason}`);
    for (const o of dropped) o.done?.reject(failure);
    if (how === 'reset') this.log.warn({ node: this.name, session: this.id, reason }, 'dropping node session');
    else if (how === 'status') this.log.info({ node: this.name, session: this.id, reason }, 'closing node session');
    // The session is both connections: its bulk connection goes with it.
    this.bulk?.close(reason);
    this.onEnd(reason);
    if (how === 'none') return;
    if (how === 'reset' || stuck) {
      if (resetCall(this.call)) return;
      this.log.warn({ node: this.name, session: this.id }, 'cannot reset streams in this grpc-js version: what HTTP/2 holds for this node stays until it reads or disconnects');
    }
    // UNAUTHENTICATED and PERMISSION_DENIED stop a daemon (exit 3) instead of reconnecting.
    if (why === 'revoked' || reason === 'certificate revoked') this.call.emit('error', { code: grpc.status.UNAUTHENTICATED, details: reason });
    else if (why === 'replaced') this.call.emit('error', { code: grpc.status.PERMISSION_DENIED, details: replacedDetails(this.name) });
    else this.call.emit('error', { code: how === 'reset' ? grpc.status.RESOURCE_EXHAUSTED : grpc.status.UNAVAILABLE, details: reason });
  }
}

/** What the daemon whose session was replaced is told (and prints before it exits). */
function replacedDetails(name: string): string {
  return (
    `another daemon connected to the coordinator with the certificate of "${name}" and replaced this one's connection. ` +
    `Two daemons cannot share a certificate, so this one stops: run one daemon per certificate ` +
    `(a second site needs its own: cohort ca issue NAME --role node on the CA workstation)`
  );
}

/** The verified client certificate of a call, as PEM (peers check secure-aggregation keys against it). */
function peerCertificatePem(call: JoinCall): string {
  const raw = call.getAuthContext()?.sslPeerCertificate?.raw;
  return raw ? new X509Certificate(raw).toString() : '';
}

function parseKind(kind: string): TaskKind {
  const k = taskKindFromWire(kind);
  if (!k) throw new CohortError('invalid_argument', `unknown task kind ${kind}`);
  return k;
}

const MAX_MODEL_KINDS = 16;
const MAX_MODEL_KIND_LENGTH = 64;

/** A JoinRequest's capabilities; a node that sends none is treated as a plain-rounds-only node. */
export function parseCapabilities(c: NodeCapabilities__Output | null | undefined): NodeCapabilities {
  if (!c) return { modelKinds: [], secureAggregation: false, privacy: false };
  if (c.modelKinds.length > MAX_MODEL_KINDS) throw new CohortError('invalid_argument', `capabilities list ${c.modelKinds.length} model kinds, at most ${MAX_MODEL_KINDS} are allowed`);
  for (const kind of c.modelKinds) {
    if (kind.length === 0 || kind.length > MAX_MODEL_KIND_LENGTH) throw new CohortError('invalid_argument', `a model kind in capabilities must have 1 to ${MAX_MODEL_KIND_LENGTH} characters`);
  }
  return { modelKinds: [...new Set(c.modelKinds)], secureAggregation: c.secureAggregation, privacy: c.privacy };
}

/** The bulk channel a Join stream is paired with. */
export interface BulkPairing {
  readonly port: number;
  readonly bridge: SessionBridge;
}

/** Build the NodeService handlers over `coordinator`; `featureRange` is what Welcome declares the model's inputs for. */
export function nodeServiceHandlers(
  coordinator: Coordinator,
  policy: CallPolicy,
  log: Logger,
  transport: NodeTransportOptions,
  bulk: BulkPairing,
  stats: TransportStats = new TransportStats(),
  featureRange: FeatureRange = DEFAULT_FEATURE_RANGE,
): NodeServiceHandlers {
  let sessions = 0;
  /** Every refusal of a node's call is logged with who, what and why (the node sees the same reason). */
  const refused = (method: string, node: string, round: number | undefined, err: unknown): void => {
    if (!(err instanceof CohortError)) return; // toServiceError logs the unexpected ones
    log.warn({ method, node, round, code: err.code, reason: err.message }, 'node call refused');
  };
  const unary =
    <Req extends { round?: number }>(method: string, handle: (name: string, req: Req) => SubmitAck) =>
    (call: grpc.ServerUnaryCall<Req, SubmitAck>, callback: grpc.sendUnaryData<SubmitAck>): void => {
      let name: string;
      try {
        name = authorize(call, method, ['node'], policy, log).name;
      } catch (err) {
        callback(toServiceError(err, log));
        return;
      }
      try {
        callback(null, handle(name, call.request));
      } catch (err) {
        refused(method, name, call.request.round, err);
        callback(toServiceError(err, log));
      }
    };

  return {
    Join(call: JoinCall): void {
      let id;
      let capabilities: NodeCapabilities;
      try {
        id = authorize(call, 'Join', ['node'], policy, log);
        if (call.request.protocol !== PROTOCOL) {
          throw new CohortError('failed_precondition', `node speaks protocol "${call.request.protocol}", this coordinator speaks "${PROTOCOL}"`);
        }
        capabilities = parseCapabilities(call.request.capabilities);
      } catch (err) {
        if (id) refused('Join', id.name, undefined, err);
        call.emit('error', toServiceError(err, log));
        return;
      }
      const session: GrpcNodeSession = new GrpcNodeSession(
        id.name,
        ++sessions,
        peerCertificatePem(call),
        capabilities,
        call,
        transport,
        stats,
        log,
        () => policy.revocations(),
        (reason) => {
          bulk.bridge.forget(session);
          coordinator.detach(session, reason);
        },
      );
      call.on('cancelled', () => session.gone('connection closed by the node'));
      call.on('error', () => session.gone('stream error'));
      call.on('close', () => session.gone('stream closed'));
      const held = call.request.heldModel;
      log.info({ node: id.name, session: session.id, held: held?.sha256?.length === 32 ? describeVersion({ round: held.round, sha256: held.sha256 }) : 'none' }, 'Join stream open; waiting for its bulk connection');
      const token = bulk.bridge.expect(session, bulk.port);
      // The session joins the coordinator's registry once its bulk connection is READY (SessionBridge.attach).
      session.enqueue({
        welcome: {
          nodeName: id.name,
          coordinatorVersion: COORDINATOR_VERSION,
          model: modelToWire(coordinator.model),
          featureRange,
          revocations: revocationsToWire(policy.revocations()),
          bulkPort: bulk.port,
          bulkToken: token,
        },
      });
    },

    SubmitEvaluation: unary('SubmitEvaluation', (name, req: EvaluationResult__Output) => {
      coordinator.submitEvaluation(name, { round: req.round, numExamples: req.numExamples, accuracy: req.accuracy, loss: req.loss });
      return { round: req.round };
    }),

    Decline: unary('Decline', (name, req: DeclineRequest__Output) => {
      coordinator.decline(name, req.round, parseKind(req.kind), req.reason.slice(0, 500), declineCategoryFromWire(req.category));
      return { round: req.round };
    }),

    SecAggSend: unary('SecAggSend', (name, req: SecAggFromNode__Output) => {
      const message = fromNodeFromWire(req, name);
      if (message === undefined) throw new CohortError('invalid_argument', 'empty secure-aggregation message');
      coordinator.secureMessage(name, req.round, message);
      return { round: req.round };
    }),
  };
}
