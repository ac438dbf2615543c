/** The coordinator's gRPC server: binds, serves both services, logs refused handshakes. */
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
import { defaultSendQueueBytes, nodeServiceDefinition, nodeServiceHandlers, TransportStats } from './node-service.js';
import { meteredDefinition, type RpcRecorder, rpcInterceptor } from '../metrics/rpc.js';

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
  /** See NodeTransportOptions; the coordinator announces the same value in every task. */
  readonly progressTimeoutMs: number;
  /** Bytes queued for one node before it is dropped (default: two models plus 1 MiB). */
  readonly sendQueueBytes?: number;
  /** Records latency and bytes of every call when metrics are on. */
  readonly rpcMetrics?: RpcRecorder;
}

/** A running server. */
export interface RunningServer {
  readonly port: number;
  /** What the node transport holds right now (queued bytes, sessions, uploads being read). */
  readonly transport: TransportStats;
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
  for (const http2Server of listeners) {
    http2Server.on('tlsClientError', (err: Error, socket: TLSSocket) => {
      let holder: string | undefined;
      try {
        const cert = socket.getPeerCertificate();
        const cn = cert.subject?.CN;
        if (cn) holder = `${String(cn)} (serial ${cert.serialNumber})`;
      } catch {
        holder = undefined;
      }
      // Node destroys the socket when the client certificate fails verification, so the
      // error itself only says "socket hang up"; the verification result says why.
      const verifyError = (socket as TLSSocket & { authorizationError?: Error | string }).authorizationError;
      log.warn(
        {
          remote: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`,
          certificate: holder ?? 'none presented or unreadable',
          reason: verifyError ? `client certificate rejected: ${String(verifyError)}` : err.message,
        },
        'TLS handshake refused',
      );
    });
  }
}

/** Bind the coordinator's port and serve NodeService and AdminService over mutual TLS. */
export async function serve(opts: ServeOptions): Promise<RunningServer> {
  const rpc = opts.rpcMetrics;
  const server = new grpc.Server({ ...CHANNEL_OPTIONS, 'grpc.max_concurrent_streams': MAX_CONCURRENT_STREAMS, ...(rpc ? { interceptors: [rpcInterceptor(rpc)] } : {}) });
  const contract = loadContract();
  const metered = (d: grpc.ServiceDefinition): grpc.ServiceDefinition => (rpc ? meteredDefinition(d, rpc) : d);
  const transport = new TransportStats();
  const limits = {
    clock: opts.clock,
    progressTimeoutMs: opts.progressTimeoutMs,
    sendQueueBytes: opts.sendQueueBytes ?? defaultSendQueueBytes(opts.coordinator.status().numParameters),
  };
  server.addService(metered(nodeServiceDefinition()), nodeServiceHandlers(opts.coordinator, opts.policy, opts.log, limits, transport) as unknown as grpc.UntypedServiceImplementation);
  server.addService(metered(contract.cohort.v1.AdminService.service), adminServiceHandlers(opts.coordinator, opts.policy, opts.log));
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${opts.port}`, mutualTlsServerCredentials(opts.tls), (err, bound) => {
      if (err) reject(new CohortError('unavailable', `cannot listen on ${opts.host}:${opts.port}: ${err.message}`, { cause: err }));
      else resolve(bound);
    });
  });
  logRefusedHandshakes(server, opts.log);
  if (!widenConnectionWindows(server)) opts.log.warn({}, 'cannot reach HTTP/2 sessions in this grpc-js version: uploads use the default 64 KiB connection window');
  opts.log.info({ host: opts.host, port }, 'coordinator listening (TLS 1.3, client certificates required)');
  return {
    port,
    transport,
    close: async () => {
      await opts.coordinator.close();
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
