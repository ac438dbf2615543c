/**
 * The coordinator's privacy accounting: a ledger of private rounds and the budget check
 * that runs before each round (PLAN §2.2, §3). The ledger is a port: in memory here, the
 * durable store in production, and an entry is appended before the round's model is
 * released.
 */
import { bitNoiseMultiplier, updateNoiseMultiplier } from '../../shared/dp/adaptive-clip.js';
import { epsilonAfterRounds } from '../../shared/dp/compose.js';
import { gaussianNoise } from '../../shared/dp/gaussian.js';
import { CohortError } from '../../shared/errors.js';
import type { RandomSource } from '../../shared/random.js';
import { decodeSum, type FixedPointParams } from '../../shared/secagg/fixed-point.js';
import type { NoiseMode, PrivacyTask, RoundSettings } from './types.js';

/** One private round as the ledger records it. */
export interface LedgerRecord {
  readonly round: number;
  /** Unix milliseconds of the commit. */
  readonly time: number;
  readonly sampleRate: number;
  readonly noiseMultiplier: number;
  readonly clipNorm: number;
  readonly minSurvivors: number;
  readonly survivors: number;
  /** Total ε spent after this round. */
  readonly epsilonAfter: number;
  readonly delta: number;
  readonly accountant: 'rdp';
  readonly noise: NoiseMode;
}

/** Where ledger entries are read from (they are written by the round journal's commit). */
export interface PrivacyLedger {
  entries(): readonly LedgerRecord[];
}

/** A ledger in memory (the memory journal's). */
export class MemoryLedger implements PrivacyLedger {
  private readonly records: LedgerRecord[] = [];
  entries(): readonly LedgerRecord[] {
    return this.records;
  }
  append(record: LedgerRecord): void {
    this.records.push(record);
  }
}

/** The budget set when the coordinator starts; operators cannot change it. */
export interface PrivacyBudget {
  /** Total ε allowed; undefined = account, but never refuse. */
  readonly epsilon: number | undefined;
  readonly delta: number;
}

/** Answers "what would ε be after one more round like this?" and refuses overspending. */
export class PrivacyAccountant {
  constructor(
    readonly budget: PrivacyBudget,
    private readonly ledger: PrivacyLedger,
  ) {
    if (budget.epsilon !== undefined && !(budget.epsilon > 0 && Number.isFinite(budget.epsilon))) {
      throw new CohortError('invalid_argument', `--epsilon-budget must be a positive number, got ${budget.epsilon}`);
    }
    if (!(budget.delta > 0 && budget.delta < 1)) throw new CohortError('invalid_argument', `--delta must be in (0, 1), got ${budget.delta}`);
  }

  /** The ledger's entries, oldest first. */
  entries(): readonly LedgerRecord[] {
    return this.ledger.entries();
  }

  /** ε spent so far (the last entry's running total). */
  spent(): number {
    const entries = this.ledger.entries();
    return entries.length === 0 ? 0 : (entries[entries.length - 1] as LedgerRecord).epsilonAfter;
  }

  /** ε after the ledger's rounds plus one more with rate `q` and noise multiplier `sigma`. */
  epsilonAfterNext(q: number, sigma: number): number {
    const rounds = this.ledger.entries().map((e) => ({ q: e.sampleRate, sigma: e.noiseMultiplier }));
    rounds.push({ q, sigma });
    return epsilonAfterRounds(rounds, this.budget.delta);
  }

  /** Throw `budget_exhausted` (naming budget, spent and would-be total) if one more round would overspend. */
  check(q: number, sigma: number): number {
    const next = this.epsilonAfterNext(q, sigma);
    const budget = this.budget.epsilon;
    if (budget !== undefined && next > budget) {
      throw new CohortError(
        'budget_exhausted',
        `privacy budget exceeded: budget ε = ${fmt(budget)} (δ = ${this.budget.delta}), spent ${fmt(this.spent())}, this round would bring it to ${fmt(next)}`,
      );
    }
    return next;
  }

  /** The ledger entry of a private round about to be committed (the journal stores it). */
  prepare(entry: Omit<LedgerRecord, 'epsilonAfter' | 'delta' | 'accountant'>): LedgerRecord {
    return { ...entry, epsilonAfter: this.epsilonAfterNext(entry.sampleRate, entry.noiseMultiplier), delta: this.budget.delta, accountant: 'rdp' };
  }
}

function fmt(x: number): string {
  return x.toPrecision(4);
}

/** The noise mode a round uses: distributed needs secure aggregation, so central is the default without it. */
export function noiseMode(s: RoundSettings): NoiseMode {
  return s.noise ?? (s.secureAggregation ? 'distributed' : 'central');
}

/**
 * What nodes must do for a private round, or undefined for a non-private one. With
 * adaptive clipping the operator's σ is split between the update and the centred
 * within-clip bit so that both queries together are charged exactly σ.
 */
export function privacyTask(s: RoundSettings, expectedParticipants: number): PrivacyTask | undefined {
  if (s.noiseMultiplier <= 0) return undefined;
  const base = { clipNorm: s.clipNorm, minSurvivors: s.minNodes, noise: noiseMode(s) };
  if (!s.adaptiveClip) return { ...base, noiseMultiplier: s.noiseMultiplier };
  const sigmaB = bitNoiseMultiplier(expectedParticipants, s.noiseMultiplier);
  return { ...base, noiseMultiplier: updateNoiseMultiplier(s.noiseMultiplier, sigmaB), clipBitNoiseMultiplier: sigmaB };
}

/** One N(0, std²) draw. */
export function gaussianDraw(std: number, rng: RandomSource): number {
  const x = new Float32Array(1);
  gaussianNoise(x, std, rng);
  return x[0] as number;
}

/**
 * Plain (not secure) private round, central noise: the noised sum of the participants'
 * centred clip bits, Σ(b_i − 1/2) + N(0, σ_b²), from the count of within-clip updates.
 */
export function noisedCentredBits(withinClip: number, participants: number, sigmaB: number, rng: RandomSource): number {
  return withinClip - participants / 2 + gaussianDraw(sigmaB, rng);
}

/** What a secure round releases from the unmasked sum. */
export interface SecureRelease {
  /** The sum of the survivors' clipped updates (with the round's noise), numParameters values. */
  readonly sum: Float32Array;
  /** Adaptive clipping: Σ(b_i − 1/2) + N(0, σ_b²) over the survivors. */
  readonly noisedCentredBits?: number;
}

/**
 * Decode the unmasked fixed-point sum; in central-noise rounds the coordinator adds
 * N(0, σ²C²) to the update and N(0, σ_b²) to the centred bits. In distributed rounds the
 * nodes' shares are already in the sum. Exported so tests run exactly this code.
 */
export function releaseSecureSum(unmasked: Uint32Array, fp: FixedPointParams, numParameters: number, privacy: PrivacyTask | undefined, rng: RandomSource): SecureRelease {
  const sum = decodeSum(unmasked, fp);
  if (privacy?.noise === 'central') {
    const noise = new Float32Array(numParameters);
    gaussianNoise(noise, privacy.noiseMultiplier * privacy.clipNorm, rng);
    for (let i = 0; i < noise.length; i++) sum[i] = (sum[i] as number) + (noise[i] as number);
  }
  if (privacy?.clipBitNoiseMultiplier === undefined) return { sum: sum.subarray(0, numParameters) };
  const bits = (sum[numParameters] as number) / privacy.clipNorm;
  const noisedCentredBits = privacy.noise === 'central' ? bits + gaussianDraw(privacy.clipBitNoiseMultiplier, rng) : bits;
  return { sum: sum.subarray(0, numParameters), noisedCentredBits };
}
