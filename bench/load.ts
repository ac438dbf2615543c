/**
 * Load: 50, 100 and 200 node daemons (in this process, each with its own certificate and
 * TLS connection) against a coordinator in its own process, d = 100k: seconds per round
 * (median of 3 after a warm-up round) and the coordinator's peak RSS, with the 50-node
 * run as the baseline the larger ones are compared with.
 */
import type { ChildProcess } from 'node:child_process';
import { helperScript, spawnChild, stopChildren, waitForMessage } from './helpers/children.js';
import { startInProcessNodes } from './helpers/federation.js';
import { isListening, isResult, isWarmed } from './helpers/messages.js';
import { BenchPki, nodeNames } from './helpers/pki.js';
import { median, type BenchFigure } from './report.js';

const PARAMETERS = 100_000;
const COUNTS = [50, 100, 200];
const MIB = 1024 * 1024;

async function measure(pki: BenchPki, nodes: number): Promise<{ seconds: number; peakMiB: number }> {
  const names = nodeNames(nodes);
  pki.nodes(names);
  const child: ChildProcess = spawnChild(helperScript('coordinator-process.js'), [pki.dir, String(PARAMETERS), String(nodes), '1', '3']);
  let stop: (() => Promise<void>) | undefined;
  try {
    const { port } = await waitForMessage(child, isListening, 60_000);
    stop = (await startInProcessNodes(pki, port, names)).stop;
    await waitForMessage(child, isWarmed, 300_000);
    child.send({ type: 'go' });
    const result = await waitForMessage(child, isResult, 300_000);
    return { seconds: median(result.rounds.map((r) => r.seconds)), peakMiB: result.roundsPeakRssBytes / MIB };
  } finally {
    await stop?.();
    await stopChildren([child]);
  }
}

/** Round time and coordinator memory for 50, 100 and 200 nodes. */
export async function benchLoad(): Promise<BenchFigure[]> {
  const pki = new BenchPki();
  try {
    const figures: BenchFigure[] = [];
    let base: { seconds: number; peakMiB: number } | undefined;
    for (const n of COUNTS) {
      const m = await measure(pki, n);
      base ??= m;
      figures.push({
        section: 'load',
        name: `round with ${n} nodes (in-process daemons, own TLS each), d = 100k, coordinator in its own process`,
        value: Number(m.seconds.toFixed(3)),
        unit: 's/round',
        baseline: Number(base.seconds.toFixed(3)),
        baselineName: `${COUNTS[0]} nodes`,
        ratio: Number((m.seconds / base.seconds).toFixed(2)),
        ratioMeaning: `round time / round time with ${COUNTS[0]} nodes (${n / (COUNTS[0] as number)}× the nodes)`,
      });
      figures.push({
        section: 'load',
        name: `coordinator peak RSS with ${n} nodes, d = 100k`,
        value: Number(m.peakMiB.toFixed(1)),
        unit: 'MiB',
        baseline: Number(base.peakMiB.toFixed(1)),
        baselineName: `${COUNTS[0]} nodes`,
        ratio: Number((m.peakMiB / base.peakMiB).toFixed(2)),
        ratioMeaning: `peak RSS / peak RSS with ${COUNTS[0]} nodes`,
      });
    }
    return figures;
  } finally {
    pki.remove();
  }
}
