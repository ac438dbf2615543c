/**
 * Composition of heterogeneous rounds for the privacy ledger: every round is one
 * Poisson-subsampled Gaussian step with its own (q, σ); RDP adds up across steps at each
 * order (Mironov 2017, Prop. 1), and the tight conversion gives the (ε, δ) spent so far.
 */
import { CohortError } from '../errors.js';
import { computeRdp, DEFAULT_ORDERS, rdpToEpsilon } from './rdp.js';

/** One accounted round: its sampling rate and noise multiplier. */
export interface AccountedRound {
  readonly q: number;
  readonly sigma: number;
}

/** ε after all `rounds` at `delta` (0 for no rounds). Rounds with equal (q, σ) are composed in one call. */
export function epsilonAfterRounds(rounds: readonly AccountedRound[], delta: number): number {
  if (rounds.length === 0) return 0;
  const groups = new Map<string, { q: number; sigma: number; steps: number }>();
  for (const r of rounds) {
    if (!(r.sigma > 0)) throw new CohortError('invalid_argument', `a private round needs a noise multiplier > 0, got ${r.sigma}`);
    const key = `${r.q}/${r.sigma}`;
    const g = groups.get(key);
    if (g) g.steps += 1;
    else groups.set(key, { q: r.q, sigma: r.sigma, steps: 1 });
  }
  const total = new Array<number>(DEFAULT_ORDERS.length).fill(0);
  for (const g of groups.values()) {
    const rdp = computeRdp(g.q, g.sigma, g.steps);
    for (let i = 0; i < total.length; i++) total[i] = (total[i] as number) + (rdp[i] as number);
  }
  return rdpToEpsilon(DEFAULT_ORDERS, total, delta).epsilon;
}
