/** NodeService adapter: authenticates, parses, calls the coordinator core, maps results to statuses. */
import { X509Certificate } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { CohortError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { ServerMessage } from '../../shared/secagg/messages.js';
import type { SecAggFromNode__Output } from '../../shared/wire/generated/cohort/v1/SecAggFromNode.js';
import { fromNodeFromWire, setupToWire, toNodeToWire } from '../../shared/wire/secagg.js';
import type { CoordinatorMessage } from '../../shared/wire/generated/cohort/v1/CoordinatorMessage.js';
import type { DeclineRequest__Output } from '../../shared/wire/generated/cohort/v1/DeclineRequest.js';
import type { EvaluationResult__Output } from '../../shared/wire/generated/cohort/v1/EvaluationResult.js';
import type { JoinRequest__Output } from '../../shared/wire/generated/cohort/v1/JoinRequest.js';
import type { NodeServiceHandlers } from '../../shared/wire/generated/cohort/v1/NodeService.js';
import type { SubmitAck } from '../../shared/wire/generated/cohort/v1/SubmitAck.js';
import type { UpdateMessage__Output } from '../../shared/wire/generated/cohort/v1/UpdateMessage.js';
import { taskKindFromWire, WIRE_TASK_KIND } from '../../shared/wire/mapping.js';
import { modelToWire } from '../../shared/wire/model.js';
import { loadContract, PROTOCOL } from '../../shared/wire/proto.js';
import type { Coordinator } from '../core/coordinator.js';
import type { UpdateReceiver } from '../core/stages.js';
import type { Broadcast, NodeSession, TaskKind } from '../core/types.js';
import { authorize, type CallPolicy } from './auth.js';
import { toServiceError } from './errors.js';

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

function framesOf(b: Broadcast): Buffer[] {
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
        },
      }),
      ...b.chunks.map((data, index) => serialize({ chunk: { round: t.round, kind, index, data } })),
    ];
    encoded.set(b, frames);
  }
  return frames;
}

type JoinCall = grpc.ServerWritableStream<JoinRequest__Output, CoordinatorMessage>;

/** One node's Join stream, seen by the core as a NodeSession. */
class GrpcNodeSession implements NodeSession {
  private tail: Promise<void> = Promise.resolve();
  private open = true;

  constructor(
    readonly name: string,
    readonly id: number,
    readonly certificatePem: string,
    private readonly call: JoinCall,
    private readonly log: Logger,
  ) {}

  get isOpen(): boolean {
    return this.open && !this.call.cancelled;
  }

  /** Write one frame and wait for the transport to take it (back-pressure per chunk). */
  private write(frame: Buffer | CoordinatorMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.isOpen) {
        reject(new CohortError('unavailable', `session of ${this.name} is closed`));
        return;
      }
      (this.call as unknown as { write(v: unknown, cb: (err?: Error | null) => void): boolean }).write(frame, (err) => (err ? reject(err) : resolve()));
    });
  }

  send(b: Broadcast): Promise<void> {
    const frames = framesOf(b);
    // Sends on one stream are chained so a task's chunks are never interleaved with another's.
    const run = this.tail.then(async () => {
      for (const f of frames) await this.write(f);
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  cancel(round: number, reason: string): void {
    this.enqueue({ cancel: { round, reason } }, round);
  }

  sendSecAgg(round: number, message: ServerMessage): void {
    this.enqueue({ secagg: toNodeToWire(round, message) }, round);
  }

  /** Write a small message after everything already queued on this stream. */
  private enqueue(message: CoordinatorMessage, round: number): void {
    const run = this.tail.then(() => this.write(message));
    this.tail = run.catch((err: unknown) => {
      this.log.debug({ node: this.name, round, err: (err as Error).message }, 'could not send message');
    });
  }

  close(reason: string): void {
    if (!this.open) return;
    this.open = false;
    this.log.info({ node: this.name, session: this.id, reason }, 'closing node session');
    const code = reason === 'certificate revoked' ? grpc.status.UNAUTHENTICATED : grpc.status.UNAVAILABLE;
    this.call.emit('error', { code, details: reason });
  }
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

/** Build the NodeService handlers over `coordinator`. */
export function nodeServiceHandlers(coordinator: Coordinator, policy: CallPolicy, log: Logger): NodeServiceHandlers {
  let sessions = 0;
  const unary =
    <Req>(method: string, handle: (name: string, req: Req) => SubmitAck) =>
    (call: grpc.ServerUnaryCall<Req, SubmitAck>, callback: grpc.sendUnaryData<SubmitAck>): void => {
      try {
        const id = authorize(call, method, ['node'], policy, log);
        callback(null, handle(id.name, call.request));
      } catch (err) {
        callback(toServiceError(err, log));
      }
    };

  return {
    Join(call: JoinCall): void {
      let id;
      try {
        id = authorize(call, 'Join', ['node'], policy, log);
        if (call.request.protocol !== PROTOCOL) {
          throw new CohortError('failed_precondition', `node speaks protocol "${call.request.protocol}", this coordinator speaks "${PROTOCOL}"`);
        }
      } catch (err) {
        call.emit('error', toServiceError(err, log));
        return;
      }
      const session = new GrpcNodeSession(id.name, ++sessions, peerCertificatePem(call), call, log);
      const gone = (reason: string) => (): void => coordinator.detach(session, reason);
      call.on('cancelled', gone('connection closed by the node'));
      call.on('error', gone('stream error'));
      call.on('close', gone('stream closed'));
      call.write({ welcome: { nodeName: id.name, coordinatorVersion: COORDINATOR_VERSION } });
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
      let round = 0;
      let finished = false;
      const fail = (err: unknown): void => {
        if (finished) return;
        finished = true;
        call.removeAllListeners('data');
        callback(toServiceError(err, log));
      };
      call.on('data', (msg: UpdateMessage__Output) => {
        if (finished) return;
        try {
          if (!receiver) {
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
                if (finished) r.abort('upload ended while waiting for a buffer');
                else call.resume();
              }, fail);
            return;
          }
          if (msg.body !== 'chunk' || !msg.chunk) throw new CohortError('invalid_argument', 'an update has exactly one header');
          receiver.accept(msg.chunk.index, msg.chunk.data);
        } catch (err) {
          fail(err);
        }
      });
      call.on('end', () => {
        if (finished) return;
        try {
          if (!receiver) throw new CohortError('invalid_argument', 'empty update stream');
          receiver.finish();
          finished = true;
          callback(null, { round });
        } catch (err) {
          fail(err);
        }
      });
      const broken = (detail: string) => (): void => {
        abort.abort(new CohortError('cancelled', detail));
        if (!finished) {
          finished = true;
          receiver?.abort(detail);
        }
      };
      call.on('cancelled', broken('upload cancelled by the node'));
      // grpc-js ends the call itself on e.g. an oversized message; the node leaves the round.
      call.on('close', broken('upload ended before it was complete'));
      call.on('error', (err) => {
        receiver?.abort(`upload stream failed: ${err.message}`);
        fail(new CohortError('unavailable', `upload stream failed: ${err.message}`));
      });
    },

    SubmitEvaluation: unary('SubmitEvaluation', (name, req: EvaluationResult__Output) => {
      coordinator.submitEvaluation(name, { round: req.round, numExamples: req.numExamples, accuracy: req.accuracy, loss: req.loss });
      return { round: req.round };
    }),

    Decline: unary('Decline', (name, req: DeclineRequest__Output) => {
      coordinator.decline(name, req.round, parseKind(req.kind), req.reason.slice(0, 500));
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
