/**
 * `npm run bench`: runs every benchmark section, prints one table and writes all figures
 * to bench-results/latest.json. `node dist/bench/run.js transport round` runs only the
 * named sections.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { benchCompress } from './compress.js';
import { benchDp } from './dp.js';
import { benchDpNodes } from './dp-nodes.js';
import { benchFedAvg } from './fedavg.js';
import { benchFlower } from './flower.js';
import { benchHostile } from './hostile.js';
import { benchLoad } from './load.js';
import { benchPrivateTraining } from './private.js';
import { benchRobust } from './robust.js';
import { quietIpWarnings } from './helpers/warnings.js';
import { benchMetrics } from './metrics.js';
import type { BenchFigure } from './report.js';
import { benchRound } from './round.js';
import { benchSecAgg } from './secagg.js';
import { benchSecureRound } from './secure-round.js';
import { benchTrainer } from './trainer.js';
import { benchTraining } from './training.js';
import { benchTransport } from './transport.js';
import { benchTransportChoice } from './transport-choice.js';

const SECTIONS: Record<string, () => Promise<BenchFigure[]>> = {
  transport: benchTransport,
  'transport-choice': benchTransportChoice,
  fedavg: benchFedAvg,
  round: benchRound,
  flower: benchFlower,
  compress: benchCompress,
  training: benchTraining,
  dp: benchDp,
  'dp-nodes': () => benchDpNodes(),
  private: benchPrivateTraining,
  load: benchLoad,
  secagg: () => benchSecAgg(),
  'secure-round': benchSecureRound,
  metrics: benchMetrics,
  robust: benchRobust,
  hostile: benchHostile,
  trainer: benchTrainer,
};

/** Outcome of one section: its figures, or why it failed. */
interface SectionResult {
  readonly section: string;
  readonly seconds: number;
  readonly figures: BenchFigure[];
  readonly error?: string;
}

function formatNumber(x: number | undefined): string {
  if (x === undefined) return '';
  return Math.abs(x) >= 1000 ? Math.round(x).toLocaleString('en-US') : String(x);
}

/** A plain-text table: figure, ours, baseline, ratio, target. */
function table(results: readonly SectionResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    lines.push('', `== ${r.section} (${r.seconds.toFixed(0)} s)${r.error ? ` FAILED: ${r.error}` : ''}`);
    for (const f of r.figures) {
      const target = f.target ? `  target ${f.target}: ${f.met ? 'met' : 'NOT met'}` : '';
      lines.push(`- ${f.name}`);
      lines.push(`    ours ${formatNumber(f.value)} ${f.unit}` + (f.baseline !== undefined ? ` | baseline ${formatNumber(f.baseline)} ${f.unit} (${f.baselineName ?? ''})` : ''));
      if (f.ratio !== undefined || target) lines.push(`    ${f.ratio !== undefined ? `ratio ${f.ratio} = ${f.ratioMeaning ?? ''}` : ''}${target}`);
    }
  }
  return lines.join('\n');
}

async function main(argv: readonly string[]): Promise<number> {
  quietIpWarnings();
  const unknown = argv.filter((s) => !(s in SECTIONS));
  if (unknown.length > 0) {
    process.stderr.write(`unknown section(s) ${unknown.join(', ')}; known: ${Object.keys(SECTIONS).join(', ')}\n`);
    return 2;
  }
  const names = argv.length > 0 ? argv : Object.keys(SECTIONS);
  const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version, loadAverageAtStart: loadavg().map((x) => Math.round(x * 100) / 100) };
  process.stdout.write(`Cohort benchmarks on ${machine.cpus} × ${machine.cpuModel}, node ${machine.node}, load average ${machine.loadAverageAtStart.join(' ')}\n`);
  const results: SectionResult[] = [];
  for (const section of names) {
    const run = SECTIONS[section] as () => Promise<BenchFigure[]>;
    process.stdout.write(`running ${section}...\n`);
    const t0 = performance.now();
    let figures: BenchFigure[] = [];
    let error: string | undefined;
    try {
      figures = await run();
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
      process.stderr.write(`${section} failed: ${err instanceof Error ? (err.stack ?? error) : error}\n`);
    }
    results.push({ section, seconds: (performance.now() - t0) / 1000, figures, ...(error ? { error } : {}) });
  }
  process.stdout.write(`${table(results)}\n`);
  const dir = 'bench-results';
  mkdirSync(dir, { recursive: true });
  const out = join(dir, 'latest.json');
  writeFileSync(
    out,
    `${JSON.stringify({ generatedAt: new Date().toISOString(), machine: { ...machine, loadAverageAtEnd: loadavg().map((x) => Math.round(x * 100) / 100) }, sections: results }, null, 2)}\n`,
  );
  process.stdout.write(`\nwrote ${out}\n`);
  return results.some((r) => r.error) ? 1 : 0;
}

// A signal ends the run through process.exit, whose handler kills any child processes.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
