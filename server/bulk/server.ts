/**
 * The coordinator's bulk channel: models down and updates up, on their own mutual-TLS port
 * (contract: proto/cohort/v1/bulk.proto). gRPC stays the control plane.
 *
 * Why a raw TLS port and not gRPC (decided by measurement; README "Performance" has the
 * tables). Bench section `transport-choice`: 10 client processes, d = 1M, model down and
 * update up, mutual TLS 1.3 with the federation's certificates; CPU per MB moved, server /
 * all clients:
 *
 *   transport            quiet machine (load 1.7)   loaded (load 6)
 *   grpc-js              2.16 / 7.00 ms             4.56 / 4.31 ms
 *   Node's http2         1.46 / 3.61 ms             2.65 / 2.68 ms
 *   node:tls sockets     1.15 / 2.73 ms             1.71 / 2.03 ms
 *
 * Raw TLS is 0.53× grpc-js on the server and 0.39× on the clients; http2 buys stream
 * multiplexing we do not need (a node has one transfer in flight) at 1.3× TLS. The
 * integrator's raw-TLS experiment with 50 processes: 0.34–0.46 server CPU-s and 16–19 ms
 * per client for a round's 400 MB, where bare grpc-js took 2.0 s a round and Cohort on
 * gRPC 1.38 CPU-s and 61 ms per node (issue 14), so grpc-js could not reach ≤ 0.61 CPU-s
 * and ≤ 28 ms. Writes of 256 KiB cost the same per MB as whole 4 MB writes (64 KiB: +50%)
 * without holding a whole model per peer in the socket. With this server a whole round
 * (bench `round`, d = 1M) costs 1.27× raw TLS's coordinator CPU and 1.52× its node CPU
 * at 50 nodes (2.7–3.0× and 1.6–2.0× at 10 nodes, where fixed per-round work weighs more).
 *
 * Per connection: frames are read in order and answered one at a time. An UPDATE asks for
 * one of the coordinator's upload slots only once its first payload bytes are here (a node
 * that sends a header and stalls holds no slot; it is out after one progress timeout), and
 * then waits, unread, for the slot (the socket is paused, so the node's bytes wait in TCP
 * buffers, not here); its payload is then decoded straight from the socket's buffers into
 * the slot, with a progress watchdog. A FETCH is answered with views
 * of the committed model's bytes, written a slice at a time by a FrameWriter bounded in
 * bytes and watched for progress. Any failure closes the connection, which ends the node's
 * session: the node leaves its round and everything held for it is released at once.
 */
import { createServer, type Server, type TLSSocket } from 'node:tls';
import { CohortError } from '../../shared/errors.js';
import type { Clock, TimerHandle } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import type { PeerIdentity } from '../../shared/pki/identity.js';
import { BULK_PROTOCOL, type BulkFrame, describeVersion, encodeFrame, FrameReader, type ModelVersion } from '../../shared/bulk/frames.js';
import type { UpdateHeader, UpdateReceiver } from '../../shared/tensor/update.js';
import { FrameWriter } from '../../shared/bulk/writer.js';
import { authorize, type CallPolicy } from '../grpc/auth.js';
import type { RpcRecorder } from '../metrics/rpc.js';

/** Bytes queued for one node before it is dropped: one model (each node has at most one in flight) and 1 MiB. */
export function defaultMaxQueuedBytes(numParameters: number): number {
  return numParameters * 4 + 1024 * 1024;
}

/** Progress an upload must make per progress timeout (or the rest of its payload). */
export const PROGRESS_BYTES = 64 * 1024;
/** A connection must finish its TLS handshake this soon, and then send HELLO this soon. */
export const HELLO_TIMEOUT_MS = 10_000;


/** A FETCH answer: the MODEL header and the payload (shared, never copied per node). */
export interface ModelAnswer {
  readonly frame: Extract<BulkFrame, { type: 'model' }>;
  readonly payload: Uint8Array;
}

/** A bulk connection as its session sees it. */
export interface BulkLink {
  readonly name: string;
  /** Close the connection (the session ended); idempotent. */
  close(reason: string): void;
}

/** What the bulk server needs from the rest of the coordinator. */
export interface BulkHost {
  /** Join this READY connection to the Join session that was given `token`; throws a CohortError to refuse. */
  attach(token: Buffer, who: PeerIdentity, link: BulkLink): void;
  /** The connection of an attached session closed (the session must end too). */
  detached(link: BulkLink, reason: string): void;
  /** The answer to FETCH{want, have}; throws not_found when `want` is not the current model. */
  model(want: ModelVersion, have: ModelVersion | undefined): ModelAnswer;
  /** Start an upload once a slot is free; rejects (a CohortError) to refuse it. */
  openUpdate(name: string, header: UpdateHeader, signal: AbortSignal): Promise<UpdateReceiver>;
}

/** How to serve. */
export interface BulkServerOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly tls: { readonly ca: Buffer; readonly cert: Buffer; readonly key: Buffer };
  readonly policy: CallPolicy;
  readonly clock: Clock;
  readonly log: Logger;
  readonly progressTimeoutMs: number;
  /** Bytes queued for one node and not yet taken before it is dropped. */
  readonly maxQueuedBytes: number;
  /** How long a connection has for its TLS handshake, and then for its HELLO (default 10 s each). */
  readonly helloTimeoutMs?: number;
  /**
   * Request metrics, next to the gRPC methods': FETCH as `BulkFetch`, UPDATE as
   * `BulkUpdate`, each timed from its header to its answer, with the frame bytes moved.
   */
  readonly metrics?: RpcRecorder;
}

/** The metric method names of bulk requests. */
export const BULK_METHODS = { fetch: 'BulkFetch', update: 'BulkUpdate' } as const;

/** What the bulk server holds right now; every figure returns to zero when nothing is open. */
export class BulkStats {
  connections = 0;
  /** Uploads whose payload is being read (each holds an upload slot). */
  uploads = 0;
  /** Bytes queued for nodes and not yet taken. */
  queuedBytes = 0;
  /** Payload bytes moved since start, per direction. */
  bytesDown = 0;
  bytesUp = 0;
}

/** A running bulk server. */
export interface RunningBulkServer {
  readonly port: number;
  readonly stats: BulkStats;
  close(): Promise<void>;
}

interface Upload {
  /** Undefined while the payload of an UPDATE that is not wanted (or no longer) is read and dropped. */
  receiver: UpdateReceiver | undefined;
  readonly round: number;
  readonly startedAt: number;
  readonly endsAt: number;
  lastProgressAt: number;
  sinceProgress: number;
  timer: TimerHandle | undefined;
}

/** One node's bulk connection, from handshake to close. */
class BulkConnection implements BulkLink {
  name = '';
  /** `closing`: an ERROR is on its way and nothing more is read. */
  private state: 'hello' | 'ready' | 'closing' | 'closed' = 'hello';
  private readonly reader: FrameReader;
  private readonly writer: FrameWriter;
  private helloTimer: TimerHandle | undefined;
  private upload: Upload | undefined;
  /** An UPDATE header whose first payload bytes have not come yet, with its watchdog. */
  private awaiting: { readonly frame: Extract<BulkFrame, { type: 'update' }>; readonly timer: TimerHandle } | undefined;
  private readonly opening = new AbortController();
  private attached = false;
  /** This connection's share of stats.queuedBytes. */
  private queuedSeen = 0;
  /** The request being answered, for its metrics. */
  private request: { method: string; startedAt: number; bytes: number } | undefined;

  constructor(
    private readonly socket: TLSSocket,
    private readonly host: BulkHost,
    private readonly opts: BulkServerOptions,
    private readonly stats: BulkStats,
  ) {
    stats.connections += 1;
    this.reader = new FrameReader({ frame: (f) => this.onFrame(f), payload: (b) => this.onPayload(b), end: (f) => this.onEnd(f) });
    this.writer = new FrameWriter(socket, { clock: opts.clock, progressTimeoutMs: opts.progressTimeoutMs, maxQueuedBytes: opts.maxQueuedBytes }, (err) => this.fail(err, 'send'));
    const helloMs = opts.helloTimeoutMs ?? HELLO_TIMEOUT_MS;
    this.helloTimer = opts.clock.schedule(helloMs, () => this.close(`no HELLO within ${helloMs} ms`));
    socket.on('data', (chunk: Buffer) => {
      // After a refusal, input is discarded until the node closes (or one progress timeout passes).
      if (this.state === 'closing' || this.state === 'closed') return;
      try {
        this.reader.push(chunk);
        this.afterRead();
      } catch (err) {
        this.fail(err, 'read');
      }
    });
    socket.on('close', () => this.close('connection closed by the node'));
    socket.on('error', (err) => this.close(`connection error: ${err.message}`));
  }

  private get remote(): string {
    return `${this.socket.remoteAddress ?? '?'}:${this.socket.remotePort ?? '?'}`;
  }

  private onFrame(f: BulkFrame): boolean {
    if (this.state === 'hello') {
      if (f.type !== 'hello') throw new CohortError('invalid_argument', `the first frame must be HELLO, got ${f.type.toUpperCase()}`);
      this.hello(f);
      return true;
    }
    if (this.state !== 'ready') return false;
    if (f.type === 'fetch' || f.type === 'update') this.request = { method: BULK_METHODS[f.type], startedAt: performance.now(), bytes: 0 };
    switch (f.type) {
      case 'fetch':
        this.fetch(f);
        // The next request is read once this answer is handed to the kernel.
        return false;
      case 'update':
        this.startUpload(f);
        return false;
      default:
        throw new CohortError('invalid_argument', `a node does not send ${f.type.toUpperCase()} frames`);
    }
  }

  private hello(f: Extract<BulkFrame, { type: 'hello' }>): void {
    this.helloTimer?.cancel();
    if (f.protocol !== BULK_PROTOCOL) throw new CohortError('failed_precondition', `node speaks bulk protocol "${f.protocol}", this coordinator speaks "${BULK_PROTOCOL}"`);
    const socket = this.socket;
    // The same checks, logs and refusals as every gRPC call: name, role, revocation, rate limit.
    const who = authorize(
      { getAuthContext: () => ({ sslPeerCertificate: socket.getPeerCertificate() }), getPeer: () => this.remote },
      'BulkHello',
      ['node'],
      this.opts.policy,
      this.opts.log,
    );
    this.name = who.name;
    this.host.attach(f.sessionToken, who, this);
    this.attached = true;
    this.state = 'ready';
    this.opts.log.info({ node: who.name, held: describeVersion(f.held) }, 'bulk connection ready');
    void this.send({ type: 'ready', progressTimeoutMs: this.opts.progressTimeoutMs, maxQueuedBytes: this.opts.maxQueuedBytes });
  }

  private fetch(f: Extract<BulkFrame, { type: 'fetch' }>): void {
    let answer: ModelAnswer;
    try {
      answer = this.host.model(f.want, f.have);
    } catch (err) {
      const e = CohortError.from(err);
      if (e.code !== 'not_found') throw e;
      // A stale task: say so and keep the connection.
      this.answered(e.code);
      void this.send({ type: 'error', code: e.code, message: e.message }).then((ok) => ok && this.resumeReading());
      return;
    }
    this.opts.log.debug({ node: this.name, version: describeVersion(answer.frame.version), encoding: answer.frame.encoding }, 'sending model');
    void this.send(answer.frame, answer.payload).then((ok) => {
      if (!ok) return;
      this.stats.bytesDown += answer.payload.byteLength;
      this.answered('ok', answer.payload.byteLength, 'sent');
      this.resumeReading();
    });
  }

  private startUpload(f: Extract<BulkFrame, { type: 'update' }>): void {
    this.opts.log.debug({ node: this.name, round: f.round, payloadBytes: this.reader.payloadRemaining }, 'upload header received');
    if (this.reader.payloadRemaining > 0) {
      // No slot for a header alone: read on (at most one more socket read) until payload bytes come.
      const P = this.opts.progressTimeoutMs;
      const timer = this.opts.clock.schedule(P, () => {
        if (this.awaiting?.timer !== timer) return;
        this.awaiting = undefined;
        this.refuse(new CohortError('deadline_exceeded', `upload stalled: no payload within ${P} ms of its UPDATE header; you are out of round ${f.round}`), f.round);
      });
      this.awaiting = { frame: f, timer };
      return;
    }
    this.openUpload(f);
  }

  /** The first payload bytes of the awaited UPDATE are buffered: stop reading and ask for a slot. */
  private payloadArrived(): void {
    const a = this.awaiting;
    if (!a || !this.reader.buffered) return;
    this.awaiting = undefined;
    a.timer.cancel();
    this.openUpload(a.frame);
  }

  private openUpload(f: Extract<BulkFrame, { type: 'update' }>): void {
    // Until a slot is free nothing more is read: the node's bytes wait in TCP buffers.
    this.socket.pause();
    const payload = this.reader.payloadRemaining;
    this.opts.log.debug({ node: this.name, round: f.round }, 'upload waiting for a slot');
    // The parsed frame is the header: no copy.
    this.host.openUpdate(this.name, f, this.opening.signal).then(
      (receiver) => {
        if (this.state !== 'ready') {
          receiver.abort('connection closed while waiting for an upload slot', 'disconnected');
          return;
        }
        this.stats.uploads += 1;
        this.opts.log.debug({ node: this.name, round: f.round, masked: f.masked, encoding: f.encoding }, 'reading upload');
        this.readPayload(receiver, f.round, payload);
      },
      (err: unknown) => {
        if (this.state !== 'ready') return;
        const e = CohortError.from(err);
        if (e.code !== 'failed_precondition') {
          this.refuse(e, f.round);
          return;
        }
        // Not wanted (round not open, not selected, already submitted): say so, drop the
        // payload as it comes, keep the connection. The node's standing in rounds is unchanged.
        this.opts.log.info({ node: this.name, round: f.round, reason: e.message }, 'update not wanted; dropping its payload');
        void this.send({ type: 'error', code: e.code, message: e.message });
        this.readPayload(undefined, f.round, payload);
      },
    );
  }

  /** Read an UPDATE's payload into `receiver` (or drop it), under the progress watchdog. */
  private readPayload(receiver: UpdateReceiver | undefined, round: number, payload: number): void {
    const now = this.opts.clock.now();
    const budget = this.opts.progressTimeoutMs * (1 + Math.ceil(payload / (1024 * 1024)));
    this.upload = { receiver, round, startedAt: now, endsAt: now + budget, lastProgressAt: now, sinceProgress: 0, timer: undefined };
    this.armUpload();
    this.resumeReading();
  }

  /** One timer per upload, re-armed lazily: progress only moves a timestamp. */
  private armUpload(): void {
    const u = this.upload;
    if (!u) return;
    const P = this.opts.progressTimeoutMs;
    u.timer = this.opts.clock.schedule(Math.min(u.lastProgressAt + P, u.endsAt) - this.opts.clock.now(), () => {
      if (this.upload !== u) return;
      const now = this.opts.clock.now();
      if (now >= u.endsAt) this.stall(u, `upload too slow: not complete ${u.endsAt - u.startedAt} ms after the coordinator started reading it`);
      else if (now - u.lastProgressAt >= P) this.stall(u, `upload stalled: less than ${PROGRESS_BYTES} bytes in ${P} ms`);
      else this.armUpload();
    });
  }

  private stall(u: Upload, what: string): void {
    const message = u.receiver ? `${what}; you are out of round ${u.round}` : what;
    this.endUpload();
    u.receiver?.abort(message, 'stalled');
    this.refuse(new CohortError('deadline_exceeded', message), u.round);
  }

  private onPayload(bytes: Uint8Array): void {
    const u = this.upload;
    if (!u || this.state !== 'ready') return;
    this.stats.bytesUp += bytes.byteLength;
    if (this.request) this.request.bytes += bytes.byteLength;
    u.sinceProgress += bytes.byteLength;
    if (u.sinceProgress >= PROGRESS_BYTES || this.reader.payloadRemaining === 0) {
      u.sinceProgress = 0;
      u.lastProgressAt = this.opts.clock.now();
    }
    if (!u.receiver) return;
    try {
      u.receiver.write(bytes);
    } catch (err) {
      // The receiver has already freed its slot (and dropped the node, unless the stage closed).
      const e = CohortError.from(err);
      if (e.code === 'failed_precondition') {
        this.dropRest(u, e);
        return;
      }
      this.endUpload();
      this.refuse(e, u.round);
    }
  }

  /** The stage stopped taking this update mid-upload (deadline, enough updates): say so, drop the rest, keep the connection. */
  private dropRest(u: Upload, e: CohortError): void {
    u.receiver = undefined;
    this.stats.uploads -= 1;
    this.opts.log.info({ node: this.name, round: u.round, reason: e.message }, 'update no longer wanted; dropping the rest of its payload');
    void this.send({ type: 'error', code: e.code, message: e.message });
  }

  private onEnd(f: BulkFrame): void {
    const u = this.upload;
    if (f.type !== 'update' || !u || this.state !== 'ready') return;
    this.endUpload();
    if (!u.receiver) {
      this.answered('failed_precondition', undefined, 'received');
      this.resumeReading();
      return;
    }
    try {
      u.receiver.finish();
    } catch (err) {
      const e = CohortError.from(err);
      if (e.code !== 'failed_precondition') {
        this.refuse(e, u.round);
        return;
      }
      this.opts.log.info({ node: this.name, round: u.round, reason: e.message }, 'update no longer wanted');
      this.answered(e.code, undefined, 'received');
      void this.send({ type: 'error', code: e.code, message: e.message });
      this.resumeReading();
      return;
    }
    this.opts.log.debug({ node: this.name, round: u.round }, 'update accepted');
    this.answered('ok', undefined, 'received');
    void this.send({ type: 'ack', round: u.round }).then((ok) => ok && this.opts.log.debug({ node: this.name, round: u.round }, 'update acknowledged'));
  }

  private endUpload(): void {
    const u = this.upload;
    if (!u) return;
    u.timer?.cancel();
    this.upload = undefined;
    if (u.receiver) this.stats.uploads -= 1;
  }

  /** Refuse the current request: stop reading, send ERROR, then close (the contract: a refused upload ends the connection). */
  private refuse(err: CohortError, round: number): void {
    this.opts.log.warn({ node: this.name, round, code: err.code, reason: err.message }, 'bulk request refused');
    this.answered(err.code, undefined, 'received');
    this.errorThenClose(err);
  }

  /** The current request got its answer (or the connection ended it): record it once. */
  private answered(code: string, bytes?: number, direction: 'sent' | 'received' = 'sent'): void {
    const r = this.request;
    if (!r) return;
    this.request = undefined;
    const m = this.opts.metrics;
    if (!m) return;
    m.rpcFinished(r.method, code.toUpperCase(), (performance.now() - r.startedAt) / 1000);
    m.rpcBytes(r.method, direction, bytes ?? r.bytes);
  }

  /** A broken frame (read) or a peer that does not take what is sent (send). */
  private fail(err: unknown, where: 'read' | 'send'): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    const e = CohortError.from(err);
    if (!(err instanceof CohortError)) this.opts.log.error({ node: this.name || undefined, err: e.message }, 'unexpected error on a bulk connection');
    this.opts.log.warn({ node: this.name || undefined, remote: this.remote, code: e.code, reason: e.message }, where === 'send' ? 'bulk peer not keeping up: dropped' : 'bulk frame refused');
    const u = this.upload;
    if (u) {
      this.endUpload();
      u.receiver?.abort(e.message, where === 'send' ? 'stalled' : 'rejected');
    }
    this.answered(e.code, undefined, u ? 'received' : 'sent');
    // Nothing more can be sent to a peer that does not read.
    if (where === 'send') this.close(e.message);
    else this.errorThenClose(e);
  }

  private errorThenClose(err: CohortError): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    this.state = 'closing';
    this.socket.pause();
    void this.send({ type: 'error', code: err.code, message: err.message }).then((ok) => this.close(`refused: ${err.message}`, ok));
  }

  /** Queue a frame; resolves true once handed to the kernel, false if the connection failed first. */
  private send(f: BulkFrame, payload?: Uint8Array): Promise<boolean> {
    const sent = this.writer.send(encodeFrame(f), payload);
    this.syncQueued();
    return sent.then(
      () => {
        this.syncQueued();
        return true;
      },
      () => {
        this.syncQueued();
        return false;
      },
    );
  }

  private syncQueued(): void {
    const now = this.state === 'closed' ? 0 : this.writer.queuedBytes;
    this.stats.queuedBytes += now - this.queuedSeen;
    this.queuedSeen = now;
  }

  private resumeReading(): void {
    if (this.state !== 'ready') return;
    this.reader.resume();
    this.afterRead();
  }

  /** After the reader took bytes: start an awaited upload, and pause or resume the socket. */
  private afterRead(): void {
    if (this.awaiting) this.payloadArrived();
    if (this.state !== 'ready') return;
    // A request waits for the answer before it (or for an upload slot): nothing more is
    // taken from the socket meanwhile, so a node that pipelines requests without reading
    // the answers fills TCP buffers, not the coordinator's memory. An UPDATE header still
    // waiting for its first payload bytes is the exception.
    if (this.reader.paused && !this.awaiting) this.socket.pause();
    else this.socket.resume();
  }

  /** End the connection and release everything it holds; `graceful` lets what was sent reach the node first. */
  close(reason: string, graceful = false): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.helloTimer?.cancel();
    this.opening.abort(new CohortError('cancelled', reason));
    this.awaiting?.timer.cancel();
    this.awaiting = undefined;
    const u = this.upload;
    if (u) {
      this.endUpload();
      u.receiver?.abort(reason, 'disconnected');
    }
    this.answered('cancelled', undefined, u ? 'received' : 'sent');
    this.writer.close(new CohortError('unavailable', `bulk connection closed: ${reason}`));
    this.syncQueued();
    this.stats.connections -= 1;
    if (graceful) {
      // FIN after the ERROR; reading (and discarding) on lets the node's close reach us. A
      // reset instead could make the node's kernel drop the ERROR it has not read yet.
      this.socket.end();
      this.socket.resume();
      const t = this.opts.clock.schedule(this.opts.progressTimeoutMs, () => this.socket.destroy());
      this.socket.once('close', () => t.cancel());
    } else {
      this.socket.destroy();
    }
    this.opts.log.info({ node: this.name || undefined, remote: this.remote, reason }, 'bulk connection closed');
    if (this.attached) this.host.detached(this, reason);
  }
}

/** Listen for bulk connections. */
export async function serveBulk(host: BulkHost, opts: BulkServerOptions): Promise<RunningBulkServer> {
  const stats = new BulkStats();
  const open = new Set<BulkConnection>();
  // Node's default handshake timeout is 120 s: a peer that opens TCP connections and never
  // completes TLS would hold each that long.
  const handshakeTimeout = opts.helloTimeoutMs ?? HELLO_TIMEOUT_MS;
  const tlsOptions = { ca: opts.tls.ca, cert: opts.tls.cert, key: opts.tls.key, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.3' as const, handshakeTimeout };
  const server: Server = createServer(tlsOptions, (socket) => {
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 15_000);
    const c = new BulkConnection(socket, host, opts, stats);
    open.add(c);
    socket.once('close', () => open.delete(c));
  });
  server.on('tlsClientError', (err: Error, socket: TLSSocket) => {
    const verifyError = (socket as TLSSocket & { authorizationError?: Error | string }).authorizationError;
    opts.log.warn(
      { remote: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`, reason: verifyError ? `client certificate rejected: ${String(verifyError)}` : (err as NodeJS.ErrnoException).code === 'ERR_TLS_HANDSHAKE_TIMEOUT' ? `no TLS handshake within ${handshakeTimeout} ms` : err.message },
      'bulk TLS handshake refused',
    );
    // With a listener here Node leaves a timed-out handshake's socket open: end it.
    socket.destroy();
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', (err) => reject(new CohortError('unavailable', `cannot listen for bulk connections on ${opts.host}:${opts.port}: ${err.message}`, { cause: err })));
    server.listen(opts.port, opts.host, () => resolve((server.address() as { port: number }).port));
  });
  opts.log.info({ host: opts.host, port }, 'bulk channel listening (TLS 1.3, client certificates required)');
  return {
    port,
    stats,
    close: async () => {
      for (const c of open) c.close('coordinator shutting down');
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
