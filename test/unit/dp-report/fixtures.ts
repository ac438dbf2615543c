/** Ledger rows with real RDP totals (the coordinator's own composition) and deterministic hashes. */
import { epsilonAfterRounds } from '../../../shared/dp/compose.js';
import type { BudgetReportInput, LedgerRow } from '../../../shared/dp/report/index.js';

/** 2025-03-03T09:00:00Z. */
export const T0 = Date.UTC(2025, 2, 3, 9, 0, 0);
/** 2025-03-04T08:30:00Z. */
export const GENERATED = Date.UTC(2025, 2, 4, 8, 30, 0);

/** A 64-hex-digit stand-in hash for round `r`. */
export function fakeHash(r: number): string {
  return ((r * 2654435761) >>> 0).toString(16).padStart(8, '0').repeat(8);
}

/** `n` rounds (1..n, 7 minutes apart) at (q, σ), stopping early before one would exceed `budget`. */
export function ledgerRows(n: number, q: number, sigma: number, opts: { budget?: number; delta?: number; noise?: LedgerRow['noise'] } = {}): LedgerRow[] {
  const delta = opts.delta ?? 1e-5;
  const rounds: { q: number; sigma: number }[] = [];
  const rows: LedgerRow[] = [];
  for (let r = 1; r <= n; r++) {
    const next = epsilonAfterRounds([...rounds, { q, sigma }], delta);
    if (next > (opts.budget ?? Infinity)) break;
    rounds.push({ q, sigma });
    rows.push({
      round: r,
      time: T0 + r * 7 * 60_000,
      sampleRate: q,
      noiseMultiplier: sigma,
      clipNorm: 1,
      minSurvivors: 3,
      survivors: 5,
      epsilonAfter: next,
      delta,
      accountant: 'rdp',
      hash: fakeHash(r),
      noise: opts.noise ?? 'distributed',
    });
  }
  return rows;
}

/** A report input over `rows` with budget (ε, 1e-5). */
export function reportInput(epsilon: number, rows: LedgerRow[], extra: Partial<BudgetReportInput> = {}): BudgetReportInput {
  return {
    budget: { epsilon, delta: 1e-5 },
    rows,
    ledgerHash: rows[rows.length - 1]?.hash ?? '',
    ledgerVerified: true,
    generatedAt: GENERATED,
    accountant: 'rdp',
    federation: 'North-West Hospitals',
    ...extra,
  };
}

/** Rows with arbitrary totals (not from an accountant), for rendering-only checks. */
export function rowsWithEpsilons(epsilons: readonly number[], accountant: LedgerRow['accountant'] = 'pld'): LedgerRow[] {
  return epsilons.map((e, i) => ({
    round: i + 1,
    time: T0 + (i + 1) * 60_000,
    sampleRate: 0.1,
    noiseMultiplier: 1,
    clipNorm: 1,
    minSurvivors: 2,
    survivors: 2,
    epsilonAfter: e,
    delta: 1e-5,
    accountant,
    hash: fakeHash(i + 1),
    noise: 'central',
  }));
}
