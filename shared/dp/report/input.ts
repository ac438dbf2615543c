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
  /** Who adds the noise: each survivor its share (distributed) or the coordinator (central). */
  noise: 'distributed' | 'central';
  /** Whether the coordinator saw only the survivors' sum; absent in entries from before it was recorded. */
  secureAggregation?: boolean;
  /** Total ε after this round without sampling amplification, as the ledger recorded it (absent in older entries). */
  epsilonUnamplifiedAfter?: number;
  /** sha256 of the released weights and of its manifest, as the ledger recorded them (absent in older entries). */
  modelSha256?: string;
  manifestSha256?: string;
}

/** A model released without differential privacy: ε is unbounded for the data the round used. */
export interface ReleaseWithoutPrivacy {
  round: number;
  /** Commit time, ms since the Unix epoch. */
  time: number;
  /** Absent when not known (releases missing from the ledger). */
  sampleRate?: number;
  survivors: number;
  /** Absent when not recorded (entries from before it was, or releases missing from the ledger). */
  secureAggregation?: boolean;
  /** sha256 of the released weights and of its manifest (absent when not recorded). */
  modelSha256?: string;
  manifestSha256?: string;
  /** The entry's hash; '' when the release is not in the ledger at all. */
  hash: string;
  /** False for a model committed before the ledger recorded releases without privacy. */
  recorded: boolean;
}

/** A change of the budget as the ledger records it (the first is the value at the coordinator's first start). */
export interface BudgetChange {
  time: number;
  /** The budget from then on; null: none. */
  epsilon: number | null;
  delta: number;
  /** The operator certificate that changed it; null when recorded at first start. */
  operator: string | null;
  reason: string;
  hash: string;
}

/** Everything a budget report is rendered from. */
export interface BudgetReportInput {
  /** The budget in force; epsilon null when the coordinator runs without one. */
  budget: { epsilon: number | null; delta: number };
  /** The private rounds of the ledger, in round order. */
  rows: LedgerRow[];
  /** Every model released without differential privacy, in round order. */
  releasesWithoutPrivacy?: ReleaseWithoutPrivacy[];
  /** Every change of the budget recorded in the ledger, oldest first. */
  budgetChanges?: BudgetChange[];
  /** Head of the hash chain, '' when the ledger is empty. */
  ledgerHash: string;
  /** Whether the caller recomputed the chain and it matched. */
  ledgerVerified: boolean;
  /** When the report was made, ms since the Unix epoch. */
  generatedAt: number;
  accountant: 'rdp' | 'pld';
  federation?: string;
}

/** Whether the budget still allows rounds ('none': there is no budget). */
export type BudgetStatus = 'within' | 'exhausted' | 'none';

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
  /** ε spent against anyone who sees only released models: the last row's epsilonAfter, 0 with no rows. */
  readonly spent: number;
  /**
   * ε spent against parties who see who took part (the coordinator and its operators): the
   * rows composed without sampling amplification (q = 1).
   */
  readonly spentUnamplified: number;
  /** max(0, budget − spent); Infinity without a budget. */
  readonly remaining: number;
  /** spent / budget (may exceed 1 if the ledger says so); 0 without a budget. */
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

function sha256(name: string, v: unknown): string {
  if (typeof v !== 'string' || !/^[0-9a-f]{64}$/.test(v)) bad(`${name} must be 64 lower-case hex digits`);
  return v as string;
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
    ...(raw.secureAggregation === undefined ? {} : { secureAggregation: raw.secureAggregation === true }),
    ...(raw.epsilonUnamplifiedAfter === undefined ? {} : { epsilonUnamplifiedAfter: finite(`${at}.epsilonUnamplifiedAfter`, raw.epsilonUnamplifiedAfter) }),
    ...(raw.modelSha256 === undefined ? {} : { modelSha256: sha256(`${at}.modelSha256`, raw.modelSha256) }),
    ...(raw.manifestSha256 === undefined ? {} : { manifestSha256: sha256(`${at}.manifestSha256`, raw.manifestSha256) }),
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
  const epsilon = budget.epsilon === null ? null : finite('budget.epsilon', budget.epsilon);
  const delta = finite('budget.delta', budget.delta);
  if (epsilon !== null && !(epsilon > 0 && epsilon <= MAX_EPSILON)) bad(`budget.epsilon must be in (0, ${MAX_EPSILON}] or null, got ${epsilon}`);
  if (!(delta > 0 && delta < 1)) bad(`budget.delta must be in (0, 1), got ${delta}`);
  if (!Array.isArray(input.rows)) bad('rows must be an array');
  const rows: LedgerRow[] = [];
  input.rows.forEach((r, i) => {
    if (typeof r !== 'object' || r === null) bad(`rows[${i}] must be an object`);
    rows.push(checkRow(r, i, rows[rows.length - 1]));
  });
  if (typeof input.ledgerVerified !== 'boolean') bad('ledgerVerified must be a boolean');
  const federation = input.federation === undefined ? undefined : text('federation', input.federation);
  const releases = (input.releasesWithoutPrivacy ?? []).map((r, i): ReleaseWithoutPrivacy => {
    const at = `releasesWithoutPrivacy[${i}]`;
    if (typeof r !== 'object' || r === null) bad(`${at} must be an object`);
    const round = count(`${at}.round`, r.round);
    if (rows.some((p) => p.round === round)) bad(`${at}.round ${round} is also a private round`);
    return {
      round,
      time: time(`${at}.time`, r.time),
      ...(r.sampleRate === undefined ? {} : { sampleRate: finite(`${at}.sampleRate`, r.sampleRate) }),
      survivors: count(`${at}.survivors`, r.survivors),
      ...(r.secureAggregation === undefined ? {} : { secureAggregation: r.secureAggregation === true }),
      ...(r.modelSha256 === undefined ? {} : { modelSha256: sha256(`${at}.modelSha256`, r.modelSha256) }),
      ...(r.manifestSha256 === undefined ? {} : { manifestSha256: sha256(`${at}.manifestSha256`, r.manifestSha256) }),
      hash: text(`${at}.hash`, r.hash),
      recorded: r.recorded === true,
    };
  });
  const changes = (input.budgetChanges ?? []).map((c, i): BudgetChange => {
    const at = `budgetChanges[${i}]`;
    if (typeof c !== 'object' || c === null) bad(`${at} must be an object`);
    const e = c.epsilon === null ? null : finite(`${at}.epsilon`, c.epsilon);
    return {
      time: time(`${at}.time`, c.time),
      epsilon: e,
      delta: finite(`${at}.delta`, c.delta),
      operator: c.operator === null ? null : text(`${at}.operator`, c.operator),
      reason: text(`${at}.reason`, c.reason),
      hash: text(`${at}.hash`, c.hash),
    };
  });
  return {
    budget: { epsilon, delta },
    rows,
    releasesWithoutPrivacy: releases.sort((a, b) => a.round - b.round),
    budgetChanges: changes,
    ledgerHash: text('ledgerHash', input.ledgerHash),
    ledgerVerified: input.ledgerVerified,
    generatedAt: time('generatedAt', input.generatedAt),
    accountant: oneOf('accountant', input.accountant, ['rdp', 'pld'] as const),
    ...(federation === undefined ? {} : { federation }),
  };
}

/**
 * ε after each row against parties who see who took part: the rows composed with q = 1. The
 * ledger's own figure when it recorded one, otherwise recomputed from the rows' σ.
 */
export function unamplifiedTotals(rows: readonly LedgerRow[], delta: number): number[] {
  const sigmas: { q: number; sigma: number }[] = [];
  return rows.map((r) => {
    sigmas.push({ q: 1, sigma: r.noiseMultiplier });
    return r.epsilonUnamplifiedAfter ?? (r.noiseMultiplier > 0 ? epsilonAfterRounds(sigmas, delta) : NaN);
  });
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
  let spentUnamplified = last?.epsilonUnamplifiedAfter ?? 0;
  if (last && input.accountant === 'rdp' && rows.every((r) => r.noiseMultiplier > 0)) {
    const rounds = rows.map((r) => ({ q: r.sampleRate, sigma: r.noiseMultiplier }));
    recomputed = epsilonAfterRounds(rounds, input.budget.delta);
    // Older entries did not record it; the rows' σ give it exactly (q = 1 for every round).
    spentUnamplified = last.epsilonUnamplifiedAfter ?? epsilonAfterRounds(rounds.map((r) => ({ q: 1, sigma: r.sigma })), input.budget.delta);
    const epsilon = epsilonAfterRounds([...rounds, { q: last.sampleRate, sigma: last.noiseMultiplier }], input.budget.delta);
    next = { sampleRate: last.sampleRate, noiseMultiplier: last.noiseMultiplier, epsilon, refused: budget !== null && epsilon > budget };
  }
  const consistent = recomputed === undefined || Math.abs(recomputed - spent) <= RECOMPUTE_TOLERANCE * Math.max(spent, recomputed);
  if (budget === null) {
    return { spent, spentUnamplified, remaining: Infinity, fraction: 0, status: 'none', recomputed, consistent, next };
  }
  return {
    spent,
    spentUnamplified,
    remaining: Math.max(0, budget - spent),
    fraction: spent / budget,
    status: spent >= budget || next?.refused === true ? 'exhausted' : 'within',
    recomputed,
    consistent,
    next,
  };
}
