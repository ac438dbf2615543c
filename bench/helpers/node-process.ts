/**
 * Child entry of the framework-only round benchmark: one node daemon with PerturbWork.
 * Usage: node node-process.js ADDRESS CERTS_DIR NAME [DROP_STAGE]. Answers {type: 'cpu?'} with its CPU
 * time; exits on SIGTERM, SIGINT, or when the IPC channel closes (the bench process died).
 */
import { PerturbWork } from '../../client/core/work.js';
import { type DropStage, NodeDaemon } from '../../client/grpc/daemon.js';
import { systemClock } from '../../shared/clock.js';
import { silentLogger } from '../../shared/logger.js';
import { loadTlsMaterial } from '../../shared/pki/ca-dir.js';
import { secureRandom } from '../../shared/random.js';
import { answerCpuQueries } from './messages.js';
import { quietIpWarnings } from './warnings.js';

quietIpWarnings();
answerCpuQueries();
const [address, certsDir, name, dropAt] = process.argv.slice(2);
if (!address || !certsDir || !name || (dropAt !== undefined && !['keys', 'shares', 'masked', 'unmask'].includes(dropAt))) {
  process.stderr.write('usage: node-process.js ADDRESS CERTS_DIR NAME [keys|shares|masked|unmask]\n');
  process.exit(2);
}

const tls = loadTlsMaterial(certsDir, name);
const daemon = new NodeDaemon({
  address,
  tls,
  identity: { name, keyPem: tls.key.toString('utf8'), caPem: tls.ca.toString('utf8') },
  // A dropper leaves every secure round at that stage and comes back for the next one.
  ...(dropAt ? { dropAt: dropAt as DropStage, rejoinAfterDrop: true } : {}),
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
