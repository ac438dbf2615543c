/**
 * Entries of the coordinator's ledger and the fields their hash covers. One hash chain holds
 * every released model (private or not: a model released without noise is recorded with
 * noise "none" and no ε, i.e. unbounded for the data it used) and every change of the
 * privacy budget, so neither can be left out or edited without breaking the chain.
 *
 * `hash = sha256_hex(prev_hash ‖ JCS(fields))` (shared/durable/chain.ts). Entries written
 * before schema 2 (format 1) keep the fields they were hashed with; format 2 hashes the
 * object returned by `ledgerFields`, absent values as null, so an auditor can recompute the
 * chain from the table alone.
 */
import type { ChainFields } from '../../shared/durable/chain.js';
import { CohortError } from '../../shared/errors.js';

/** Where a round's Gaussian noise was added (PLAN §2.5), or "none" for a release without differential privacy. */
export type LedgerNoise = 'distributed' | 'central' | 'none';

/** What the caller recorded for one released model. */
export interface RoundEntryInput {
  readonly round: number;
  /** Commit time, ms since the epoch; the store's clock when absent. */
  readonly time?: number;
  /** Poisson sampling rate q. */
  readonly sampleRate: number;
  /** σ; 0 for a release without differential privacy. */
  readonly noiseMultiplier: number;
  /** L2 clip norm of each update; absent when updates were not clipped. */
  readonly clipNorm?: number;
  /** Survivors the round needed (m): the distributed-noise guarantee assumes at least this many. */
  readonly minSurvivors: number;
  readonly survivors: number;
  /** Total ε after this round against anyone who sees only released models (amplified by q); absent when not private. */
  readonly epsilonAfter?: number;
  /** Total ε after this round without sampling amplification (parties who see who took part); absent when not private. */
  readonly epsilonUnamplifiedAfter?: number;
  readonly delta: number;
  /** Which accountant computed the ε figures ("rdp", "pld"). */
  readonly accountant: string;
  readonly noise: LedgerNoise;
  /** Whether the round used secure aggregation; absent in entries written before it was recorded. */
  readonly secureAggregation?: boolean;
  /** sha256 of the released model's weights (its checkpoint file), set by the commit; absent in older entries. */
  readonly modelSha256?: string;
  /** sha256 of the released model's manifest (its named tensors); absent in older entries. */
  readonly manifestSha256?: string;
}

/** A change of the privacy budget: the value at first start, or an operator's audited `budget set`. */
export interface BudgetEntryInput {
  readonly time?: number;
  /** The budget ε from now on; absent: no budget. */
  readonly epsilon?: number;
  readonly delta: number;
  /** The operator certificate that changed it; absent when the coordinator recorded it at first start. */
  readonly operator?: string;
  readonly reason: string;
}

/** Chain bookkeeping of a stored entry. */
interface Stored {
  /** 1, 2, 3… in chain order. */
  readonly seq: number;
  readonly time: number;
  /** Which field set the hash covers: 1 (entries written before schema 2) or 2. */
  readonly format: 1 | 2;
  readonly prevHash: string;
  readonly hash: string;
}

/** A stored round entry. */
export interface RoundEntry extends Omit<RoundEntryInput, 'time'>, Stored {
  readonly kind: 'round';
}

/** A stored budget entry. */
export interface BudgetEntry extends Omit<BudgetEntryInput, 'time'>, Stored {
  readonly kind: 'budget';
}

/** Any stored ledger entry. */
export type LedgerEntry = RoundEntry | BudgetEntry;

const nul = <T>(v: T | undefined): T | null => (v === undefined ? null : v);

/** The hashed fields of an entry. */
export function ledgerFields(e: LedgerEntry): ChainFields {
  if (e.kind === 'budget') {
    return { budgetEpsilon: nul(e.epsilon), delta: e.delta, format: 2, kind: 'budget', operator: nul(e.operator), reason: e.reason, time: e.time };
  }
  const v1 = {
    accountant: e.accountant,
    clipNorm: nul(e.clipNorm),
    delta: e.delta,
    epsilonAfter: nul(e.epsilonAfter),
    minSurvivors: e.minSurvivors,
    noise: e.noise,
    noiseMultiplier: e.noiseMultiplier,
    round: e.round,
    sampleRate: e.sampleRate,
    survivors: e.survivors,
    time: e.time,
  };
  if (e.format === 1) return v1;
  return {
    ...v1,
    epsilonUnamplifiedAfter: nul(e.epsilonUnamplifiedAfter),
    format: 2,
    kind: 'round',
    manifestSha256: nul(e.manifestSha256),
    modelSha256: nul(e.modelSha256),
    secureAggregation: nul(e.secureAggregation),
  };
}

function fail(where: string): (msg: string) => never {
  return (msg) => {
    throw new CohortError('invalid_argument', `${where}: ${msg}`);
  };
}

function checkTime(bad: (m: string) => never, time: number | undefined): void {
  if (time !== undefined && !(Number.isSafeInteger(time) && time >= 0)) bad(`time must be a non-negative integer (ms), got ${time}`);
}

function checkDelta(bad: (m: string) => never, delta: unknown): number {
  if (typeof delta !== 'number' || !(delta > 0 && delta < 1)) bad(`delta must be in (0, 1), got ${String(delta)}`);
  return delta as number;
}

/** A checked copy of a round entry; `previous` is the last round entry already in the ledger. */
export function parseRoundEntry(input: RoundEntryInput, previous: RoundEntry | undefined): RoundEntryInput {
  const bad = fail(`ledger entry for round ${String(input.round)}`);
  const finite = (name: string, v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : bad(`${name} must be a finite number, got ${String(v)}`));
  const count = (name: string, v: unknown): number => (Number.isSafeInteger(v) && (v as number) >= 0 ? (v as number) : bad(`${name} must be a non-negative integer, got ${String(v)}`));
  const optional = (name: string, v: number | undefined): number | undefined => (v === undefined ? undefined : finite(name, v));
  const e: RoundEntryInput = {
    round: input.round,
    ...(input.time === undefined ? {} : { time: input.time }),
    sampleRate: finite('sampleRate', input.sampleRate),
    noiseMultiplier: finite('noiseMultiplier', input.noiseMultiplier),
    ...(input.clipNorm === undefined ? {} : { clipNorm: finite('clipNorm', input.clipNorm) }),
    minSurvivors: count('minSurvivors', input.minSurvivors),
    survivors: count('survivors', input.survivors),
    ...(input.epsilonAfter === undefined ? {} : { epsilonAfter: optional('epsilonAfter', input.epsilonAfter) }),
    ...(input.epsilonUnamplifiedAfter === undefined ? {} : { epsilonUnamplifiedAfter: optional('epsilonUnamplifiedAfter', input.epsilonUnamplifiedAfter) }),
    delta: checkDelta(bad, input.delta),
    accountant: input.accountant,
    noise: input.noise,
    ...(input.secureAggregation === undefined ? {} : { secureAggregation: input.secureAggregation }),
    ...(input.modelSha256 === undefined ? {} : { modelSha256: input.modelSha256 }),
    ...(input.manifestSha256 === undefined ? {} : { manifestSha256: input.manifestSha256 }),
  };
  if (!Number.isSafeInteger(e.round) || e.round < 1) bad('round must be a positive integer');
  checkTime(bad, e.time);
  if (!(e.sampleRate > 0 && e.sampleRate <= 1)) bad(`sampleRate must be in (0, 1], got ${e.sampleRate}`);
  if (e.noiseMultiplier < 0) bad(`noiseMultiplier must be >= 0, got ${e.noiseMultiplier}`);
  if (e.clipNorm !== undefined && e.clipNorm <= 0) bad(`clipNorm must be > 0, got ${e.clipNorm}`);
  if (typeof e.accountant !== 'string' || !/^[a-z0-9-]{1,32}$/.test(e.accountant)) bad(`accountant must be a short lower-case name, got ${JSON.stringify(e.accountant)}`);
  if (e.noise !== 'distributed' && e.noise !== 'central' && e.noise !== 'none') bad(`noise must be "distributed", "central" or "none", got ${JSON.stringify(e.noise)}`);
  if (e.secureAggregation !== undefined && typeof e.secureAggregation !== 'boolean') bad('secureAggregation must be a boolean');
  for (const [name, v] of [['modelSha256', e.modelSha256], ['manifestSha256', e.manifestSha256]] as const) {
    if (v !== undefined && !/^[0-9a-f]{64}$/.test(v)) bad(`${name} must be 64 lower-case hex digits, got ${JSON.stringify(v)}`);
  }
  if (e.noise === 'none') {
    // A release without noise has no finite ε: recording one would understate what it revealed.
    if (e.noiseMultiplier !== 0 || e.epsilonAfter !== undefined || e.epsilonUnamplifiedAfter !== undefined) bad('a release without noise has noiseMultiplier 0 and no epsilon');
  } else {
    if (!(e.noiseMultiplier > 0)) bad(`a private round needs noiseMultiplier > 0, got ${e.noiseMultiplier}`);
    if (e.clipNorm === undefined) bad('a private round needs its clipNorm');
    if (e.epsilonAfter === undefined) bad('a private round needs epsilonAfter');
    else if (e.epsilonAfter < 0) bad(`epsilonAfter must be >= 0, got ${e.epsilonAfter}`);
    if (e.epsilonUnamplifiedAfter !== undefined && e.epsilonUnamplifiedAfter < 0) bad(`epsilonUnamplifiedAfter must be >= 0, got ${e.epsilonUnamplifiedAfter}`);
  }
  if (previous) {
    if (e.round <= previous.round) bad(`rounds are recorded in order; the ledger already holds round ${previous.round}`);
  }
  return e;
}

/**
 * Spending under one accountant and δ only grows; a smaller total means a bug upstream.
 * `previous` is the last private round entry.
 */
export function checkSpending(e: RoundEntryInput, previous: RoundEntry | undefined): void {
  if (!previous || e.epsilonAfter === undefined || previous.epsilonAfter === undefined) return;
  if (previous.accountant === e.accountant && previous.delta === e.delta && e.epsilonAfter < previous.epsilonAfter) {
    fail(`ledger entry for round ${e.round}`)(`epsilonAfter ${e.epsilonAfter} is below the ${previous.epsilonAfter} already spent (round ${previous.round})`);
  }
}

/** Longest reason recorded with a budget change. */
export const MAX_REASON_LENGTH = 500;

/** A checked copy of a budget entry. */
export function parseBudgetEntry(input: BudgetEntryInput): BudgetEntryInput {
  const bad = fail('budget entry');
  checkTime(bad, input.time);
  if (input.epsilon !== undefined && !(typeof input.epsilon === 'number' && Number.isFinite(input.epsilon) && input.epsilon > 0)) {
    bad(`epsilon must be a finite number > 0 (or absent for no budget), got ${String(input.epsilon)}`);
  }
  const delta = checkDelta(bad, input.delta);
  if (input.operator !== undefined && !(typeof input.operator === 'string' && /^[a-z0-9._-]{1,64}$/.test(input.operator))) bad(`operator must be a certificate name, got ${JSON.stringify(input.operator)}`);
  const reason = typeof input.reason === 'string' ? input.reason.trim() : '';
  if (reason === '') bad('a reason is required');
  if (reason.length > MAX_REASON_LENGTH) bad(`the reason must be at most ${MAX_REASON_LENGTH} characters, got ${reason.length}`);
  // Control characters would let a reason rewrite the terminal of whoever reads the report.
  if (/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(reason)) bad('the reason must be plain text without control characters');
  return {
    ...(input.time === undefined ? {} : { time: input.time }),
    ...(input.epsilon === undefined ? {} : { epsilon: input.epsilon }),
    delta,
    ...(input.operator === undefined ? {} : { operator: input.operator }),
    reason,
  };
}
