/**
 * Accountant timings: an RDP query at T = 10⁴, a PLD query at T = 10³ and the inverse
 * (noise) search, each against a baseline measured in the same run (named in the figure).
 */
import { computeRdp, epsilonPld, epsilonRdp, noiseForEpsilon, rdpToEpsilon, DEFAULT_ORDERS } from '../shared/dp/index.js';
import { median, timeRuns, type BenchFigure } from './report.js';

const DELTA = 1e-5;

/** Medians in milliseconds, rounded to 3 significant digits. */
function ms(values: number[]): number {
  return Number(median(values).toPrecision(3));
}

/** The DP figures. */
export async function benchDp(): Promise<BenchFigure[]> {
  const figures: BenchFigure[] = [];

  // RDP at T = 10⁴ against the same query for the unsampled Gaussian (closed form α/2σ², same orders and conversion).
  const rdpQuery = { q: 0.01, sigma: 1, steps: 10_000, delta: DELTA };
  const rdp = ms(await timeRuns(() => epsilonRdp(rdpQuery), 50, 5));
  const closed = ms(await timeRuns(() => rdpToEpsilon(DEFAULT_ORDERS, computeRdp(1, 1, 10_000), DELTA), 50, 5));
  figures.push({
    section: 'dp',
    name: `RDP ε query, q=0.01 σ=1 T=10^4 δ=1e-5, ${DEFAULT_ORDERS.length} orders`,
    value: rdp,
    unit: 'ms',
    baseline: closed,
    baselineName: 'same query for the unsampled Gaussian (closed-form RDP, q=1)',
    ratio: Number((rdp / closed).toPrecision(3)),
    ratioMeaning: 'value/baseline: cost of the subsampled-Gaussian series over the closed form',
    target: '< 5 ms',
    met: rdp < 5,
  });

  // PLD at T = 10³, typical and hard settings, against the RDP query on the same parameters.
  for (const [q, sigma] of [
    [0.01, 1],
    [0.1, 0.5],
  ] as const) {
    const p = { q, sigma, steps: 1000, delta: DELTA };
    const pld = ms(await timeRuns(() => epsilonPld(p), 3, 1));
    const base = ms(await timeRuns(() => epsilonRdp(p), 20, 3));
    figures.push({
      section: 'dp',
      name: `PLD ε query (interval 1e-4), q=${q} σ=${sigma} T=10^3 δ=1e-5`,
      value: pld,
      unit: 'ms',
      baseline: base,
      baselineName: 'RDP ε query on the same parameters',
      ratio: Number((pld / base).toPrecision(3)),
      ratioMeaning: 'value/baseline',
      target: '< 2000 ms',
      met: pld < 2000,
    });
  }

  // Noise search: time per search against one ε query at the answer (the ratio is about the number of queries).
  const search = { targetEpsilon: 1, q: 0.01, steps: 1000, delta: DELTA };
  const sigmaRdp = noiseForEpsilon({ ...search, accountant: 'rdp' }).noiseMultiplier;
  const noiseRdp = ms(await timeRuns(() => noiseForEpsilon({ ...search, accountant: 'rdp' }), 10, 2));
  const oneRdp = ms(await timeRuns(() => epsilonRdp({ q: search.q, sigma: sigmaRdp, steps: search.steps, delta: DELTA }), 20, 3));
  figures.push({
    section: 'dp',
    name: 'noise search (RDP), target ε=1, q=0.01 T=10^3 δ=1e-5',
    value: noiseRdp,
    unit: 'ms',
    baseline: oneRdp,
    baselineName: 'one RDP ε query at the answer',
    ratio: Number((noiseRdp / oneRdp).toPrecision(3)),
    ratioMeaning: 'value/baseline ≈ number of ε queries the search made',
    target: '< 100 ms',
    met: noiseRdp < 100,
  });
  const sigmaPld = noiseForEpsilon({ ...search, accountant: 'pld' }).noiseMultiplier;
  const noisePld = ms(await timeRuns(() => noiseForEpsilon({ ...search, accountant: 'pld' }), 1, 0));
  const onePld = ms(await timeRuns(() => epsilonPld({ q: search.q, sigma: sigmaPld, steps: search.steps, delta: DELTA }), 3, 0));
  figures.push({
    section: 'dp',
    name: 'noise search (PLD), target ε=1, q=0.01 T=10^3 δ=1e-5 (no target set for PLD)',
    value: noisePld,
    unit: 'ms',
    baseline: onePld,
    baselineName: 'one PLD ε query at the answer',
    ratio: Number((noisePld / onePld).toPrecision(3)),
    ratioMeaning: 'value/baseline ≈ number of PLD queries the search made (it starts from the RDP answer)',
  });
  return figures;
}
