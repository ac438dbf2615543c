/**
 * Child entry of the framework-only round benchmark: a coordinator in its own process, so
 * its resident memory is measured alone. Usage:
 *   node coordinator-process.js CERTS_DIR PARAMETERS NODES WARMUP_ROUNDS ROUNDS
 * Sends {type: 'listening', port}, waits for NODES nodes, runs the warm-up rounds, sends
 * {type: 'warmed'} and waits for {type: 'go'} (the parent reads the nodes' CPU clocks
 * meanwhile), runs the measured rounds while sampling RSS, sends {type: 'result', ...}
 * and serves until SIGTERM or until the parent goes away.
 */
import { modelWithParameters, startBenchCoordinator, timeRounds } from './federation.js';
import { type CoordinatorProcessResult, waitForGo } from './messages.js';
import { quietIpWarnings } from './warnings.js';

async function main(argv: string[]): Promise<void> {
  const [certsDir, parameters, nodes, warmup, rounds] = argv;
  if (!certsDir || !parameters || !nodes || !warmup || !rounds) throw new Error('usage: coordinator-process.js CERTS_DIR PARAMETERS NODES WARMUP_ROUNDS ROUNDS');
  const n = Number(nodes);
  const started = await startBenchCoordinator(certsDir, modelWithParameters(Number(parameters)), n);
  const quit = (): void => {
    started.close().finally(() => process.exit(0));
  };
  process.on('SIGTERM', quit);
  process.on('SIGINT', quit);
  process.on('disconnect', quit);
  process.send?.({ type: 'listening', port: started.port });

  if (!(await started.coordinator.registry.waitForConnected(n, 180_000))) throw new Error(`only ${started.coordinator.registry.connected().length} of ${n} nodes connected`);
  const idleRssBytes = process.memoryUsage.rss();
  await timeRounds(started.coordinator, Number(warmup), n);
  const go = waitForGo();
  process.send?.({ type: 'warmed' });
  await go;
  let roundsPeakRssBytes = 0;
  let arrayBuffersAtPeakBytes = 0;
  // rss() alone is cheap; the full memoryUsage() walks the heap, so it runs only at a new peak.
  const sampler = setInterval(() => {
    if (process.memoryUsage.rss() > roundsPeakRssBytes) {
      const m = process.memoryUsage();
      roundsPeakRssBytes = m.rss;
      arrayBuffersAtPeakBytes = m.arrayBuffers;
    }
  }, 5);
  const cpu0 = process.cpuUsage();
  const timings = await timeRounds(started.coordinator, Number(rounds), n);
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
  const result: CoordinatorProcessResult = {
    type: 'result',
    rounds: timings,
    cpuMicros: cpu.user + cpu.system,
    idleRssBytes,
    roundsPeakRssBytes,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    arrayBuffersAtPeakBytes,
  };
  process.send?.(result);
}

quietIpWarnings();
main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`coordinator-process: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
