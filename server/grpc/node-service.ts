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
import type { UpdateMessage__Output } from '../../shared/wire/generated/cohort/v1/UpdateMessage.js';
import { declineCategoryFromWire, taskKindFromWire, WIRE_TASK_KIND } from '../../shared/wire/mapping.js';
import { modelToWire } from '../../shared/wire/model.js';
import { loadContract, PROTOCOL } from '../../shared/wire/proto.js';
import type { Coordinator } from '../core/coordinator.js';
import type { UpdateReceiver } from '../core/stages.js';
import type { Broadcast, NodeCapabilities, NodeSession, SessionEnd, TaskKind } from '../core/types.js';
import { authorize, type CallPolicy } from './auth.js';
import { toServiceError } from './errors.js';
import { resetCall } from './listeners.js';

/** Version string sent in the Welcome message. */
export const COORDINATOR_VERSION = 'cohort-coordinator/0.1.0';

type Serialize = (value: CoordinatorMessage) => Buffer;

/**
 * The Join method's serializer, wrapped to pass already-encoded messages through: a
 * broadcast's frames are encoded once and the same buffers written to every node.
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

/** Encoded frames of each broadcast, shared by every session it is sent to. */
const encoded = new WeakMap<Broadcast, Buffer[]>();

function framesOf(b: Broadcast, revocations: SignedRevocations): Buffer[] {
  let frames = encoded.get(b);
  if (!frames) {
    const serialize = joinSerializer();
    const kind = WIRE_TASK_KIND[b.task.kind];
    const t = b.task;
    frames = [
      serialize({
        task: {
          round: t.round,
          kind,
          model: modelToWire(t.model),
          train: { epochs: t.train.epochs, batchSize: t.train.batchSize, learningRate: t.train.learningRate, options: { ...t.train.options } },
          numParameters: t.numParameters,
          chunkCount: b.chunks.length,
          deadlineMs: t.deadlineMs,
          seed: t.seed,
          secagg: t.secure ? setupToWire(t.secure) : null,
          privacy: t.privacy ? { ...t.privacy } : null,
          revocations: t.secure ? revocationsToWire(revocations) : null,
          chunkBytes: t.chunkBytes,
          progressTimeoutMs: t.progressTimeoutMs,
          maxUpdateNorm: t.maxUpdateNorm ?? 0,
        },
      }),
      ...b.chunks.map((data, index) => serialize({ chunk: { round: t.round, kind, index, data } })),
    ];
    encoded.set(b, frames);
  }
  return frames;
}

/** The signed list as the wire carries it (bytes exactly as the CA signed them). */
function revocationsToWire(r: SignedRevocations): { list: Buffer; signature: Buffer } {
  return { list: Buffer.from(r.list), signature: Buffer.from(r.signature) };
}

type JoinCall = grpc.ServerWritableStream<JoinRequest__Output, CoordinatorMessage>;

/** Clock and limits of the node transport. */
export interface NodeTransportOptions {
  readonly clock: Clock;
  /**
   * Longest a node may take to accept one message of its Join stream, or to deliver the
   * next message of an upload the coordinator is reading (see proto Task.progress_timeout_ms).
   */
  readonly progressTimeoutMs: number;
  /** Bytes queued for one node and not yet taken by it before it is dropped. */
  readonly sendQueueBytes: number;
}

/** Send-queue bytes for a model of `numParameters`: two broadcasts of it, plus 1 MiB for tasks and protocol messages. */
export function defaultSendQueueBytes(numParameters: number): number {
  return 2 * numParameters * 4 + 1024 * 1024;
}

/** What the node transport holds right now; every figure returns to zero when no node is connected. */
export class TransportStats {
  /** Bytes queued for nodes (or being written) and not yet taken by them. */
  queuedBytes = 0;
  /** Join sessions whose stream is open. */
  sessions = 0;
  /** Uploads the coordinator is reading (each holds an upload buffer). */
  uploads = 0;
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
class GrpcNodeSession implements NodeSession {
  private readonly queue: Outgoing[] = [];
  private inFlight: Outgoing | undefined;
  private queued = 0;
  private open = true;
  private watchdog: TimerHandle | undefined;

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

  send(b: Broadcast): Promise<void> {
    const frames = framesOf(b, this.revocations());
    const bytes = frames.reduce((n, f) => n + f.length, 0);
    if (!this.isOpen) return Promise.reject(new CohortError('unavailable', `session of ${this.name} is closed`));
    if (!this.fits(bytes)) return Promise.reject(new CohortError('resource_exhausted', `${this.name} cannot keep up with its Join stream`));
    const done = deferred<void>();
    frames.forEach((frame, i) => this.queue.push(i === frames.length - 1 ? { frame, done } : { frame }));
    this.account(bytes);
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

/**
 * grpc-js hands a client stream's messages to an object-mode Readable that keeps pulling
 * until 16 messages are buffered, even while paused. An upload waiting for a buffer slot
 * would so park up to 16 chunks here, and with many nodes waiting the coordinator's
 * memory grew with the node count. With a mark of 1 a waiting upload holds one chunk and
 * its HTTP/2 window; the node's sends then wait on flow control instead.
 */
export function holdOneMessage(call: grpc.ServerReadableStream<unknown, unknown>): void {
  const state = (call as unknown as { _readableState?: { highWaterMark?: number } })._readableState;
  if (state && typeof state.highWaterMark === 'number') state.highWaterMark = 1;
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

/** Uploads being read must deliver each message within P and all of them within P·(1 + ⌈chunks/4⌉) (proto Task.progress_timeout_ms). */
export function uploadBudgetMs(progressTimeoutMs: number, chunkCount: number): number {
  return progressTimeoutMs * (1 + Math.ceil(chunkCount / 4));
}

/** Build the NodeService handlers over `coordinator`; `featureRange` is what Welcome declares the model's inputs for. */
export function nodeServiceHandlers(
  coordinator: Coordinator,
  policy: CallPolicy,
  log: Logger,
  transport: NodeTransportOptions,
  stats: TransportStats = new TransportStats(),
  featureRange: FeatureRange = DEFAULT_FEATURE_RANGE,
): NodeServiceHandlers {
  let sessions = 0;
  const { clock, progressTimeoutMs } = transport;
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
        (reason) => coordinator.detach(session, reason),
      );
      call.on('cancelled', () => session.gone('connection closed by the node'));
      call.on('error', () => session.gone('stream error'));
      call.on('close', () => session.gone('stream closed'));
      session.enqueue({ welcome: { nodeName: id.name, coordinatorVersion: COORDINATOR_VERSION, model: modelToWire(coordinator.model), featureRange, revocations: revocationsToWire(policy.revocations()) } });
      coordinator.attach(session);
    },

    SubmitUpdate(call: grpc.ServerReadableStream<UpdateMessage__Output, SubmitAck>, callback: grpc.sendUnaryData<SubmitAck>): void {
      let name: string;
      try {
        name = authorize(call, 'SubmitUpdate', ['node'], policy, log).name;
      } catch (err) {
        callback(toServiceError(err, log));
        return;
      }
      holdOneMessage(call);
      const abort = new AbortController();
      let receiver: UpdateReceiver | undefined;
      let round: number | undefined;
      let finished = false;
      let watchdog: TimerHandle | undefined;
      let budgetMs = 0;
      let budgetEndsAt = 0;
      const finish = (err?: unknown): void => {
        if (finished) return;
        finished = true;
        watchdog?.cancel();
        if (receiver) stats.uploads -= 1;
        call.removeAllListeners('data');
        if (err === undefined) {
          log.debug({ node: name, round }, 'update accepted');
          callback(null, { round: round ?? 0 });
          return;
        }
        refused('SubmitUpdate', name, round, err);
        callback(toServiceError(err, log));
      };
      /** A message that breaks the contract after the header: the node is out of the round. */
      const reject = (err: CohortError): void => {
        receiver?.abort(err.message, 'rejected');
        finish(err);
      };
      /** (Re)arm the progress watchdog after each message of an upload being read. */
      const progressed = (): void => {
        watchdog?.cancel();
        const now = clock.now();
        const wait = Math.min(progressTimeoutMs, budgetEndsAt - now);
        watchdog = clock.schedule(wait, () => {
          const err = new CohortError(
            'deadline_exceeded',
            wait < progressTimeoutMs
              ? `upload too slow: not complete ${budgetMs} ms after the coordinator started reading it; you are out of round ${round ?? '?'}`
              : `upload stalled: no message for ${progressTimeoutMs} ms; you are out of round ${round ?? '?'}`,
          );
          receiver?.abort(err.message, 'stalled');
          finish(err);
        });
      };
      call.on('data', (msg: UpdateMessage__Output) => {
        if (finished) return;
        try {
          if (!receiver) {
            // Nothing is held yet and no round is named: refused, nothing else changes.
            if (msg.body !== 'header' || !msg.header) throw new CohortError('invalid_argument', 'an update must start with its header');
            const h = msg.header;
            round = h.round;
            call.pause();
            coordinator
              .openUpdate(
                name,
                { round: h.round, numExamples: h.numExamples, numParameters: h.numParameters, chunkCount: h.chunkCount, trainLoss: h.trainLoss, masked: h.masked, withinClip: h.withinClip, manifestSha256: h.manifestSha256 },
                abort.signal,
              )
              .then((r) => {
                receiver = r;
                if (finished) {
                  r.abort('upload ended while waiting for a buffer');
                  return;
                }
                stats.uploads += 1;
                log.debug({ node: name, round, masked: h.masked }, 'reading upload');
                budgetMs = uploadBudgetMs(progressTimeoutMs, h.chunkCount);
                budgetEndsAt = clock.now() + budgetMs;
                progressed();
                call.resume();
              }, finish);
            return;
          }
          if (msg.body !== 'chunk' || !msg.chunk) {
            reject(new CohortError('invalid_argument', 'an update has exactly one header, then only chunks; you are out of this round'));
            return;
          }
          // A bad chunk makes the stage drop the node before this throws.
          receiver.accept(msg.chunk.index, msg.chunk.data);
          progressed();
        } catch (err) {
          finish(err);
        }
      });
      call.on('end', () => {
        if (finished) return;
        try {
          if (!receiver) throw new CohortError('invalid_argument', 'empty update stream');
          receiver.finish();
          finish();
        } catch (err) {
          finish(err);
        }
      });
      const broken = (detail: string) => (): void => {
        abort.abort(new CohortError('cancelled', detail));
        if (!finished) {
          receiver?.abort(detail);
          finish(new CohortError('cancelled', detail));
        }
      };
      call.on('cancelled', broken('upload cancelled by the node'));
      // grpc-js ends the call itself on e.g. an oversized message; the node leaves the round.
      call.on('close', broken('upload ended before it was complete'));
      call.on('error', (err) => {
        receiver?.abort(`upload stream failed: ${err.message}`);
        finish(new CohortError('unavailable', `upload stream failed: ${err.message}`));
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
