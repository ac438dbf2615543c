/** The coordinator's servers: gRPC (both services) and the bulk channel; binds, logs refused handshakes. */
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { CohortError } from '../../shared/errors.js';
import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import { CHANNEL_OPTIONS, loadContract } from '../../shared/wire/proto.js';
import type { Coordinator } from '../core/coordinator.js';
import { adminServiceHandlers } from './admin-service.js';
import type { CallPolicy } from './auth.js';
import { MAX_CONCURRENT_STREAMS, mutualTlsServerCredentials, type ServerTlsMaterial } from './credentials.js';
import { http2Listeners, widenConnectionWindows } from './listeners.js';
import type { FeatureRange } from '../../shared/model/feature-range.js';
import { DEFAULT_SEND_QUEUE_BYTES, nodeServiceDefinition, nodeServiceHandlers, TransportStats } from './node-service.js';
import { meteredDefinition, type RpcRecorder, rpcInterceptor } from '../metrics/rpc.js';
import type { RandomSource } from '../../shared/random.js';
import { type BulkStats, defaultMaxQueuedBytes, type RunningBulkServer, serveBulk } from '../bulk/server.js';
import { SessionBridge } from '../bulk/sessions.js';

/** How to serve. */
export interface ServeOptions {
  readonly coordinator: Coordinator;
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly tls: ServerTlsMaterial;
  readonly policy: CallPolicy;
  readonly log: Logger;
  readonly clock: Clock;
  /** See NodeTransportOptions and bulk.proto; the coordinator announces the same value in every task. */
  readonly progressTimeoutMs: number;
  /** Join-stream bytes queued for one node before it is dropped (default DEFAULT_SEND_QUEUE_BYTES). */
  readonly sendQueueBytes?: number;
  /** The bulk channel's port (0 picks a free one); it listens on `host` as well. */
  readonly bulkPort: number;
  /** Session tokens. */
  readonly rng: RandomSource;
  /** Bulk bytes queued for one node before it is dropped (default: one model and 1 MiB). */
  readonly maxQueuedBytes?: number;
  /** Longest a Join stream waits for its bulk connection (default BULK_ATTACH_TIMEOUT_MS). */
  readonly bulkAttachTimeoutMs?: number;
  /** Records latency and bytes of every call when metrics are on. */
  readonly rpcMetrics?: RpcRecorder;
  /** The range the model's inputs are declared for, told to every node on Join (default [0, 1]). */
  readonly featureRange?: FeatureRange;
}

/** A running server. */
export interface RunningServer {
  readonly port: number;
  readonly bulkPort: number;
  /** What the Join streams hold right now (queued bytes, sessions). */
  readonly transport: TransportStats;
  /** What the bulk channel holds (connections, uploads being read, queued bytes) and has moved. */
  readonly bulk: BulkStats;
  /** Stop accepting calls, cancel open streams, wait for the listener to close. */
  close(): Promise<void>;
}

/**
 * grpc-js does not surface TLS handshake failures, yet "who was refused and why" is
 * what an operator needs when a hospital cannot connect.
 */
function logRefusedHandshakes(server: grpc.Server, log: Logger): void {
  const listeners = http2Listeners(server);
  if (!listeners) {
    log.warn({}, 'cannot observe TLS handshakes in this grpc-js version: refused handshakes will not be logged');
    return;
  }
  // A socket that failed its handshake is already closed and no longer knows its peer,
  // so the address is noted when the TCP connection arrives.
  const remotes = new WeakMap<Socket, string>();
  for (const http2Server of listeners) {
    http2Server.on('connection', (raw: Socket) => remotes.set(raw, `${raw.remoteAddress ?? '?'}:${raw.remotePort ?? '?'}`));
    http2Server.on('tlsClientError', (err: NodeJS.ErrnoException, socket: TLSSocket) => {
      let holder: string | undefined;
      try {
        const cert = socket.getPeerCertificate();
        const cn = cert.subject?.CN;
        if (cn) holder = `${String(cn)} (serial ${cert.serialNumber})`;
      } catch {
        holder = undefined;
      }
      // Node's TLS server keeps the TCP socket it wrapped in `_parent`.
      const raw = (socket as TLSSocket & { _parent?: Socket })._parent;
      const remote = (raw && remotes.get(raw)) ?? `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
      // Node destroys the socket when the client certificate fails verification, so the
      // error itself only says "socket hang up"; the verification result says why.
      const verifyError = (socket as TLSSocket & { authorizationError?: Error | string }).authorizationError;
      if (verifyError) {
        log.warn({ remote, certificate: holder ?? 'unreadable', reason: `client certificate rejected: ${String(verifyError)}` }, 'TLS handshake refused');
      } else if (err.code === 'ECONNRESET') {
        // In TLS 1.3 a client checks the server's certificate before it sends its own; a
        // client that dislikes ours closes the connection and only its own log says why.
        log.warn(
          { remote, reason: "the client hung up during the TLS handshake: it most likely refused this coordinator's certificate (a name it does not cover, or another CA); the client's log says which" },
          'TLS handshake refused',
        );
      } else {
        log.warn({ remote, certificate: holder ?? 'none presented', reason: err.message }, 'TLS handshake refused');
      }
    });
  }
}

/**
 * grpc-js reports a failed bind as "No address added out of total 1 resolved errors:
 * [listen EADDRINUSE: ...]"; say what it means and what to do.
 */
function bindProblem(message: string): string {
  if (message.includes('EADDRINUSE')) return 'the port is already in use (is another coordinator running? choose another --port)';
  if (message.includes('EACCES')) return 'permission denied (ports below 1024 need privileges; choose another --port)';
  if (message.includes('EADDRNOTAVAIL')) return 'this machine has no such address (check --host)';
  return message;
}

/**
 * Bind the coordinator's two ports and serve NodeService and AdminService (gRPC) and the
 * bulk channel, both over mutual TLS 1.3 with the same certificate, CA and policy.
 */
export async function serve(opts: ServeOptions): Promise<RunningServer> {
  const bridge = new SessionBridge(opts.coordinator, {
    clock: opts.clock,
    rng: opts.rng,
    log: opts.log,
    ...(opts.bulkAttachTimeoutMs !== undefined ? { attachTimeoutMs: opts.bulkAttachTimeoutMs } : {}),
  });
  const bulk = await serveBulk(bridge, {
    host: opts.host,
    port: opts.bulkPort,
    tls: opts.tls,
    policy: opts.policy,
    clock: opts.clock,
    log: opts.log,
    progressTimeoutMs: opts.progressTimeoutMs,
    maxQueuedBytes: opts.maxQueuedBytes ?? defaultMaxQueuedBytes(opts.coordinator.status().numParameters),
    ...(opts.rpcMetrics ? { metrics: opts.rpcMetrics } : {}),
  });
  try {
    return await serveGrpc(opts, bridge, bulk);
  } catch (err) {
    await bulk.close();
    throw err;
  }
}

async function serveGrpc(opts: ServeOptions, bridge: SessionBridge, bulk: RunningBulkServer): Promise<RunningServer> {
  const rpc = opts.rpcMetrics;
  const server = new grpc.Server({ ...CHANNEL_OPTIONS, 'grpc.max_concurrent_streams': MAX_CONCURRENT_STREAMS, ...(rpc ? { interceptors: [rpcInterceptor(rpc)] } : {}) });
  const contract = loadContract();
  const metered = (d: grpc.ServiceDefinition): grpc.ServiceDefinition => (rpc ? meteredDefinition(d, rpc) : d);
  const transport = new TransportStats();
  const limits = {
    clock: opts.clock,
    progressTimeoutMs: opts.progressTimeoutMs,
    sendQueueBytes: opts.sendQueueBytes ?? DEFAULT_SEND_QUEUE_BYTES,
  };
  const pairing = { port: bulk.port, bridge };
  server.addService(metered(nodeServiceDefinition()), nodeServiceHandlers(opts.coordinator, opts.policy, opts.log, limits, pairing, transport, opts.featureRange) as unknown as grpc.UntypedServiceImplementation);
  server.addService(metered(contract.cohort.v1.AdminService.service), adminServiceHandlers(opts.coordinator, opts.policy, opts.log));
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${opts.port}`, mutualTlsServerCredentials(opts.tls), (err, bound) => {
      if (err) reject(new CohortError('unavailable', `cannot listen on ${opts.host}:${opts.port}: ${bindProblem(err.message)}`, { cause: err }));
      else resolve(bound);
    });
  });
  logRefusedHandshakes(server, opts.log);
  if (!widenConnectionWindows(server)) opts.log.warn({}, 'cannot reach HTTP/2 sessions in this grpc-js version: Join streams use the default 64 KiB connection window');
  opts.log.info({ host: opts.host, port }, 'coordinator listening (TLS 1.3, client certificates required)');
  return {
    port,
    bulkPort: bulk.port,
    transport,
    bulk: bulk.stats,
    close: async () => {
      await opts.coordinator.close();
      await bulk.close();
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => server.forceShutdown(), 2000);
        force.unref();
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
    },
  };
}
