/**
 * A node written from the contract alone, for attack tests and the hostile bench: it joins
 * over raw gRPC (generated stubs), keeps the tasks the coordinator sends, and speaks the bulk
 * channel with the spec-level client of bulk-wire.ts (bulk.proto framing built by hand). No
 * code of the node daemon is used. Tests script it to follow the contract as a third party
 * would read it, or to break it the way a buggy or malicious site would.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { type Deferred, deferred } from '../../shared/async.js';
import type { CoordinatorMessage__Output } from '../../shared/wire/generated/cohort/v1/CoordinatorMessage.js';
import type { ModelVersion__Output } from '../../shared/wire/generated/cohort/v1/ModelVersion.js';
import type { NodeCapabilities } from '../../shared/wire/generated/cohort/v1/NodeCapabilities.js';
import type { NodeServiceClient } from '../../shared/wire/generated/cohort/v1/NodeService.js';
import type { Task__Output } from '../../shared/wire/generated/cohort/v1/Task.js';
import { type PemMaterial, RawBulkClient, rawFrame, type ReadFrame } from './bulk-wire.js';
import { rawNodeClient } from './grpc.js';

/** How a gRPC call (or the Join stream) ended: its status, details and `cohort-error` trailer ('' if none). */
export interface Outcome {
  readonly code: number;
  readonly details: string;
  readonly cohortError: string;
}

/** How a bulk request was answered: 'ack', an ERROR's code, or 'closed' (the connection ended with no answer). */
export interface BulkOutcome {
  readonly code: string;
  readonly message: string;
}

/** A task and the model it refers to, fetched over the bulk channel. */
export interface ReceivedTask {
  readonly task: Task__Output;
  readonly weights: Float32Array;
}

export type TaskKind = 'TASK_KIND_TRAIN' | 'TASK_KIND_EVALUATE';

/** How the scripted node connects. */
export interface ScriptedNodeOptions {
  /** Sent in JoinRequest; omitted = a node that predates capabilities. */
  readonly capabilities?: NodeCapabilities;
  /** false: Join only, the bulk connection is opened but no HELLO is sent. */
  readonly hello?: boolean;
  /**
   * 'join': stop reading the Join stream right after the Welcome (grpc-js then buffers one
   * message). 'bulk': stop reading the bulk connection right after READY; FETCHes the node
   * then writes are answered into a socket nobody reads.
   */
  readonly stopReading?: 'join' | 'bulk';
}

function outcomeOf(err: grpc.ServiceError | null): Outcome {
  if (!err) return { code: grpc.status.OK, details: '', cohortError: '' };
  const trailer = err.metadata?.get('cohort-error')[0];
  return { code: err.code, details: err.details, cohortError: typeof trailer === 'string' ? trailer : '' };
}

/** PEM material of `name` from a certs dir holding ca.crt, NAME.crt and NAME.key. */
export function pemOf(certs: string | { readonly dir: string }, name: string): PemMaterial {
  const dir = typeof certs === 'string' ? certs : certs.dir;
  return { ca: readFileSync(join(dir, 'ca.crt')), cert: readFileSync(join(dir, `${name}.crt`)), key: readFileSync(join(dir, `${name}.key`)) };
}

/** An UPDATE frame of float32 `values` for `round` (fields in `over` replace the header's). */
export function updateFrame(round: number, values: Float32Array, over: Record<string, unknown> = {}): Buffer {
  const payload = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  return rawFrame(
    { payloadBytes: payload.byteLength, update: { round, numExamples: 10, numParameters: values.length, trainLoss: 0.5, encoding: 'TENSOR_ENCODING_F32', ...over } },
    payload,
  );
}

/** The header of an f32 UPDATE of `numParameters` values, without its payload (a stalled upload). */
export function updateHeaderOnly(round: number, numParameters: number, over: Record<string, unknown> = {}): Buffer {
  return rawFrame({ payloadBytes: numParameters * 4, update: { round, numExamples: 10, numParameters, trainLoss: 0.5, encoding: 'TENSOR_ENCODING_F32', ...over } });
}

/** An f32 UPDATE of zeros cut after `payloadBytes` of its payload (an upload that stalls midway). */
export function updatePrefix(round: number, numParameters: number, payloadBytes: number): Buffer {
  const header = updateHeaderOnly(round, numParameters);
  return updateFrame(round, new Float32Array(numParameters)).subarray(0, header.length + payloadBytes);
}

/** A FETCH frame for `want` (the node holds nothing). */
export function fetchFrame(want: ModelVersion__Output | null): Buffer {
  return rawFrame({ fetch: { want: { round: Number(want?.round ?? 0), sha256: want?.sha256 ?? Buffer.alloc(0) } } });
}

function bulkOutcomeOf(f: ReadFrame | undefined): BulkOutcome {
  if (!f) return { code: 'closed', message: 'connection closed with no answer' };
  if (f.header.body === 'error') {
    const e = f.header['error'] as { code: string; message: string };
    return { code: e.code, message: e.message };
  }
  return { code: String(f.header.body), message: '' };
}

/** One scripted node: a Join stream, the tasks it received, a bulk connection and raw calls. */
export class ScriptedNode {
  private readonly tasks: Task__Output[] = [];
  /** Tasks already handed out by nextTask. */
  private readonly taken = new Set<Task__Output>();
  /** `take`: a nextTask waiter, which takes the task (one waiter per task); else a peek, which does not. */
  private waiters: Array<{ match: (t: Task__Output) => boolean; resolve: (t: Task__Output) => void; take: boolean }> = [];
  /** Bulk requests run one at a time, as the contract asks. */
  private requests: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly name: string,
    readonly client: NodeServiceClient,
    private readonly join: grpc.ClientReadableStream<CoordinatorMessage__Output>,
    readonly bulk: RawBulkClient,
    /** The Welcome's bulk token (another node's certificate must not be able to use it). */
    readonly token: Buffer,
    readonly bulkPort: number,
    /** Settles when the Join stream ends, with how it ended. */
    readonly ended: Promise<Outcome>,
    private readonly cancels: (round: number) => Deferred<string>,
  ) {}

  /** The reason of the CancelTask received for `round`, once it comes. */
  cancelled(round: number): Promise<string> {
    return this.cancels(round).promise;
  }

  /** Join as `name` (its certificate and key must be in `certs`), wait for the Welcome, open the bulk connection and (unless `hello: false`) HELLO. */
  static async connect(certs: string | { readonly dir: string }, port: number, name: string, opts: ScriptedNodeOptions = {}): Promise<ScriptedNode> {
    const tls = pemOf(certs, name);
    // Its own connection, as a separate site would have (not a shared subchannel).
    const client = rawNodeClient(port, { ca: tls.ca as Buffer, cert: tls.cert as Buffer, key: tls.key as Buffer }, { 'grpc.use_local_subchannel_pool': 1 });
    const call = client.Join({ protocol: 'cohort.v1', software: `scripted/${name}`, ...(opts.capabilities ? { capabilities: opts.capabilities } : {}) });
    if (opts.stopReading === 'join') {
      const state = (call as unknown as { _readableState?: { highWaterMark?: number } })._readableState;
      if (state) state.highWaterMark = 1;
    }
    const ended = deferred<Outcome>();
    const welcomed = deferred<{ bulkPort: number; token: Buffer }>();
    let welcome = false;
    let node: ScriptedNode | undefined;
    const early: Task__Output[] = [];
    const cancels = new Map<number, Deferred<string>>();
    const cancelOf = (round: number): Deferred<string> => {
      let d = cancels.get(round);
      if (!d) cancels.set(round, (d = deferred<string>()));
      return d;
    };
    call.on('data', (m: CoordinatorMessage__Output) => {
      if (m.body === 'welcome' && m.welcome) {
        welcome = true;
        if (opts.stopReading === 'join') call.pause();
        welcomed.resolve({ bulkPort: m.welcome.bulkPort, token: Buffer.from(m.welcome.bulkToken) });
      } else if (m.body === 'task' && m.task) {
        if (node) node.onTask(m.task);
        else early.push(m.task);
      } else if (m.body === 'cancel' && m.cancel) {
        cancelOf(Number(m.cancel.round)).resolve(m.cancel.reason);
      }
    });
    call.on('error', (err: grpc.ServiceError) => {
      ended.resolve(outcomeOf(err));
      if (welcome) return;
      client.close();
      welcomed.reject(new Error(`${name}: Join ended before the Welcome: ${err.details}`));
    });
    call.on('end', () => ended.resolve(outcomeOf(null)));
    const { bulkPort, token } = await welcomed.promise;
    let bulk: RawBulkClient;
    try {
      bulk = await RawBulkClient.connect(bulkPort, tls);
      if (opts.hello !== false) {
        await bulk.write(rawFrame({ hello: { protocol: 'cohort.bulk.v1', sessionToken: token } }));
        const ready = await bulk.read();
        if (ready?.header.body !== 'ready') throw new Error(`${name}: no READY but ${JSON.stringify(ready?.header)}`);
        if (opts.stopReading === 'bulk') bulk.stopReading();
      }
    } catch (err) {
      call.cancel();
      client.close();
      throw err;
    }
    node = new ScriptedNode(name, client, call, bulk, token, bulkPort, ended.promise, cancelOf);
    for (const t of early) node.onTask(t);
    return node;
  }

  private onTask(t: Task__Output): void {
    this.tasks.push(t);
    for (const w of [...this.waiters]) {
      if (w.take && this.taken.has(t)) continue;
      if (!w.match(t)) continue;
      this.waiters = this.waiters.filter((x) => x !== w);
      if (w.take) this.taken.add(t);
      w.resolve(t);
    }
  }

  /** The first task of `kind` for `round` (or any round) received, as it arrives (it may be taken again). */
  task(kind: TaskKind, round?: number): Promise<Task__Output> {
    const match = (t: Task__Output): boolean => t.kind === kind && (round === undefined || t.round === round);
    const seen = this.tasks.find(match);
    if (seen) return Promise.resolve(seen);
    const d = deferred<Task__Output>();
    this.waiters.push({ match, resolve: d.resolve, take: false });
    return d.promise;
  }

  /** The next task of `kind` not handed out before, with its model fetched over the bulk channel (`fetch: false` leaves `weights` empty). */
  async nextTask(kind: TaskKind = 'TASK_KIND_TRAIN', fetch = true): Promise<ReceivedTask> {
    const match = (t: Task__Output): boolean => t.kind === kind && !this.taken.has(t);
    let task = this.tasks.find(match);
    if (task) this.taken.add(task);
    else {
      const d = deferred<Task__Output>();
      this.waiters.push({ match, resolve: d.resolve, take: true });
      task = await d.promise;
    }
    return { task, weights: fetch ? await this.fetch(task.modelVersion) : new Float32Array(0) };
  }

  /** Run one bulk request after the ones before it have been answered. */
  private request<T>(run: () => Promise<T>): Promise<T> {
    const next = this.requests.then(run, run);
    this.requests = next.catch(() => undefined);
    return next;
  }

  /** FETCH `want` holding nothing; the float32 weights of the MODEL answer (throws on ERROR). */
  fetch(want: ModelVersion__Output | null): Promise<Float32Array> {
    return this.request(async () => {
      await this.bulk.write(fetchFrame(want));
      const f = await this.bulk.read();
      if (f?.header.body !== 'model') throw new Error(`${this.name}: FETCH answered with ${JSON.stringify(bulkOutcomeOf(f))}`);
      const p = f.payload;
      return new Float32Array(p.buffer, p.byteOffset, p.byteLength / 4);
    });
  }

  /** Write `bytes` (an UPDATE frame, whole or in part) and resolve with the coordinator's answer. */
  upload(bytes: Uint8Array): Promise<BulkOutcome> {
    return this.request(async () => {
      await this.bulk.write(bytes);
      return bulkOutcomeOf(await this.bulk.read());
    });
  }

  decline(round: number, kind: TaskKind = 'TASK_KIND_TRAIN'): Promise<Outcome> {
    return new Promise((resolve) => this.client.Decline({ round, kind, reason: 'scripted' }, { deadline: Date.now() + 10_000 }, (err) => resolve(outcomeOf(err))));
  }

  evaluate(round: number, numExamples: number, accuracy: number, loss: number): Promise<Outcome> {
    return new Promise((resolve) => this.client.SubmitEvaluation({ round, numExamples, accuracy, loss }, { deadline: Date.now() + 10_000 }, (err) => resolve(outcomeOf(err))));
  }

  /** Hang up both connections. */
  close(): void {
    this.bulk.destroy();
    this.join.cancel();
    this.client.close();
  }
}
