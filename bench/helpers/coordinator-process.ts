/**
 * Child entry of the round benchmarks: a coordinator in its own process, so that its
 * memory and CPU are measured alone. Usage:
 *   node coordinator-process.js CERTS_DIR PARAMETERS NODES WARMUP_ROUNDS ROUNDS
 * Sends {type: 'listening', port}, waits for NODES nodes, runs the warm-up rounds and sends
 * {type: 'warmed'}. Then, while sampling its RSS, it obeys the parent:
 * - {type: 'go'}: run ROUNDS measured rounds, then send {type: 'result', ...};
 * - {type: 'round'} (optionally with compress: 'int8' | 'fp16'): run one measured round,
 *   answer {type: 'round-done', ...} with its timing, CPU and bulk-channel bytes (so the
 *   parent can interleave these rounds with a baseline's), and on {type: 'finish'} send
 *   {type: 'result', ...} for all of them.
 * It serves until SIGTERM or until the parent goes away.
 */
import { readFileSync } from 'node:fs';
import { modelWithParameters, type RoundTiming, startBenchCoordinator, timeRounds } from './federation.js';
import { type CoordinatorProcessResult, type RoundDoneMessage, onCommand, serveParentUntilConnected } from './messages.js';
import { quietIpWarnings } from './warnings.js';

/** Peak RSS while measured rounds run, sampled every 10 ms (only then, so it costs the other rounds nothing). */
class RssSampler {
  peakBytes = 0;
  arrayBuffersAtPeakBytes = 0;
  heapTotalAtPeakBytes = 0;
  private timer: NodeJS.Timeout | undefined;

  /** RSS when the breakdown was last taken. */
  private detailedAt = 0;

  start(): void {
    // rss() alone is cheap; the full memoryUsage() walks the heap (it was a few % of the
    // coordinator's CPU when taken at every new peak), so the breakdown is refreshed only when
    // the peak has grown by 4 MiB since: it is the breakdown within 4 MiB of the peak.
    this.timer ??= setInterval(() => {
      const rss = process.memoryUsage.rss();
      if (rss <= this.peakBytes) return;
      this.peakBytes = rss;
      if (rss < this.detailedAt + 4 * 1024 * 1024) return;
      const m = process.memoryUsage();
      this.detailedAt = m.rss;
      this.arrayBuffersAtPeakBytes = m.arrayBuffers;
      this.heapTotalAtPeakBytes = m.heapTotal;
    }, 10);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

/**
 * The kernel's peak RSS of this process image (Linux VmHWM), or undefined elsewhere.
 * Not getrusage's ru_maxrss: that survives exec, so a child forked from a large bench
 * process would report the parent's size.
 */
function kernelPeakRssBytes(): number | undefined {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

async function main(argv: string[]): Promise<void> {
  const [certsDir, parameters, nodes, warmup, rounds] = argv;
  if (!certsDir || !parameters || !nodes || !warmup || !rounds) throw new Error('usage: coordinator-process.js CERTS_DIR PARAMETERS NODES WARMUP_ROUNDS ROUNDS');
  const n = Number(nodes);
  const started = await startBenchCoordinator(certsDir, modelWithParameters(Number(parameters)), n);
  await serveParentUntilConnected(started, n);
  const idleRssBytes = process.memoryUsage.rss();
  await timeRounds(started.coordinator, Number(warmup), n);

  const sampler = new RssSampler();
  const measured: RoundTiming[] = [];
  let cpuMicros = 0;
  const measure = async (count: number, compress?: 'int8' | 'fp16'): Promise<{ timings: RoundTiming[]; micros: number; down: number; up: number }> => {
    const down0 = started.bulk.bytesDown;
    const up0 = started.bulk.bytesUp;
    sampler.start();
    const cpu0 = process.cpuUsage();
    const timings = await timeRounds(started.coordinator, count, n, compress ? { compress } : {});
    const cpu = process.cpuUsage(cpu0);
    sampler.stop();
    measured.push(...timings);
    cpuMicros += cpu.user + cpu.system;
    return { timings, micros: cpu.user + cpu.system, down: started.bulk.bytesDown - down0, up: started.bulk.bytesUp - up0 };
  };
  const sendResult = (): void => {
    const result: CoordinatorProcessResult = {
      type: 'result',
      rounds: measured,
      cpuMicros,
      idleRssBytes,
      roundsPeakRssBytes: sampler.peakBytes,
      maxRssBytes: kernelPeakRssBytes() ?? sampler.peakBytes,
      arrayBuffersAtPeakBytes: sampler.arrayBuffersAtPeakBytes,
      heapTotalAtPeakBytes: sampler.heapTotalAtPeakBytes,
    };
    process.send?.(result);
  };
  onCommand(async (command, compress) => {
    if (command === 'go') {
      await measure(Number(rounds));
      sendResult();
    } else if (command === 'round') {
      const { timings, micros, down, up } = await measure(1, compress);
      process.send?.({ type: 'round-done', timing: timings[0] as RoundTiming, cpuMicros: micros, bulkBytesDown: down, bulkBytesUp: up } satisfies RoundDoneMessage);
    } else if (command === 'finish') {
      sendResult();
    }
  }, (err) => {
    process.stderr.write(`coordinator-process: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
  process.send?.({ type: 'warmed' });
}

quietIpWarnings();
main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`coordinator-process: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
