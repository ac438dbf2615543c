/**
 * A privacy plan before any round runs: the noise multiplier a target ε needs, the ε after
 * each round, and how large that noise is against the mean update the rounds release, so an
 * operator sees before training whether the federation is big enough for node-level DP.
 *
 * The noise on each round's mean update has std σ·C/(q·N) per coordinate (the noise σ·C on the
 * sum over the q·N expected participants). The mean update has norm at most C: every update is
 * clipped to C, and the mean of updates is no longer than the longest of them. So in the best
 * case, every update of norm C and all pointing the same way, the mean has per-coordinate RMS
 * C/√d, and the noise is σ·√d/(q·N) times that. Real updates are shorter than C and disagree,
 * so the real ratio is larger: the plan's ratio is a lower bound.
 */
import { CohortError } from '../errors.js';
import { noiseForEpsilon } from './noise-search.js';
import { checkDelta, checkSampleRate, checkSteps } from './params.js';
import { computeRdp, DEFAULT_ORDERS, rdpToEpsilon } from './rdp.js';

/** What the plan is for. */
export interface PlanInput {
  /** Nodes in the federation (N). */
  readonly nodes: number;
  /** Poisson sampling rate q. */
  readonly sampleRate: number;
  readonly rounds: number;
  readonly clipNorm: number;
  readonly targetEpsilon: number;
  readonly delta: number;
  /** Model parameters d. */
  readonly parameters: number;
}

/** How usable the noise leaves the model, from the best-case noise-to-update ratio. */
export type PlanVerdict = 'workable' | 'noisy' | 'too-small';

/**
 * Thresholds on the best-case noise-to-update ratio, from the measured MNIST table in the
 * README (logistic regression, 30 rounds, `bench/dp-nodes.ts`): ratios up to 0.3 cost no
 * accuracy, 2–3 cost 6–9 points, 20–30 roughly halved it. A heuristic for models like that
 * one, not a guarantee about any other.
 */
export const WORKABLE_RATIO = 1;
export const TOO_SMALL_RATIO = 10;

/** The plan. */
export interface Plan {
  /** The smallest noise multiplier reaching the target after all rounds (RDP, rounded up to 1e-4). */
  readonly noiseMultiplier: number;
  readonly expectedParticipants: number;
  /** ε after round t (index t − 1) against anyone who sees only released models (amplified by q). */
  readonly epsilonAfter: readonly number[];
  /** ε after round t against the coordinator and its operators, who see who took part (q = 1). */
  readonly epsilonUnamplifiedAfter: readonly number[];
  /** Std of the noise per coordinate of the sum (σ·C) and of the mean update (σ·C/(q·N)). */
  readonly noiseStdSum: number;
  readonly noiseStdMean: number;
  /** σ·√d/(q·N): the noise on the mean update over the mean update's size, in the best case. */
  readonly noiseToUpdate: number;
  readonly verdict: PlanVerdict;
  /** Expected participants per round that bring the best-case ratio down to TOO_SMALL_RATIO and to WORKABLE_RATIO at this σ. */
  readonly participantsForNoisy: number;
  readonly participantsForWorkable: number;
}

function bad(message: string): never {
  throw new CohortError('invalid_argument', message);
}

/** ε after each of `rounds` rounds at (q, σ): RDP is linear in the rounds, converted once per round. */
function epsilonsPerRound(q: number, sigma: number, rounds: number, delta: number): number[] {
  const step = computeRdp(q, sigma, 1);
  const out: number[] = [];
  for (let t = 1; t <= rounds; t++) {
    out.push(
      rdpToEpsilon(
        DEFAULT_ORDERS,
        step.map((r) => r * t),
        delta,
      ).epsilon,
    );
  }
  return out;
}

/** Work out the plan; refuses inputs that cannot make one, naming the option. */
export function privacyPlan(p: PlanInput): Plan {
  if (!Number.isSafeInteger(p.nodes) || p.nodes < 1) bad(`--nodes must be a positive integer, got ${p.nodes}`);
  checkSampleRate(p.sampleRate);
  checkSteps(p.rounds);
  checkDelta(p.delta);
  if (!(p.clipNorm > 0 && Number.isFinite(p.clipNorm))) bad(`--clip must be a positive number, got ${p.clipNorm}`);
  if (!Number.isSafeInteger(p.parameters) || p.parameters < 1) bad(`the model must have at least one parameter, got ${p.parameters}`);
  const { noiseMultiplier: sigma } = noiseForEpsilon({ targetEpsilon: p.targetEpsilon, q: p.sampleRate, steps: p.rounds, delta: p.delta });
  const expected = p.sampleRate * p.nodes;
  const ratio = (sigma * Math.sqrt(p.parameters)) / expected;
  const epsilonAfter = epsilonsPerRound(p.sampleRate, sigma, p.rounds, p.delta);
  return {
    noiseMultiplier: sigma,
    expectedParticipants: expected,
    epsilonAfter,
    epsilonUnamplifiedAfter: p.sampleRate === 1 ? epsilonAfter : epsilonsPerRound(1, sigma, p.rounds, p.delta),
    noiseStdSum: sigma * p.clipNorm,
    noiseStdMean: (sigma * p.clipNorm) / expected,
    noiseToUpdate: ratio,
    verdict: ratio >= TOO_SMALL_RATIO ? 'too-small' : ratio >= WORKABLE_RATIO ? 'noisy' : 'workable',
    participantsForNoisy: (sigma * Math.sqrt(p.parameters)) / TOO_SMALL_RATIO,
    participantsForWorkable: (sigma * Math.sqrt(p.parameters)) / WORKABLE_RATIO,
  };
}
