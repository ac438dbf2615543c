/**
 * A node written against the wire contract alone: the generated stubs and grpc-js, no
 * code of the node daemon. Tests script it to follow the contract as a third party would
 * read it, or to break it the way a buggy or malicious site would.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { deferred } from '../../shared/async.js';
import type { CoordinatorMessage__Output } from '../../shared/wire/generated/cohort/v1/CoordinatorMessage.js';
import type { NodeCapabilities } from '../../shared/wire/generated/cohort/v1/NodeCapabilities.js';
import type { NodeServiceClient } from '../../shared/wire/generated/cohort/v1/NodeService.js';
import type { Task__Output } from '../../shared/wire/generated/cohort/v1/Task.js';
import type { UpdateMessage } from '../../shared/wire/generated/cohort/v1/UpdateMessage.js';
import { CHANNEL_OPTIONS, loadContract } from '../../shared/wire/proto.js';

/** How a call ended: its gRPC status, details and `cohort-error` trailer ('' if none). */
export interface Outcome {
  readonly code: number;
  readonly details: string;
  readonly cohortError: string;
}

/** A task and the weights that followed it. */
export interface ReceivedTask {
  readonly task: Task__Output;
  readonly weights: Float32Array;
}

/** How the scripted node connects. */
export interface ScriptedNodeOptions {
  /** Sent in JoinRequest; omitted = a node that predates capabilities. */
  readonly capabilities?: NodeCapabilities;
  /**
   * Stop reading the Join stream right after the Welcome. grpc-js then buffers one message
   * and its HTTP/2 stack keeps answering pings: the node looks alive but takes nothing.
   */
  readonly stopReading?: boolean;
}

function outcomeOf(err: grpc.ServiceError | null): Outcome {
  if (!err) return { code: grpc.status.OK, details: '', cohortError: '' };
  const trailer = err.metadata?.get('cohort-error')[0];
  return { code: err.code, details: err.details, cohortError: typeof trailer === 'string' ? trailer : '' };
}

/** The bytes of a float32 vector, little-endian (the wire layout). */
export function bytesOf(values: Float32Array): Buffer {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
}

/**
 * An update as the contract describes it: one header, then the values cut into chunks of
 * exactly `chunkBytes` bytes (the last may be shorter), numbered from 0.
 */
export function updateMessages(round: number, delta: Float32Array, numExamples: number, chunkBytes: number, trainLoss = 0.5): UpdateMessage[] {
  const bytes = bytesOf(delta);
  const chunks: UpdateMessage[] = [];
  for (let off = 0, index = 0; off < bytes.length || index === 0; off += chunkBytes, index++) {
    chunks.push({ chunk: { index, data: bytes.subarray(off, Math.min(bytes.length, off + chunkBytes)) } });
  }
  return [{ header: { round, numExamples, numParameters: delta.length, chunkCount: chunks.length, trainLoss } }, ...chunks];
}

/** One scripted node: a Join stream, the tasks it received, and raw calls. */
export class ScriptedNode {
  private readonly received: ReceivedTask[] = [];
  private waiting: Array<{ kind: string; done: (t: ReceivedTask) => void }> = [];
  private assembling: { task: Task__Output; bytes: Buffer[] } | undefined;
  /** Settles when the Join stream ends, with how it ended. */
  readonly ended: Promise<Outcome>;

  private constructor(
    readonly name: string,
    readonly client: NodeServiceClient,
    private readonly join: grpc.ClientReadableStream<CoordinatorMessage__Output>,
    ended: Promise<Outcome>,
  ) {
    this.ended = ended;
  }

  /** Connect as `name` (its certificate must be in `certsDir`) and wait for the Welcome. */
  static async connect(certsDir: string, port: number, name: string, opts: ScriptedNodeOptions = {}): Promise<ScriptedNode> {
    const credentials = grpc.credentials.createFromSecureContext(
      createSecureContext({ ca: readFileSync(join(certsDir, 'ca.crt')), cert: readFileSync(join(certsDir, `${name}.crt`)), key: readFileSync(join(certsDir, `${name}.key`)) }),
    );
    const NodeService = loadContract().cohort.v1.NodeService;
    const client = new NodeService(`127.0.0.1:${port}`, credentials, { ...CHANNEL_OPTIONS, 'grpc.use_local_subchannel_pool': 1 });
    const call = client.Join({ protocol: 'cohort.v1', software: `scripted/${name}`, ...(opts.capabilities ? { capabilities: opts.capabilities } : {}) });
    if (opts.stopReading) {
      // The Readable keeps one message at most, so what the coordinator writes piles up in HTTP/2 and at the coordinator.
      const state = (call as unknown as { _readableState?: { highWaterMark?: number } })._readableState;
      if (state) state.highWaterMark = 1;
    }
    const ended = deferred<Outcome>();
    const welcomed = deferred<void>();
    let welcome = false;
    call.on('error', (err: grpc.ServiceError) => {
      ended.resolve(outcomeOf(err));
      if (welcome) return;
      client.close();
      welcomed.reject(new Error(`${name}: Join ended before the Welcome: ${err.details}`));
    });
    call.on('end', () => ended.resolve(outcomeOf(null)));
    const node = new ScriptedNode(name, client, call, ended.promise);
    call.on('data', (m: CoordinatorMessage__Output) => {
      if (m.body === 'welcome') {
        welcome = true;
        if (opts.stopReading) call.pause();
        welcomed.resolve();
      } else node.onMessage(m);
    });
    await welcomed.promise;
    return node;
  }

  private onMessage(m: CoordinatorMessage__Output): void {
    if (m.body === 'task' && m.task) {
      this.assembling = { task: m.task, bytes: [] };
    } else if (m.body === 'chunk' && m.chunk && this.assembling) {
      const a = this.assembling;
      a.bytes.push(Buffer.from(m.chunk.data));
      if (a.bytes.length === a.task.chunkCount) {
        this.assembling = undefined;
        const all = Buffer.concat(a.bytes);
        const got: ReceivedTask = { task: a.task, weights: new Float32Array(all.buffer, all.byteOffset, all.byteLength / 4) };
        const w = this.waiting.find((x) => x.kind === a.task.kind);
        if (w) {
          this.waiting = this.waiting.filter((x) => x !== w);
          w.done(got);
        } else this.received.push(got);
      }
    }
  }

  /** The next complete task of `kind` ('TASK_KIND_TRAIN' or 'TASK_KIND_EVALUATE'). */
  nextTask(kind: 'TASK_KIND_TRAIN' | 'TASK_KIND_EVALUATE' = 'TASK_KIND_TRAIN'): Promise<ReceivedTask> {
    const i = this.received.findIndex((t) => t.task.kind === kind);
    if (i >= 0) return Promise.resolve(this.received.splice(i, 1)[0] as ReceivedTask);
    const d = deferred<ReceivedTask>();
    this.waiting.push({ kind, done: d.resolve });
    return d.promise;
  }

  /**
   * Open a SubmitUpdate stream and write `messages`; with `end` false the stream stays open
   * (a stalled upload). Resolves with the call's outcome whenever the coordinator ends it.
   */
  upload(messages: readonly UpdateMessage[], end = true): { readonly outcome: Promise<Outcome>; cancel(): void } {
    const done = deferred<Outcome>();
    const call = this.client.SubmitUpdate({ deadline: Date.now() + 120_000 }, (err) => done.resolve(outcomeOf(err)));
    for (const m of messages) call.write(m);
    if (end) call.end();
    return { outcome: done.promise, cancel: () => call.cancel() };
  }

  decline(round: number, kind: 'TASK_KIND_TRAIN' | 'TASK_KIND_EVALUATE' = 'TASK_KIND_TRAIN'): Promise<Outcome> {
    return new Promise((resolve) => this.client.Decline({ round, kind, reason: 'scripted' }, { deadline: Date.now() + 10_000 }, (err) => resolve(outcomeOf(err))));
  }

  evaluate(round: number, numExamples: number, accuracy: number, loss: number): Promise<Outcome> {
    return new Promise((resolve) => this.client.SubmitEvaluation({ round, numExamples, accuracy, loss }, { deadline: Date.now() + 10_000 }, (err) => resolve(outcomeOf(err))));
  }

  /** Hang up. */
  close(): void {
    this.join.cancel();
    this.client.close();
  }
}
