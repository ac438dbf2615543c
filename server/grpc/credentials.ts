/** Server-side TLS: 1.3 only, client certificate from our CA required. */
import * as grpc from '@grpc/grpc-js';
import type { SecureServerOptions } from 'node:http2';
import type { SecureContextOptions } from 'node:tls';
import { STREAM_WINDOW_BYTES } from '../../shared/wire/proto.js';

/** Streams one connection may have open at once (a node uses a handful). */
export const MAX_CONCURRENT_STREAMS = 1000;

/** PEM material the coordinator serves with. */
export interface ServerTlsMaterial {
  readonly ca: Buffer;
  readonly cert: Buffer;
  readonly key: Buffer;
}

/**
 * grpc-js's `createSsl` leaves the minimum TLS version at 1.2 and treats a null CA as
 * "the system's roots"; this subclass pins TLS 1.3, our CA only, and a required,
 * verified client certificate, so a peer without one never gets past the handshake.
 */
class MutualTlsServerCredentials extends grpc.ServerCredentials {
  constructor(material: ServerTlsMaterial) {
    const server: SecureServerOptions = {
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: 'TLSv1.3',
      // Replaces grpc-js's own settings object, so the stream cap is repeated here.
      settings: { initialWindowSize: STREAM_WINDOW_BYTES, maxConcurrentStreams: MAX_CONCURRENT_STREAMS },
    };
    const context: SecureContextOptions = { ca: material.ca, cert: material.cert, key: material.key, minVersion: 'TLSv1.3' };
    super(server, context);
  }

  override _equals(other: grpc.ServerCredentials): boolean {
    return other === this;
  }
}

/** Credentials for the coordinator's port. */
export function mutualTlsServerCredentials(material: ServerTlsMaterial): grpc.ServerCredentials {
  return new MutualTlsServerCredentials(material);
}
