/** A coordinator's NodeService scripted by a test: the federation's coordinator certificate, mutual TLS, on 127.0.0.1:0. */
import * as grpc from '@grpc/grpc-js';
import { loadTlsMaterial } from '../../shared/pki/ca-dir.js';
import { loadContract } from '../../shared/wire/proto.js';
import { mutualTlsServerCredentials } from '../../server/grpc/credentials.js';

/** Serve `handlers` as NodeService with the certificates in `certsDir`; the caller shuts the server down. */
export async function serveScriptedNodeService(certsDir: string, handlers: grpc.UntypedServiceImplementation): Promise<{ server: grpc.Server; port: number }> {
  const server = new grpc.Server();
  server.addService(loadContract().cohort.v1.NodeService.service, handlers);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', mutualTlsServerCredentials(loadTlsMaterial(certsDir, 'coordinator')), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { server, port };
}
