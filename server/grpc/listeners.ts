/**
 * grpc-js keeps its HTTP/2 listeners in a private field of Server. Two things the
 * coordinator needs are only reachable there: refused TLS handshakes (to log who and
 * why) and each connection's flow-control window. Callers reach them defensively and
 * log if a grpc-js upgrade moves the field.
 */
import type { Http2SecureServer, ServerHttp2Session } from 'node:http2';
import type * as grpc from '@grpc/grpc-js';
import { FLOW_CONTROL_WINDOW_BYTES } from '../../shared/wire/proto.js';

/** The bound HTTP/2 listeners of `server`, or undefined if this grpc-js version hides them. */
export function http2Listeners(server: grpc.Server): Http2SecureServer[] | undefined {
  const servers = (server as unknown as { http2Servers?: unknown }).http2Servers;
  return servers instanceof Map ? [...(servers.keys() as IterableIterator<Http2SecureServer>)] : undefined;
}

/**
 * Give every new connection a connection-level window of FLOW_CONTROL_WINDOW_BYTES
 * (the per-stream window is an HTTP/2 setting, see credentials.ts; the connection's can
 * only be raised with WINDOW_UPDATE). Returns false if the listeners cannot be reached.
 */
export function widenConnectionWindows(server: grpc.Server): boolean {
  const listeners = http2Listeners(server);
  if (!listeners) return false;
  for (const listener of listeners) {
    // Node has already read the client's preface when it emits 'session'.
    listener.on('session', (session: ServerHttp2Session) => {
      if (!session.destroyed) session.setLocalWindowSize(FLOW_CONTROL_WINDOW_BYTES);
    });
  }
  return true;
}
