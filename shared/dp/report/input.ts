/**
 * What the budget report is drawn from (the coordinator's privacy ledger and budget) and the
 * figures every format shares. Checked once here so that no renderer has to guess what a NaN
 * or an out-of-order round would mean on a page an auditor signs off.
 */
import { CohortError } from '../../errors.js';
import { epsilonAfterRounds } from '../compose.js';

/** One committed round of the privacy ledger, as the report shows it. */
export interface LedgerRow {
  round: number;
  /** Commit time, ms since the Unix epoch. */
  time: number;
  /** Poisson sampling rate q. */
  sampleRate: number;
  /** Noise multiplier σ (noise std is σ·C in total). */
  noiseMultiplier: number;
  /** L2 clip norm C of each node's update. */
  clipNorm: number;
  /** m: the honest survivors whose noise shares together carry σ·C. */
  minSurvivors: number;
  survivors: number;
  /** Total ε spent after this round. */
  epsilonAfter: number;
  delta: number;
  accountant: 'rdp' | 'pld';
  /** This entry's hash in the ledger's chain. */
  hash: string;
  /** Who adds the noise: each survivor its share (distributed) or the coordinator after the sum (central). */
  noise: 'distributed' | 'central';
}

/** Everything a budget report is rendered from. */
export interface BudgetReportInput {
  budget: { epsilon: number; delta: number };
  /** Ledger rows in round order. */
  rows: LedgerRow[];
  /** Head of the hash chain, '' when the ledger is empty. */
  ledgerHash: string;
  /** Whether the caller recomputed the chain and it matched. */
  ledgerVerified: boolean;
  /** When the report was made, ms since the Unix epoch. */
  generatedAt: number;
  accountant: 'rdp' | 'pld';
  federation?: string;
}

/** Whether the budget still allows rounds. */
export type BudgetStatus = 'within' | 'exhausted';

/** What one more round with the last round's settings would bring (RDP ledgers only). */
export interface NextRound {
  readonly sampleRate: number;
  readonly noiseMultiplier: number;
  /** Total ε after it, as the coordinator's budget check computes it. */
  readonly epsilon: number;
  /** Whether the coordinator would refuse it. */
  readonly refused: boolean;
}

/** Figures derived from the input, identical in every format. */
export interface BudgetSummary {
  /** ε spent: the last row's epsilonAfter, 0 with no rows. */
  readonly spent: number;
  /** max(0, budget − spent). */
  readonly remaining: number;
  /** spent / budget (may exceed 1 if the ledger says so). */
  readonly fraction: number;
  /** Exhausted when spent reaches the budget or one more round like the last would be refused. */
  readonly status: BudgetStatus;
  /** ε recomputed from the rows' (q, σ) with the RDP accountant; undefined for PLD ledgers and empty ones. */
  readonly recomputed: number | undefined;
  /** False when `recomputed` and `spent` differ by more than RECOMPUTE_TOLERANCE (relative). */
  readonly consistent: boolean;
  readonly next: NextRound | undefined;
}

/** Relative difference between the ledger's ε and the recomputed one that the report flags. */
export const RECOMPUTE_TOLERANCE = 1e-4;

/** Share of the budget past which every format warns that further rounds may be refused. */
export const LOW_BUDGET_FRACTION = 0.9;

/** Largest ε accepted: past this no ε means anything, and the chart's arithmetic stays finite. */
export const MAX_EPSILON = 1e12;

/** Largest |ms| a JavaScript Date accepts (±100 000 000 days). */
const MAX_TIME_MS = 8.64e15;

function bad(message: string): never {
  throw new CohortError('invalid_argument', `budget report: ${message}`);
}

function finite(name: string, v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : bad(`${name} must be a finite number, got ${String(v)}`);
}

function time(name: string, v: unknown): number {
  const t = finite(name, v);
  return Math.abs(t) <= MAX_TIME_MS ? t : bad(`${name} is not a representable date: ${t}`);
}

function count(name: string, v: unknown): number {
  return Number.isSafeInteger(v) && (v as number) >= 0 ? (v as number) : bad(`${name} must be a non-negative integer, got ${String(v)}`);
}

function oneOf<T extends string>(name: string, v: unknown, allowed: readonly T[]): T {
  return allowed.includes(v as T) ? (v as T) : bad(`${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
}

function text(name: string, v: unknown): string {
  return typeof v === 'string' ? v : bad(`${name} must be a string, got ${typeof v}`);
}

function checkRow(raw: LedgerRow, i: number, previous: LedgerRow | undefined): LedgerRow {
  const at = `rows[${i}]`;
  const round = raw.round;
  if (!Number.isSafeInteger(round) || round < 1) bad(`${at}.round must be a positive integer, got ${String(round)}`);
  // The chart and the table read the rows as a time series; a reordered ledger is a caller bug.
  if (previous && round <= previous.round) bad(`${at}.round ${round} does not follow round ${previous.round}`);
  const row: LedgerRow = {
    round,
    time: time(`${at}.time`, raw.time),
    sampleRate: finite(`${at}.sampleRate`, raw.sampleRate),
    noiseMultiplier: finite(`${at}.noiseMultiplier`, raw.noiseMultiplier),
    clipNorm: finite(`${at}.clipNorm`, raw.clipNorm),
    minSurvivors: count(`${at}.minSurvivors`, raw.minSurvivors),
    survivors: count(`${at}.survivors`, raw.survivors),
    epsilonAfter: finite(`${at}.epsilonAfter`, raw.epsilonAfter),
    delta: finite(`${at}.delta`, raw.delta),
    accountant: oneOf(`${at}.accountant`, raw.accountant, ['rdp', 'pld'] as const),
    hash: text(`${at}.hash`, raw.hash),
    noise: oneOf(`${at}.noise`, raw.noise, ['distributed', 'central'] as const),
  };
  if (!(row.sampleRate > 0 && row.sampleRate <= 1)) bad(`${at}.sampleRate must be in (0, 1], got ${row.sampleRate}`);
  if (row.noiseMultiplier < 0) bad(`${at}.noiseMultiplier must be >= 0, got ${row.noiseMultiplier}`);
  if (row.clipNorm <= 0) bad(`${at}.clipNorm must be > 0, got ${row.clipNorm}`);
  if (!(row.epsilonAfter >= 0 && row.epsilonAfter <= MAX_EPSILON)) bad(`${at}.epsilonAfter must be in [0, ${MAX_EPSILON}], got ${row.epsilonAfter}`);
  if (!(row.delta > 0 && row.delta < 1)) bad(`${at}.delta must be in (0, 1), got ${row.delta}`);
  return row;
}

/** A checked copy of `input` (throws `invalid_argument` naming the bad field). */
export function checkReportInput(input: BudgetReportInput): BudgetReportInput {
  if (typeof input !== 'object' || input === null) bad('input must be an object');
  const budget = input.budget;
  if (typeof budget !== 'object' || budget === null) bad('budget must be an object');
  const epsilon = finite('budget.epsilon', budget.epsilon);
  const delta = finite('budget.delta', budget.delta);
  if (!(epsilon > 0 && epsilon <= MAX_EPSILON)) bad(`budget.epsilon must be in (0, ${MAX_EPSILON}], got ${epsilon}`);
  if (!(delta > 0 && delta < 1)) bad(`budget.delta must be in (0, 1), got ${delta}`);
  if (!Array.isArray(input.rows)) bad('rows must be an array');
  const rows: LedgerRow[] = [];
  input.rows.forEach((r, i) => {
    if (typeof r !== 'object' || r === null) bad(`rows[${i}] must be an object`);
    rows.push(checkRow(r, i, rows[rows.length - 1]));
  });
  if (typeof input.ledgerVerified !== 'boolean') bad('ledgerVerified must be a boolean');
  const federation = input.federation === undefined ? undefined : text('federation', input.federation);
  return {
    budget: { epsilon, delta },
    rows,
    ledgerHash: text('ledgerHash', input.ledgerHash),
    ledgerVerified: input.ledgerVerified,
    generatedAt: time('generatedAt', input.generatedAt),
    accountant: oneOf('accountant', input.accountant, ['rdp', 'pld'] as const),
    ...(federation === undefined ? {} : { federation }),
  };
}

/**
 * Spent, remaining, fraction and status of a checked input. For an RDP ledger the rows are
 * recomputed with the same composition the coordinator uses (shared/dp/compose.ts), both to
 * cross-check the ledger's totals and to say whether a further round like the last would be
 * refused: the coordinator refuses a round *before* the budget is crossed, so "spent ≥ budget"
 * alone would almost never show a budget that is in fact used up.
 */
export function summarise(input: BudgetReportInput): BudgetSummary {
  const rows = input.rows;
  const last = rows[rows.length - 1];
  const spent = last ? last.epsilonAfter : 0;
  const budget = input.budget.epsilon;
  let recomputed: number | undefined;
  let next: NextRound | undefined;
  if (last && input.accountant === 'rdp' && rows.every((r) => r.noiseMultiplier > 0)) {
    const rounds = rows.map((r) => ({ q: r.sampleRate, sigma: r.noiseMultiplier }));
    recomputed = epsilonAfterRounds(rounds, input.budget.delta);
    const epsilon = epsilonAfterRounds([...rounds, { q: last.sampleRate, sigma: last.noiseMultiplier }], input.budget.delta);
    next = { sampleRate: last.sampleRate, noiseMultiplier: last.noiseMultiplier, epsilon, refused: epsilon > budget };
  }
  const consistent = recomputed === undefined || Math.abs(recomputed - spent) <= RECOMPUTE_TOLERANCE * Math.max(spent, recomputed);
  return {
    spent,
    remaining: Math.max(0, budget - spent),
    fraction: spent / budget,
    status: spent >= budget || next?.refused === true ? 'exhausted' : 'within',
    recomputed,
    consistent,
    next,
  };
}
