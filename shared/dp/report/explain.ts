/**
 * The plain-language facts behind the guarantee, shared by the text, HTML and JSON reports.
 * Every sentence is generated from what the ledger says each round did (secure aggregation
 * or not, distributed or central noise, or no noise at all), never from what a deployment
 * is expected to do.
 */
import { formatDelta, formatEpsilon, formatParam } from './format.js';
import type { BudgetReportInput, BudgetSummary, LedgerRow } from './input.js';

/** What the rows say about the assumptions the guarantee rests on. */
export interface GuaranteeFacts {
  /** Noise modes used by the recorded rounds (empty with no rounds). */
  readonly distributed: boolean;
  readonly central: boolean;
  /** Sampling rates, e.g. "0.05" or "0.01 to 0.05". */
  readonly sampleRate: string;
  /** Every private round had q = 1: no sampling amplification is claimed. */
  readonly allFull: boolean;
  /** Minimum honest survivors over distributed-noise rounds, e.g. "3" or "3 to 5" ('' if none). */
  readonly minSurvivors: string;
  /** e^ε for the ε spent, formatted ("1" when nothing is spent). */
  readonly likelihoodFactor: string;
  /** Rounds whose survivors fell below m under distributed noise: their noise is below what was accounted. */
  readonly shortRounds: readonly number[];
  /** Private rounds in which the coordinator saw the updates, or their exact sum, before it added the noise. */
  readonly centralRounds: readonly number[];
  /** Rounds released without differential privacy (ε unbounded for the data they used). */
  readonly nonPrivateRounds: readonly number[];
}

function span(values: readonly number[]): string {
  if (values.length === 0) return '';
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return lo === hi ? formatParam(lo) : `${formatParam(lo)} to ${formatParam(hi)}`;
}

/** "round 3" or "rounds 1–3, 7, 9–10". */
export function roundList(rounds: readonly number[]): string {
  const sorted = [...rounds].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && (sorted[j + 1] as number) === (sorted[j] as number) + 1) j++;
    parts.push(j === i ? String(sorted[i]) : `${sorted[i]}–${sorted[j]}`);
    i = j + 1;
  }
  return `${sorted.length === 1 ? 'round' : 'rounds'} ${parts.join(', ')}`;
}

/** A distributed-noise round with fewer survivors than m carried less noise than the accountant assumed. */
export function isShortRound(row: LedgerRow): boolean {
  return row.noise === 'distributed' && row.survivors < row.minSurvivors;
}

/** The facts of a checked input. */
export function guaranteeFacts(input: BudgetReportInput, summary: BudgetSummary): GuaranteeFacts {
  const dist = input.rows.filter((r) => r.noise === 'distributed');
  const central = input.rows.filter((r) => r.noise === 'central');
  return {
    distributed: dist.length > 0,
    central: central.length > 0,
    sampleRate: span(input.rows.map((r) => r.sampleRate)),
    allFull: input.rows.every((r) => r.sampleRate === 1),
    minSurvivors: span(dist.map((r) => r.minSurvivors)),
    likelihoodFactor: formatEpsilon(Math.exp(summary.spent)),
    shortRounds: input.rows.filter(isShortRound).map((r) => r.round),
    centralRounds: central.map((r) => r.round),
    nonPrivateRounds: (input.releasesWithoutPrivacy ?? []).map((r) => r.round),
  };
}

/** The noise assumption in one sentence, for the modes the rounds used. */
export function noiseAssumption(f: GuaranteeFacts): string {
  const dist = `in every distributed-noise round at least ${f.minSurvivors ? `m = ${f.minSurvivors}` : 'm'} of the selected nodes follow the protocol honestly and add their share of the noise`;
  const central = 'in every central-noise round the coordinator adds the noise itself before it releases the model, so it must be trusted to do so';
  if (f.distributed && f.central) return `${dist}, and ${central}`;
  if (f.central) return central;
  return dist;
}

/** What one kind of round did, in one sentence, for the rounds that did it. */
export interface RoundPractice {
  readonly rounds: readonly number[];
  readonly text: string;
}

type Kind = 'secure-distributed' | 'secure-central' | 'plain-central' | 'unknown-central' | 'none-secure' | 'none-plain' | 'none-unknown';

/** One sentence per kind of round the ledger records, in the order the kinds first occur. */
export function roundPractices(input: BudgetReportInput): RoundPractice[] {
  const kinds = new Map<Kind, number[]>();
  const add = (k: Kind, round: number): void => void (kinds.get(k) ?? kinds.set(k, []).get(k))?.push(round);
  const all: { round: number; kind: Kind }[] = [
    ...input.rows.map((r) => ({
      round: r.round,
      // Distributed noise is only accepted with secure aggregation, whether or not the entry says so.
      kind: (r.noise === 'distributed' ? 'secure-distributed' : r.secureAggregation === undefined ? 'unknown-central' : r.secureAggregation ? 'secure-central' : 'plain-central') as Kind,
    })),
    ...(input.releasesWithoutPrivacy ?? []).map((r) => ({ round: r.round, kind: (r.secureAggregation === undefined ? 'none-unknown' : r.secureAggregation ? 'none-secure' : 'none-plain') as Kind })),
  ].sort((a, b) => a.round - b.round);
  for (const { round, kind } of all) add(kind, round);
  const m = span(input.rows.filter((r) => r.noise === 'distributed').map((r) => r.minSurvivors));
  const text: Record<Kind, string> = {
    'secure-distributed': `secure aggregation with distributed noise: each node clipped its update to C and added its share of the noise before masking it, so the coordinator saw only the noised sum of at least m = ${m || 'm'} nodes' updates.`,
    'secure-central': 'secure aggregation with central noise: the coordinator learned the exact sum of the clipped updates and added the noise itself before releasing the model, so against the coordinator these rounds carry no differential privacy.',
    'plain-central': "no secure aggregation, central noise: the coordinator received every node's clipped update in the clear and added the noise to their sum itself before releasing the model, so against the coordinator these rounds carry no differential privacy.",
    'unknown-central': 'central noise (whether secure aggregation was used was not recorded for these older entries): the coordinator added the noise itself, after seeing at least the exact sum of the clipped updates, so against the coordinator these rounds carry no differential privacy.',
    'none-secure': 'released without differential privacy (secure aggregation, no noise): ε is unbounded for the data {these} used.',
    'none-plain': 'released without differential privacy (no secure aggregation, no noise): ε is unbounded for the data {these} used.',
    'none-unknown': 'released without differential privacy: ε is unbounded for the data {these} used.',
  };
  return [...kinds.entries()].map(([k, rounds]) => ({ rounds, text: `${upperFirst(roundList(rounds))}: ${text[k].replace('{these}', rounds.length === 1 ? 'this round' : 'these rounds')}` }));
}

/** One of the report's two ε figures: its value and what it rests on. */
export interface Guarantee {
  readonly epsilon: number;
  /** Who the figure holds against. */
  readonly holdsAgainst: string;
  readonly assumptions: readonly string[];
}

/** The two figures of finding 7: against released models only, and against the coordinator and its operators. */
export interface Guarantees {
  readonly releasedModels: Guarantee;
  readonly coordinator: Guarantee;
}

/** Both ε figures with their assumptions, generated from the rows. */
export function guarantees(input: BudgetReportInput, summary: BudgetSummary): Guarantees {
  const f = guaranteeFacts(input, summary);
  const unit = "The privacy unit is a whole node: neighbouring runs differ in one node's contribution (its update and, with adaptive clipping, its clip bit) replaced by zero.";
  const n = f.nonPrivateRounds.length;
  const nonPrivate = n > 0 ? [`It covers only nodes that did not take part in ${roundList(f.nonPrivateRounds)}, which released ${n === 1 ? 'a model' : 'models'} without differential privacy.`] : [];
  const noise: string[] = [];
  if (f.distributed) noise.push(`In every distributed-noise round at least m = ${f.minSurvivors} of the selected nodes add their share of the noise honestly.`);
  if (f.central) noise.push(`In ${roundList(f.centralRounds)} the coordinator adds the noise itself, as recorded (central noise).`);
  const sampling = f.allFull
    ? 'Every node was asked to take part in every round (q = 1): no amplification by sampling is counted.'
    : `Each node is included in each round independently with probability q = ${f.sampleRate} (Poisson sampling from a secure random source), and this observer does not learn who took part; with q < 1 the model step is divided by the expected number of participants, so it does not reveal how many did.`;
  const releasedModels: Guarantee = {
    epsilon: summary.spent,
    holdsAgainst: 'anyone who sees only the released models (their users, and anyone the models are exported to)',
    assumptions: [sampling, ...noise, unit, ...nonPrivate],
  };
  const hostExcluded = f.central
    ? `its operators through the admin API (models, rounds, participants), but not the coordinator host itself: in ${roundList(f.centralRounds)} it saw the updates, or their exact sum, before adding the noise, so against the host ε is unbounded`
    : 'the coordinator host and its operators, who see who took part in each round';
  const coordinator: Guarantee = {
    epsilon: summary.spentUnamplified,
    holdsAgainst: f.central ? `the coordinator's ${hostExcluded}` : hostExcluded,
    assumptions: [
      'No amplification by sampling: these parties see who took part in each round, so every round counts as if q = 1.',
      ...noise,
      ...(f.distributed ? ["Secure aggregation reveals to the coordinator only the sum of at least m nodes' inputs (see SECURITY.md)."] : []),
      unit,
      ...nonPrivate,
    ],
  };
  return { releasedModels, coordinator };
}

/** Short lines on what the figures mean, for the terminal report. */
export function guaranteeLines(input: BudgetReportInput, summary: BudgetSummary): string[] {
  const f = guaranteeFacts(input, summary);
  const delta = formatDelta(input.budget.delta);
  const lines: string[] = [];
  lines.push(
    summary.spent > 0
      ? `The unit of privacy is a whole node (a hospital or device with all its data): to anyone who sees only the models, the models released so far are at most e^ε ≈ ${f.likelihoodFactor} times more or less likely with any one node's contribution than without it.`
      : 'The unit of privacy is a whole node (a hospital or device with all its data); no private round has been released yet, so nothing is spent.',
  );
  lines.push(`δ = ${delta} is the probability that these ε bounds may fail.`);
  for (const p of roundPractices(input)) lines.push(p.text);
  const budget = input.budget.epsilon;
  lines.push(
    budget === null
      ? 'There is no privacy budget: rounds are accounted but never refused.'
      : `Once the budget of ε = ${formatEpsilon(budget)} (against released models) would be exceeded, the coordinator refuses further rounds: no more models are released.`,
  );
  return lines;
}

function upperFirst(t: string): string {
  return t.charAt(0).toUpperCase() + t.slice(1);
}
