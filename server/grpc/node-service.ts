/** NodeService adapter: authenticates, parses, calls the coordinator core, maps results to statuses. */
import { X509Certificate } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { CohortError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { SignedRevocations } from '../../shared/pki/revocations.js';
import type { ServerMessage } from '../../shared/secagg/messages.js';
import type { SecAggFromNode__Output } from '../../shared/wire/generated/cohort/v1/SecAggFromNode.js';
import { fromNodeFromWire, setupToWire, toNodeToWire } from '../../shared/wire/secagg.js';
import type { CoordinatorMessage } from '../../shared/wire/generated/cohort/v1/CoordinatorMessage.js';
import type { DeclineRequest__Output } from '../../shared/wire/generated/cohort/v1/DeclineRequest.js';
import type { EvaluationResult__Output } from '../../shared/wire/generated/cohort/v1/EvaluationResult.js';
import type { JoinRequest__Output } from '../../shared/wire/generated/cohort/v1/JoinRequest.js';
import type { NodeServiceHandlers } from '../../shared/wire/generated/cohort/v1/NodeService.js';
import type { SubmitAck } from '../../shared/wire/generated/cohort/v1/SubmitAck.js';
import { taskKindFromWire, WIRE_TASK_KIND } from '../../shared/wire/mapping.js';
import { loadContract, PROTOCOL } from '../../shared/wire/proto.js';
import type { Coordinator } from '../core/coordinator.js';
import type { SessionEnd, TaskDescriptor, TaskKind } from '../core/types.js';
import type { BulkLink } from '../bulk/server.js';
import type { BulkSession, SessionBridge } from '../bulk/sessions.js';
import { describeVersion } from '../../shared/model/version.js';
import { WIRE_TENSOR_ENCODING } from '../../shared/wire/mapping.js';
import { authorize, type CallPolicy } from './auth.js';
import { toServiceError } from './errors.js';

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
        model: t.model,
        train: { epochs: t.train.epochs, batchSize: t.train.batchSize, learningRate: t.train.learningRate },
        numParameters: t.numParameters,
        deadlineMs: t.deadlineMs,
        seed: t.seed,
        secagg: t.secure ? setupToWire(t.secure) : null,
        privacy: t.privacy ? { ...t.privacy } : null,
        revocations: t.secure ? revocationsToWire(revocations) : null,
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

/** One node's Join stream and, once READY, its bulk connection: seen by the core as a NodeSession. */
class GrpcNodeSession implements BulkSession {
  private tail: Promise<void> = Promise.resolve();
  private open = true;
  private bulk: BulkLink | undefined;
  /** Why the coordinator ended the session, if it did (the stream's own events then only say "stream error"). */
  closedFor: string | undefined;

  constructor(
    readonly name: string,
    readonly id: number,
    readonly certificatePem: string,
    private readonly call: JoinCall,
    private readonly log: Logger,
    private readonly revocations: () => SignedRevocations,
  ) {}

  get isOpen(): boolean {
    return this.open && !this.call.cancelled;
  }

  bindBulk(link: BulkLink): void {
    this.bulk = link;
    if (!this.open) link.close('the Join stream has ended');
  }

  /** The Join stream ended from the node's side: its bulk connection goes too. */
  ended(reason: string): void {
    this.open = false;
    this.bulk?.close(`Join stream ended: ${reason}`);
  }

  /** Write one frame and wait for the transport to take it (back-pressure per message). */
  private write(frame: Buffer | CoordinatorMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.isOpen) {
        reject(new CohortError('unavailable', `session of ${this.name} is closed`));
        return;
      }
      (this.call as unknown as { write(v: unknown, cb: (err?: Error | null) => void): boolean }).write(frame, (err) => (err ? reject(err) : resolve()));
    });
  }

  send(task: TaskDescriptor): Promise<void> {
    const frame = frameOf(task, this.revocations());
    // Sends on one stream are chained so messages keep their order.
    const run = this.tail.then(() => this.write(frame));
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

  close(reason: string, end?: SessionEnd): void {
    if (!this.open) return;
    this.open = false;
    this.closedFor = reason;
    this.log.info({ node: this.name, session: this.id, reason }, 'closing node session');
    this.bulk?.close(reason);
    // UNAUTHENTICATED and PERMISSION_DENIED stop a daemon (exit 3) instead of reconnecting.
    if (end === 'revoked') this.call.emit('error', { code: grpc.status.UNAUTHENTICATED, details: reason });
    else if (end === 'replaced') this.call.emit('error', { code: grpc.status.PERMISSION_DENIED, details: replacedDetails(this.name) });
    else this.call.emit('error', { code: grpc.status.UNAVAILABLE, details: reason });
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

/** The bulk channel a Join stream is paired with. */
export interface BulkPairing {
  readonly port: number;
  readonly bridge: SessionBridge;
}

/** Build the NodeService handlers over `coordinator`. */
export function nodeServiceHandlers(coordinator: Coordinator, policy: CallPolicy, log: Logger, bulk: BulkPairing): NodeServiceHandlers {
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
      const session = new GrpcNodeSession(id.name, ++sessions, peerCertificatePem(call), call, log, () => policy.revocations());
      const gone = (event: string) => (): void => {
        const reason = session.closedFor ?? event;
        session.ended(reason);
        bulk.bridge.forget(session);
        coordinator.detach(session, reason);
      };
      call.on('cancelled', gone('connection closed by the node'));
      call.on('error', gone('stream error'));
      call.on('close', gone('stream closed'));
      const held = call.request.heldModel;
      log.info({ node: id.name, session: session.id, held: held?.sha256?.length === 32 ? describeVersion({ round: held.round, sha256: held.sha256 }) : 'none' }, 'Join stream open; waiting for its bulk connection');
      const token = bulk.bridge.expect(session, bulk.port);
      // The session joins the coordinator's registry once its bulk connection is READY (SessionBridge.attach).
      call.write({ welcome: { nodeName: id.name, coordinatorVersion: COORDINATOR_VERSION, revocations: revocationsToWire(policy.revocations()), bulkPort: bulk.port, bulkToken: token } });
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
