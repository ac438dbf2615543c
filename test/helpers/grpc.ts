/** Raw gRPC clients for tests that must speak to the coordinator the way a misbehaving peer would. */
import { createSecureContext } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { clientChannelOptions } from '../../client/grpc/daemon.js';
import type { AdminServiceClient } from '../../shared/wire/generated/cohort/v1/AdminService.js';
import type { NodeServiceClient } from '../../shared/wire/generated/cohort/v1/NodeService.js';
import { loadContract } from '../../shared/wire/proto.js';

/** TLS material for a raw client; any part may be missing or foreign on purpose. */
export interface RawTls {
  ca: Buffer;
  cert?: Buffer;
  key?: Buffer;
  maxVersion?: 'TLSv1.2' | 'TLSv1.3';
}

function credentials(tls: RawTls): grpc.ChannelCredentials {
  return grpc.credentials.createFromSecureContext(
    createSecureContext({ ca: tls.ca, ...(tls.cert ? { cert: tls.cert, key: tls.key } : {}), ...(tls.maxVersion ? { maxVersion: tls.maxVersion } : {}) }),
  );
}

/** A NodeService client; `options` can raise limits to send what the server must refuse. */
export function rawNodeClient(port: number, tls: RawTls, options: grpc.ChannelOptions = {}): NodeServiceClient {
  const NodeService = loadContract().cohort.v1.NodeService;
  return new NodeService(`127.0.0.1:${port}`, credentials(tls), { ...clientChannelOptions(), ...options });
}

/** An AdminService client. */
export function rawAdminClient(port: number, tls: RawTls): AdminServiceClient {
  const AdminService = loadContract().cohort.v1.AdminService;
  return new AdminService(`127.0.0.1:${port}`, credentials(tls), clientChannelOptions());
}

/** Call GetStatus and resolve with the error status code (or 0 on success). */
export function statusCodeOfGetStatus(client: AdminServiceClient): Promise<{ code: number; details: string }> {
  return new Promise((resolve) => {
    client.GetStatus({}, { deadline: Date.now() + 10_000 }, (err) => resolve(err ? { code: err.code, details: err.details } : { code: 0, details: '' }));
  });
}

/** Open a Join stream and resolve with how it ended or the first message's kind. */
export function joinOutcome(client: NodeServiceClient): Promise<{ code: number; details: string; first?: string }> {
  return new Promise((resolve) => {
    const call = client.Join({ protocol: 'cohort.v1', software: 'test' }, { deadline: Date.now() + 10_000 });
    call.on('data', (m: { body?: string }) => {
      call.cancel();
      resolve({ code: 0, details: '', first: m.body ?? '' });
    });
    call.on('error', (err: grpc.ServiceError) => resolve({ code: err.code, details: err.details }));
  });
}
