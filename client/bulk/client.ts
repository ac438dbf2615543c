/**
 * The node's end of the bulk channel (proto/cohort/v1/bulk.proto): one outbound TLS
 * connection per session, HELLO with the Join stream's token, then FETCH and UPDATE requests
 * answered in order. A MODEL's payload is decoded straight from the socket's buffers into
 * the vector the caller provides; an UPDATE's payload is written a slice at a time from the
 * caller's own bytes. Every request has a deadline on the injected clock; a request that
 * misses it, or any broken frame, closes the connection (and so the session).
 */
import { connect, type TLSSocket } from 'node:tls';
import type { Clock, TimerHandle } from '../../shared/clock.js';
import { CohortError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { BULK_PROTOCOL, type BulkFrame, encodeFrame, FrameReader, type ModelVersion, sameVersion } from '../../shared/bulk/frames.js';
import type { UpdateHeader } from '../../shared/tensor/update.js';
import { FrameWriter } from '../../shared/bulk/writer.js';
import { encodedBytes, TensorDecoder, type TensorEncoding } from '../../shared/tensor/codec.js';

/** Where and how to dial. */
export interface BulkDialOptions {
  readonly host: string;
  readonly port: number;
  readonly tls: { readonly ca: Buffer; readonly cert: Buffer; readonly key: Buffer };
  /** TLS server name to check (the gRPC channel's). */
  readonly serverName: string;
  /** Certificate name check, as on the gRPC channel. */
  readonly checkServerIdentity?: (host: string, cert: import('node:tls').PeerCertificate) => Error | undefined;
  readonly clock: Clock;
  readonly log: Logger;
  /** Longest the handshake and HELLO → READY may take. */
  readonly readyTimeoutMs?: number;
}

/** What a FETCH answer turned into. */
export interface FetchedModel {
  readonly version: ModelVersion;
  readonly encoding: TensorEncoding;
  /** The vector the caller gave, now holding the weights (not yet hash-checked). */
  readonly weights: Float32Array;
  readonly payloadBytes: number;
}

/** The receiving side of the request in progress. */
type Pending =
  | { readonly kind: 'ready'; readonly done: (err?: CohortError) => void }
  | {
      readonly kind: 'fetch';
      readonly want: ModelVersion;
      readonly have: ModelVersion | undefined;
      readonly into: Float32Array;
      readonly base: Float32Array | undefined;
      decoder?: TensorDecoder;
      frame?: Extract<BulkFrame, { type: 'model' }>;
      readonly done: (err?: CohortError, model?: FetchedModel) => void;
    }
  | { readonly kind: 'update'; readonly round: number; readonly done: (err?: CohortError) => void };

const DEFAULT_READY_TIMEOUT_MS = 30_000;
/** The node does not watch its own writes for progress: an upload may wait for a slot. Deadlines bound it. */
const NO_PROGRESS_LIMIT_MS = 2 ** 31 - 1;

/** A READY bulk connection. */
export class BulkClient {
  private readonly reader: FrameReader;
  private readonly writer: FrameWriter;
  private pending: Pending | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  private closedWith: CohortError | undefined;
  private readonly closeListeners: ((err: CohortError) => void)[] = [];
  /** From READY: how long the coordinator waits for this node's progress. */
  progressTimeoutMs = 0;

  private constructor(
    private readonly socket: TLSSocket,
    private readonly opts: BulkDialOptions,
  ) {
    this.reader = new FrameReader({ frame: (f) => this.onFrame(f), payload: (b) => this.onPayload(b), end: (f) => this.onEnd(f) });
    this.writer = new FrameWriter(socket, { clock: opts.clock, progressTimeoutMs: NO_PROGRESS_LIMIT_MS, maxQueuedBytes: Number.MAX_SAFE_INTEGER }, (err) => this.close(err));
    socket.on('data', (chunk: Buffer) => {
      if (this.closedWith) return;
      try {
        this.reader.push(chunk);
      } catch (err) {
        this.close(CohortError.from(err));
      }
    });
    socket.on('close', () => this.close(new CohortError('unavailable', 'bulk connection closed by the coordinator')));
    socket.on('error', (err) => this.close(new CohortError('unavailable', `bulk connection failed: ${err.message}`)));
  }

  /** Dial, HELLO with `token`, wait for READY. Rejects with the coordinator's ERROR or the connection failure. */
  static async open(opts: BulkDialOptions, token: Buffer, held: ModelVersion | undefined): Promise<BulkClient> {
    const socket = connect({
      host: opts.host,
      port: opts.port,
      ca: opts.tls.ca,
      cert: opts.tls.cert,
      key: opts.tls.key,
      minVersion: 'TLSv1.3',
      servername: opts.serverName,
      ...(opts.checkServerIdentity ? { checkServerIdentity: opts.checkServerIdentity } : {}),
    });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 15_000);
    const client = new BulkClient(socket, opts);
    const deadline = opts.clock.now() + (opts.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS);
    await client.request(deadline, 'ready', (done) => {
      client.pending = { kind: 'ready', done };
      return client.writer.send(encodeFrame({ type: 'hello', protocol: BULK_PROTOCOL, sessionToken: token, ...(held ? { held } : {}) }));
    });
    return client;
  }

  /** Call `listener` once when the connection closes, with why. */
  onClose(listener: (err: CohortError) => void): void {
    if (this.closedWith) listener(this.closedWith);
    else this.closeListeners.push(listener);
  }

  /**
   * FETCH `want`, decoding the answer into `into` (its length is the model's). With `have`
   * and `base` (its weights), a quantised delta may come back and is added to a copy of base.
   * The result is not hash-checked here: the caller must.
   */
  fetch(want: ModelVersion, have: ModelVersion | undefined, base: Float32Array | undefined, into: Float32Array, deadlineMs: number): Promise<FetchedModel> {
    return this.queued(deadlineMs, 'fetch', (done) => {
      this.pending = { kind: 'fetch', want, have, into, base, done };
      return this.writer.send(encodeFrame({ type: 'fetch', want, ...(have ? { have } : {}) }));
    });
  }

  /** UPDATE with `payload` (already encoded as `header.encoding`); resolves on ACK, rejects with the coordinator's ERROR. */
  upload(header: UpdateHeader, payload: Uint8Array, deadlineMs: number): Promise<void> {
    if (payload.byteLength !== encodedBytes(header.numParameters, header.encoding)) throw new RangeError('payload does not match its header');
    return this.queued(deadlineMs, 'update', (done) => {
      this.pending = { kind: 'update', round: header.round, done };
      return this.writer.send(encodeFrame({ type: 'update', ...header }), payload);
    });
  }

  /** Requests go one at a time, each after the previous one's answer. */
  private queued<T>(deadlineMs: number, what: string, start: (done: (err?: CohortError, value?: T) => void) => Promise<void>): Promise<T> {
    const run = this.tail.then(() => this.request(deadlineMs, what, start));
    this.tail = run.catch(() => undefined);
    return run;
  }

  private request<T>(deadlineMs: number, what: string, start: (done: (err?: CohortError, value?: T) => void) => Promise<void>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.closedWith) {
        reject(this.closedWith);
        return;
      }
      let timer: TimerHandle | undefined;
      const done = (err?: CohortError, value?: T): void => {
        timer?.cancel();
        this.pending = undefined;
        if (err) reject(err);
        else resolve(value as T);
      };
      timer = this.opts.clock.schedule(deadlineMs - this.opts.clock.now(), () => {
        // Where the stream stands is unknown now: only a new connection is safe.
        this.close(new CohortError('deadline_exceeded', `bulk ${what} did not complete before its deadline`));
      });
      start(done).catch((err: unknown) => this.close(CohortError.from(err)));
    });
  }

  private onFrame(f: BulkFrame): boolean {
    const p = this.pending;
    switch (f.type) {
      case 'ready':
        if (p?.kind !== 'ready') throw protocol('READY');
        this.progressTimeoutMs = f.progressTimeoutMs;
        return true;
      case 'model': {
        if (p?.kind !== 'fetch') throw protocol('MODEL');
        if (!sameVersion(f.version, p.want)) throw new CohortError('invalid_argument', 'bulk frame: MODEL answers another version than the one fetched');
        if (f.numParameters !== p.into.length) throw new CohortError('invalid_argument', `bulk frame: MODEL has ${f.numParameters} parameters, the task's model ${p.into.length}`);
        // Not scanned for non-finite values: the caller checks the sha256 before any use.
        if (f.encoding === 'f32') {
          p.decoder = new TensorDecoder(p.into, 'f32', 'set', false);
        } else {
          // A delta applies only to the model this node said it holds.
          if (!p.base || !sameVersion(f.base, p.have)) throw new CohortError('invalid_argument', 'bulk frame: MODEL is a delta against a model this node does not hold');
          p.into.set(p.base);
          p.decoder = new TensorDecoder(p.into, f.encoding, 'add', false);
        }
        p.frame = f;
        return true;
      }
      case 'ack':
        if (p?.kind !== 'update' || f.round !== p.round) throw protocol('ACK');
        return true;
      case 'error': {
        if (!p) throw protocol('ERROR');
        p.done(new CohortError(f.code, f.message));
        return true;
      }
      default:
        throw protocol(f.type.toUpperCase());
    }
  }

  private onPayload(bytes: Uint8Array): void {
    const p = this.pending;
    if (p?.kind === 'fetch') p.decoder?.write(bytes);
  }

  private onEnd(f: BulkFrame): void {
    const p = this.pending;
    if (!p) return;
    if (f.type === 'ready' && p.kind === 'ready') p.done();
    else if (f.type === 'ack' && p.kind === 'update') p.done();
    else if (f.type === 'model' && p.kind === 'fetch' && p.decoder && p.frame) {
      const weights = p.decoder.finish();
      p.done(undefined, { version: p.frame.version, encoding: p.frame.encoding, weights, payloadBytes: encodedBytes(p.frame.numParameters, p.frame.encoding) });
    }
  }

  /** Close the connection; any request in progress fails with `err`. Idempotent. */
  close(err: CohortError = new CohortError('cancelled', 'bulk connection closed by this node')): void {
    if (this.closedWith) return;
    this.closedWith = err;
    this.writer.close(err);
    this.socket.destroy();
    this.pending?.done(err);
    for (const l of this.closeListeners.splice(0)) l(err);
  }
}

function protocol(what: string): CohortError {
  return new CohortError('invalid_argument', `bulk frame: unexpected ${what} from the coordinator`);
}
