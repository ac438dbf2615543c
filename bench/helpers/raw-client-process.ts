/**
 * Child entry of the raw transport baseline: one RawClient with a node's certificate.
 * Usage: node raw-client-process.js ADDRESS CERTS_DIR NAME CHUNK_BYTES. Answers
 * {type: 'cpu?'} with its CPU time; exits on SIGTERM, SIGINT, when the server ends the
 * stream, or when the IPC channel closes (the bench process died).
 */
import { loadTlsMaterial } from '../../shared/pki/ca-dir.js';
import { RawClient } from './raw-grpc.js';
import { answerCpuQueries } from './messages.js';
import { quietIpWarnings } from './warnings.js';

quietIpWarnings();
answerCpuQueries();
const [address, certsDir, name, chunkBytes] = process.argv.slice(2);
if (!address || !certsDir || !name || !chunkBytes) {
  process.stderr.write('usage: raw-client-process.js ADDRESS CERTS_DIR NAME CHUNK_BYTES\n');
  process.exit(2);
}

const client = new RawClient(address, loadTlsMaterial(certsDir, name), name, Number(chunkBytes));
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
