/** The cohort-accuracy regression alert: federated accuracy fell too far below the best round so far. */
import { CohortError } from '../../shared/errors.js';

/** Default margin of `--regression-margin`: five accuracy points. */
export const DEFAULT_REGRESSION_MARGIN = 0.05;

/** The verdict on one round's accuracy. */
export interface RegressionVerdict {
  readonly regressed: boolean;
  /** Best accuracy of the rounds before this one (undefined for the first). */
  readonly best: number | undefined;
  readonly bestRound: number | undefined;
  /** best − accuracy (negative when this round is the new best). */
  readonly drop: number;
}

/** Tracks the best federated accuracy and flags rounds more than `margin` below it. */
export class AccuracyRegression {
  private best: number | undefined;
  private bestRound: number | undefined;

  constructor(readonly margin: number = DEFAULT_REGRESSION_MARGIN) {
    if (!(margin >= 0 && margin <= 1)) throw new CohortError('invalid_argument', `--regression-margin must be in [0, 1], got ${margin}`);
  }

  /** Best accuracy seen so far, with its round. */
  get record(): { readonly accuracy: number; readonly round: number } | undefined {
    return this.best === undefined || this.bestRound === undefined ? undefined : { accuracy: this.best, round: this.bestRound };
  }

  /** Record round `round`'s accuracy and say whether it regressed against the rounds before it. */
  observe(round: number, accuracy: number): RegressionVerdict {
    if (!(accuracy >= 0 && accuracy <= 1)) throw new CohortError('invalid_argument', `accuracy must be in [0, 1], got ${accuracy}`);
    const best = this.best;
    const bestRound = this.bestRound;
    const drop = best === undefined ? 0 : best - accuracy;
    if (best === undefined || accuracy > best) {
      this.best = accuracy;
      this.bestRound = round;
    }
    // The slack keeps a drop of exactly `margin` (0.90 → 0.85) from tripping on float rounding.
    return { regressed: best !== undefined && drop > this.margin + 1e-12, best, bestRound, drop };
  }
}
