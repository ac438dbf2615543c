/**
 * Child entry of the framework-only round benchmark: one node daemon with PerturbWork.
 * Usage: node node-process.js ADDRESS CERTS_DIR NAME. Answers {type: 'cpu?'} with its CPU
 * time; exits on SIGTERM, SIGINT, or when the IPC channel closes (the bench process died).
 */
import { PerturbWork } from '../../client/core/work.js';
import { NodeDaemon } from '../../client/grpc/daemon.js';
import { systemClock } from '../../shared/clock.js';
import { silentLogger } from '../../shared/logger.js';
import { loadTlsMaterial } from '../../shared/pki/ca-dir.js';
import { secureRandom } from '../../shared/random.js';
import { answerCpuQueries } from './messages.js';
import { quietIpWarnings } from './warnings.js';

quietIpWarnings();
answerCpuQueries();
const [address, certsDir, name] = process.argv.slice(2);
if (!address || !certsDir || !name) {
  process.stderr.write('usage: node-process.js ADDRESS CERTS_DIR NAME\n');
  process.exit(2);
}

const daemon = new NodeDaemon({
  address,
  tls: loadTlsMaterial(certsDir, name),
  work: new PerturbWork(),
  log: silentLogger,
  clock: systemClock,
  rng: secureRandom,
  backoff: { initialMs: 100, maxMs: 1000 },
});
const stop = new AbortController();
const quit = (): void => stop.abort();
process.on('SIGTERM', quit);
process.on('SIGINT', quit);
process.on('disconnect', quit);
daemon.when('connected').then(() => process.send?.({ type: 'connected', name }), () => undefined);

daemon.run(stop.signal).then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
