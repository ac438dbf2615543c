/**
 * Entries of the coordinator's privacy ledger and the fields their hash covers.
 * `hash = sha256_hex(prev_hash ‖ JCS({accountant, clipNorm, delta, epsilonAfter,
 * minSurvivors, noise, noiseMultiplier, round, sampleRate, survivors, time}))` (see
 * shared/durable/chain.ts), so an auditor can recompute it from the table alone.
 */
import type { ChainFields } from '../../shared/durable/chain.js';
import { CohortError } from '../../shared/errors.js';

/** Where a private round's Gaussian noise was added (PLAN §2.5). */
export type LedgerNoise = 'distributed' | 'central';

/** What the caller's accountant decided for one released round. */
export interface LedgerEntryInput {
  readonly round: number;
  /** Commit time, ms since the epoch; the store's clock when absent. */
  readonly time?: number;
  /** Poisson sampling rate q. */
  readonly sampleRate: number;
  readonly noiseMultiplier: number;
  readonly clipNorm: number;
  /** Survivors the round needed (m): the noise guarantee assumes at least this many. */
  readonly minSurvivors: number;
  readonly survivors: number;
  /** Total epsilon spent after this round. */
  readonly epsilonAfter: number;
  readonly delta: number;
  /** Which accountant computed epsilonAfter ("rdp", "pld"). */
  readonly accountant: string;
  readonly noise: LedgerNoise;
}

/** A stored ledger entry. */
export interface LedgerEntry extends LedgerEntryInput {
  /** Commit time, ms since the epoch. */
  readonly time: number;
  readonly prevHash: string;
  readonly hash: string;
}

/** The hashed fields of an entry. */
export function ledgerFields(e: LedgerEntryInput & { readonly time: number }): ChainFields {
  return {
    accountant: e.accountant,
    clipNorm: e.clipNorm,
    delta: e.delta,
    epsilonAfter: e.epsilonAfter,
    minSurvivors: e.minSurvivors,
    noise: e.noise,
    noiseMultiplier: e.noiseMultiplier,
    round: e.round,
    sampleRate: e.sampleRate,
    survivors: e.survivors,
    time: e.time,
  };
}

/** A checked copy of `input`; the message names the bad field. */
export function parseLedgerEntry(input: LedgerEntryInput, previous: LedgerEntry | undefined): LedgerEntryInput {
  const e: LedgerEntryInput = {
    round: input.round,
    ...(input.time === undefined ? {} : { time: input.time }),
    sampleRate: input.sampleRate,
    noiseMultiplier: input.noiseMultiplier,
    clipNorm: input.clipNorm,
    minSurvivors: input.minSurvivors,
    survivors: input.survivors,
    epsilonAfter: input.epsilonAfter,
    delta: input.delta,
    accountant: input.accountant,
    noise: input.noise,
  };
  const bad = (msg: string): never => {
    throw new CohortError('invalid_argument', `ledger entry for round ${String(e.round)}: ${msg}`);
  };
  const finite = (name: keyof LedgerEntryInput, v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : bad(`${name} must be a finite number, got ${String(v)}`));
  const count = (name: keyof LedgerEntryInput, v: unknown): number => (Number.isSafeInteger(v) && (v as number) >= 0 ? (v as number) : bad(`${name} must be a non-negative integer, got ${String(v)}`));
  if (!Number.isSafeInteger(e.round) || e.round < 1) bad('round must be a positive integer');
  if (e.time !== undefined && !(Number.isSafeInteger(e.time) && e.time >= 0)) bad(`time must be a non-negative integer (ms), got ${e.time}`);
  const q = finite('sampleRate', e.sampleRate);
  if (!(q > 0 && q <= 1)) bad(`sampleRate must be in (0, 1], got ${q}`);
  if (finite('noiseMultiplier', e.noiseMultiplier) < 0) bad(`noiseMultiplier must be >= 0, got ${e.noiseMultiplier}`);
  if (finite('clipNorm', e.clipNorm) <= 0) bad(`clipNorm must be > 0, got ${e.clipNorm}`);
  count('minSurvivors', e.minSurvivors);
  count('survivors', e.survivors);
  if (finite('epsilonAfter', e.epsilonAfter) < 0) bad(`epsilonAfter must be >= 0, got ${e.epsilonAfter}`);
  const delta = finite('delta', e.delta);
  if (!(delta > 0 && delta < 1)) bad(`delta must be in (0, 1), got ${delta}`);
  if (typeof e.accountant !== 'string' || !/^[a-z0-9-]{1,32}$/.test(e.accountant)) bad(`accountant must be a short lower-case name, got ${JSON.stringify(e.accountant)}`);
  if (e.noise !== 'distributed' && e.noise !== 'central') bad(`noise must be "distributed" or "central", got ${JSON.stringify(e.noise)}`);
  if (previous) {
    if (e.round <= previous.round) bad(`rounds are recorded in order; the ledger already holds round ${previous.round}`);
    // Spending under one accountant only grows; a smaller total means a bug upstream.
    if (previous.accountant === e.accountant && e.epsilonAfter < previous.epsilonAfter) {
      bad(`epsilonAfter ${e.epsilonAfter} is below the ${previous.epsilonAfter} already spent (round ${previous.round})`);
    }
  }
  return e;
}
