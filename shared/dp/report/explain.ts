/** The plain-language facts behind the guarantee, shared by the text and HTML reports. */
import { formatDelta, formatEpsilon, formatParam } from './format.js';
import type { BudgetReportInput, BudgetSummary, LedgerRow } from './input.js';

/** What the rows say about the assumptions the guarantee rests on. */
export interface GuaranteeFacts {
  /** Noise modes used by the recorded rounds (empty with no rounds). */
  readonly distributed: boolean;
  readonly central: boolean;
  /** Sampling rates, e.g. "0.05" or "0.01 to 0.05". */
  readonly sampleRate: string;
  /** Minimum honest survivors over distributed-noise rounds, e.g. "3" or "3 to 5" ('' if none). */
  readonly minSurvivors: string;
  /** e^ε for the ε spent, formatted ("1" when nothing is spent). */
  readonly likelihoodFactor: string;
  /** Rounds whose survivors fell below m under distributed noise: their noise is below what was accounted. */
  readonly shortRounds: readonly number[];
}

function span(values: readonly number[]): string {
  if (values.length === 0) return '';
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return lo === hi ? formatParam(lo) : `${formatParam(lo)} to ${formatParam(hi)}`;
}

/** A distributed-noise round with fewer survivors than m carried less noise than the accountant assumed. */
export function isShortRound(row: LedgerRow): boolean {
  return row.noise === 'distributed' && row.survivors < row.minSurvivors;
}

/** The facts of a checked input. */
export function guaranteeFacts(input: BudgetReportInput, summary: BudgetSummary): GuaranteeFacts {
  const dist = input.rows.filter((r) => r.noise === 'distributed');
  return {
    distributed: dist.length > 0,
    central: input.rows.some((r) => r.noise === 'central'),
    sampleRate: span(input.rows.map((r) => r.sampleRate)),
    minSurvivors: span(dist.map((r) => r.minSurvivors)),
    likelihoodFactor: formatEpsilon(Math.exp(summary.spent)),
    shortRounds: input.rows.filter(isShortRound).map((r) => r.round),
  };
}

/** The noise assumption in one sentence, for the modes the rounds used. */
export function noiseAssumption(f: GuaranteeFacts): string {
  const dist = `in every round at least ${f.minSurvivors ? `m = ${f.minSurvivors}` : 'm'} of the selected nodes follow the protocol honestly and add their share of the noise (distributed noise)`;
  const central = 'the coordinator adds the noise after the secure sum (central noise), so it must be trusted to do so';
  if (f.distributed && f.central) return `${dist}; in the central-noise rounds, ${central}`;
  if (f.central) return central;
  if (f.distributed) return dist;
  return `${dist}, or, in central-noise mode, ${central}`;
}

/** 3–5 short lines on what the figures mean, for the terminal report. */
export function guaranteeLines(input: BudgetReportInput, summary: BudgetSummary): string[] {
  const f = guaranteeFacts(input, summary);
  const delta = formatDelta(input.budget.delta);
  const lines: string[] = [];
  lines.push(
    summary.spent > 0
      ? `The unit of privacy is a whole node (a hospital or device with all its data): the models released so far are at most e^ε ≈ ${f.likelihoodFactor} times more or less likely with any one node's data than without it.`
      : 'The unit of privacy is a whole node (a hospital or device with all its data); no model has been released under this budget yet, so nothing is spent.',
  );
  lines.push(`δ = ${delta} is the probability that this ε bound may fail.`);
  lines.push(
    `It assumes nodes are picked independently at random each round (Poisson sampling${f.sampleRate ? `, rate q = ${f.sampleRate}` : ' with rate q'}) and that ${noiseAssumption(f)}.`,
  );
  lines.push(`Once the budget of ε = ${formatEpsilon(input.budget.epsilon)} would be exceeded, the coordinator refuses further rounds: no more models are released.`);
  return lines;
}
