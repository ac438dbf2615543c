/**
 * Child entry of the raw transport baselines: one raw client with a node's certificate.
 * Usage: node raw-client-process.js ADDRESS CERTS_DIR NAME CHUNK_BYTES [grpc|http2|tls]
 * (default grpc). Answers {type: 'cpu?'} with its CPU time; exits on SIGTERM, SIGINT, when
 * the server ends the connection, or when the IPC channel closes (the bench process died).
 */
import { loadTlsMaterial } from '../../shared/pki/ca-dir.js';
import { RawClient } from './raw-grpc.js';
import { RawHttp2Client } from './raw-http2.js';
import { RawTlsClient } from './raw-tls.js';
import { answerCpuQueries } from './messages.js';
import { quietIpWarnings } from './warnings.js';

quietIpWarnings();
answerCpuQueries();
const [address, certsDir, name, chunkBytes, transport = 'grpc'] = process.argv.slice(2);
if (!address || !certsDir || !name || !chunkBytes || !['grpc', 'http2', 'tls'].includes(transport)) {
  process.stderr.write('usage: raw-client-process.js ADDRESS CERTS_DIR NAME CHUNK_BYTES [grpc|http2|tls]\n');
  process.exit(2);
}

const tls = loadTlsMaterial(certsDir, name);
const client =
  transport === 'tls' ? new RawTlsClient(address, tls) : transport === 'http2' ? new RawHttp2Client(address, tls) : new RawClient(address, tls, name, Number(chunkBytes));
const quit = (): void => {
  client.close();
  process.exit(0);
};
process.on('SIGTERM', quit);
process.on('SIGINT', quit);
process.on('disconnect', quit);
client.run().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
