/**
 * Child entry of the hostile bench: a coordinator alone in its process, so that its RSS is
 * its own. Usage: node --expose-gc hostile-coordinator-process.js CERTS_DIR PARAMETERS
 * NODES WARMUP_ROUNDS ROUNDS PROGRESS_TIMEOUT_MS. Sends {type: 'listening', port}, then
 * {type: 'ready'} once NODES nodes are connected. On {type: 'go'} it runs WARMUP_ROUNDS
 * rounds, collects garbage and reads its memory, runs ROUNDS rounds (every connected node
 * selected, at least NODES taking part) reading its RSS after GC every SAMPLE_EVERY rounds,
 * collects garbage and reads its memory again, and sends a HostileResult. It serves until SIGTERM or until the parent goes away.
 */
import { builtinModel } from '../../shared/model/model.js';
import { startCoordinator } from '../../server/main.js';
import { DEFAULT_ROUND_SETTINGS } from '../../server/core/coordinator.js';
import { silentLogger } from '../../shared/logger.js';
import { modelWithParameters, preciseClock } from './federation.js';
import { serveParentUntilConnected } from './messages.js';
import { quietIpWarnings } from './warnings.js';

/** What the child measured. */
export interface HostileResult {
  readonly type: 'hostile-result';
  /** RSS after the warm-up rounds and a full garbage collection. */
  readonly rssBeforeBytes: number;
  /** RSS after the measured rounds and a full garbage collection. */
  readonly rssAfterBytes: number;
  /** Highest RSS sampled every 10 ms during the measured rounds. */
  readonly peakRssBytes: number;
  /** Live memory (V8 heap in use + Buffers and typed arrays) after GC, before and after: RSS minus allocator noise. */
  readonly liveBeforeBytes: number;
  readonly liveAfterBytes: number;
  /** RSS after GC every SAMPLE_EVERY rounds (the first before any measured round): a trend is steadier than two readings. */
  readonly rssSamplesBytes: number[];
  readonly seconds: number[];
  readonly participants: number[];
  /** Bytes the Join streams and bulk connections still held for nodes after the last round. */
  readonly queuedBytesAfter: number;
}

/** Rounds between two RSS readings. */
const SAMPLE_EVERY = 5;

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error('run with --expose-gc');
  collect();
  collect();
}

async function main(argv: string[]): Promise<void> {
  const [certsDir, parameters, nodes, warmup, rounds, progressMs] = argv;
  if (!certsDir || !parameters || !nodes || !warmup || !rounds || !progressMs) throw new Error('usage: hostile-coordinator-process.js CERTS_DIR PARAMETERS NODES WARMUP_ROUNDS ROUNDS PROGRESS_TIMEOUT_MS');
  const n = Number(nodes);
  const started = await startCoordinator(
    {
      host: '127.0.0.1',
      port: 0,
      bulkPort: 0,
      certsDir,
      model: builtinModel(modelWithParameters(Number(parameters))),
      seed: 1,
      defaults: { ...DEFAULT_ROUND_SETTINGS, minNodes: n, trainTimeoutMs: 120_000, evalTimeoutMs: 120_000, waitForNodesMs: 120_000 },
      uploadSlots: 4,
      revocationPollMs: 60_000,
      progressTimeoutMs: Number(progressMs),
    },
    { log: silentLogger, clock: preciseClock },
  );
  await serveParentUntilConnected(started, n);
  process.send?.({ type: 'ready' });
  await new Promise<void>((resolve) => process.once('message', () => resolve()));

  const run = async (count: number): Promise<{ seconds: number[]; participants: number[] }> => {
    const seconds: number[] = [];
    const participants: number[] = [];
    for await (const e of started.coordinator.launch({ rounds: count, settings: {} }).events) {
      if (e.state === 'running') continue;
      if (e.state !== 'completed') throw new Error(`round ${e.round} ${e.state}: ${e.reason ?? ''}`);
      seconds.push(e.seconds);
      participants.push(e.participants);
    }
    return { seconds, participants };
  };
  await run(Number(warmup));
  gc();
  const before = process.memoryUsage();
  const rssBeforeBytes = before.rss;
  let peakRssBytes = rssBeforeBytes;
  const sampler = setInterval(() => {
    peakRssBytes = Math.max(peakRssBytes, process.memoryUsage.rss());
  }, 10);
  const rssSamplesBytes = [rssBeforeBytes];
  const measured = { seconds: [] as number[], participants: [] as number[] };
  for (let done = 0; done < Number(rounds); done += SAMPLE_EVERY) {
    const part = await run(Math.min(SAMPLE_EVERY, Number(rounds) - done));
    measured.seconds.push(...part.seconds);
    measured.participants.push(...part.participants);
    gc();
    rssSamplesBytes.push(process.memoryUsage.rss());
  }
  clearInterval(sampler);
  gc();
  const after = process.memoryUsage();
  const result: HostileResult = {
    type: 'hostile-result',
    rssBeforeBytes,
    rssAfterBytes: after.rss,
    peakRssBytes,
    liveBeforeBytes: before.heapUsed + before.arrayBuffers,
    liveAfterBytes: after.heapUsed + after.arrayBuffers,
    rssSamplesBytes,
    ...measured,
    queuedBytesAfter: started.transport.queuedBytes + started.bulk.queuedBytes,
  };
  process.send?.(result);
}

quietIpWarnings();
main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`hostile-coordinator-process: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
