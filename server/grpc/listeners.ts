/**
 * grpc-js keeps its HTTP/2 listeners in a private field of Server, and a call's HTTP/2
 * stream in private fields of the call. Three things the coordinator needs are only
 * reachable there: refused TLS handshakes (to log who and why), each connection's
 * flow-control window, and resetting the stream of a node that stopped reading. Callers
 * reach them defensively and log if a grpc-js upgrade moves the fields.
 */
import { constants, type Http2SecureServer, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
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

/** The HTTP/2 stream under a grpc-js server call, or undefined if this grpc-js version hides it. */
export function http2StreamOf(call: object): ServerHttp2Stream | undefined {
  // ServerWritableStreamImpl.call → ServerInterceptingCall.nextCall → … → BaseServerInterceptingCall.stream
  let layer: unknown = (call as { call?: unknown }).call;
  for (let depth = 0; layer !== null && typeof layer === 'object' && depth < 16; depth++) {
    const stream = (layer as { stream?: unknown }).stream;
    if (stream !== null && typeof stream === 'object' && typeof (stream as { close?: unknown }).close === 'function' && 'rstCode' in stream) {
      return stream as ServerHttp2Stream;
    }
    layer = (layer as { nextCall?: unknown }).nextCall;
  }
  return undefined;
}

/**
 * Reset a call's stream at once (RST_STREAM ENHANCE_YOUR_CALM, which a gRPC client sees as
 * RESOURCE_EXHAUSTED). Unlike ending the call with a status, this does not wait behind
 * data the peer never takes, so every buffer queued for it is released. Returns false if
 * the stream cannot be reached.
 */
export function resetCall(call: object): boolean {
  const stream = http2StreamOf(call);
  if (!stream) return false;
  if (!stream.destroyed) stream.close(constants.NGHTTP2_ENHANCE_YOUR_CALM);
  return true;
}
