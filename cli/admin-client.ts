/** The operator's connection to a coordinator: mutual TLS with the operator's own certificate. */
import * as grpc from '@grpc/grpc-js';
import type { Command } from 'commander';
import { clientChannelOptions, mutualTlsChannelCredentials } from '../client/grpc/daemon.js';
import { connectionFailure, isNameMismatch } from '../client/grpc/tls-names.js';
import { CohortError } from '../shared/errors.js';
import { validateName } from '../shared/pki/names.js';
import type { AdminServiceClient } from '../shared/wire/generated/cohort/v1/AdminService.js';
import { errorFromStatus } from '../shared/wire/mapping.js';
import { loadContract } from '../shared/wire/proto.js';
import { loadCertificates } from './certs.js';
import { parseHostPort } from './options.js';

/** Connection options every admin command takes. */
export interface AdminArgs {
  coordinator: string;
  certs: string;
  name: string;
  serverName?: string;
}

/** Add --coordinator, --certs, --name to an admin command. */
export function adminOptions(cmd: Command): Command {
  return cmd
    .option('--coordinator <host:port>', 'coordinator address', '127.0.0.1:7443')
    .option('--certs <dir>', 'directory with ca.crt and your certificate and key', 'certs')
    .requiredOption('--name <name>', 'your certificate name: uses CERTS/NAME.crt and CERTS/NAME.key')
    .option('--server-name <name>', 'name to check in the coordinator\'s certificate');
}

/** Open an AdminService client for `args`. */
export function adminClient(args: AdminArgs): AdminServiceClient {
  const { host, port } = parseHostPort(args.coordinator);
  validateName(args.name);
  const tls = loadCertificates(args.certs, args.name);
  const AdminService = loadContract().cohort.v1.AdminService;
  return new AdminService(`${host.includes(':') ? `[${host}]` : host}:${port}`, mutualTlsChannelCredentials(tls), clientChannelOptions(args.serverName));
}

/** Turn a gRPC failure into a CohortError whose message tells the operator what happened. */
export function adminError(err: grpc.ServiceError, coordinator: string): CohortError {
  const e = errorFromStatus(err);
  if (err.code === grpc.status.UNAVAILABLE) {
    const reason = connectionFailure(err.details);
    const hint = isNameMismatch(reason)
      ? ''
      : /certificate|self.signed|unable to verify/i.test(reason)
        ? ' (do ca.crt and your certificate come from the coordinator\'s CA?)'
        : ' (is it running and listening on that address?)';
    return new CohortError('unavailable', `cannot reach the coordinator at ${coordinator}: ${reason}${hint}`);
  }
  if (err.code === grpc.status.DEADLINE_EXCEEDED) return new CohortError('deadline_exceeded', `the coordinator at ${coordinator} did not answer in time`);
  return e;
}

/** Call a unary admin method with a deadline and map errors. */
export function unaryCall<Res>(
  args: AdminArgs,
  invoke: (client: AdminServiceClient, deadline: Date, cb: (err: grpc.ServiceError | null, res?: Res) => void) => void,
  clockNow: number,
): Promise<Res> {
  const client = adminClient(args);
  return new Promise<Res>((resolve, reject) => {
    invoke(client, new Date(clockNow + 15_000), (err, res) => {
      client.close();
      if (err) reject(adminError(err, args.coordinator));
      else if (res === undefined) reject(new CohortError('internal', 'empty reply'));
      else resolve(res);
    });
  });
}
