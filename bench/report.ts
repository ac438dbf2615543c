/** Shapes shared by the benchmark sections and the runner that prints them. */

/** One measured figure, always reported next to the baseline measured in the same run. */
export interface BenchFigure {
  /** Section, e.g. "transport", "fedavg", "training". */
  section: string;
  /** What was measured, e.g. "broadcast+collect 10 nodes, d=1M". */
  name: string;
  /** Our measurement. */
  value: number;
  unit: string;
  /** The baseline's measurement in the same unit, when the figure is a comparison. */
  baseline?: number;
  /** What the baseline is, e.g. "raw grpc-js loopback". */
  baselineName?: string;
  /** value/baseline or baseline/value, as stated in `ratioMeaning`. */
  ratio?: number;
  ratioMeaning?: string;
  /** The target for this figure, in words, and whether it was met. */
  target?: string;
  met?: boolean;
}

/** Median of a non-empty list of numbers. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of an empty list');
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Time `fn` `repeats` times after `warmup` untimed runs; returns per-run milliseconds. */
export async function timeRuns(fn: () => unknown, repeats: number, warmup = 1): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return times;
}
