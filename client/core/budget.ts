/**
 * A node's own privacy budget (`cohort node --epsilon-budget`). The node cannot verify
 * the coordinator's sampling, so every round it contributes to is charged as if q = 1,
 * and rounds are added up by basic composition (ε of each round summed): a deliberately
 * conservative bound that only ever over-states what the node has spent.
 */
import { epsilonRdp } from '../../shared/dp/rdp.js';
import { CohortError } from '../../shared/errors.js';
import type { PrivacyTask } from './agent.js';

/** Where charged rounds are recorded durably (client/store's NodeStore). */
export interface NodeLedger {
  /** Record `epsilon` for `round`; throws `budget_exhausted` (recording nothing) past `budget`. */
  record(args: { readonly round: number; readonly epsilon: number; readonly budget?: number }): unknown;
  spent(): number;
}

/** The check a node runs before it trains for a round. */
export class NodeBudget {
  constructor(
    private readonly ledger: NodeLedger,
    readonly epsilon: number,
    readonly delta: number,
  ) {
    if (!(epsilon > 0)) throw new CohortError('usage', `--epsilon-budget must be a positive number, got ${epsilon}`);
    if (!(delta > 0 && delta < 1)) throw new CohortError('usage', `--delta must be in (0, 1), got ${delta}`);
  }

  /** ε this node has spent so far. */
  spent(): number {
    return this.ledger.spent();
  }

  /**
   * Charge `round` before contributing to it. Throws `budget_exhausted` when it would pass
   * the budget, and `permission_denied` for a round without differential privacy.
   */
  charge(round: number, privacy: PrivacyTask | undefined): number {
    if (!privacy) {
      throw new CohortError('permission_denied', 'this node has a privacy budget and only takes part in differentially private rounds');
    }
    const epsilon = epsilonRdp({ q: 1, sigma: privacy.noiseMultiplier, steps: 1, delta: this.delta }).epsilon;
    this.ledger.record({ round, epsilon, budget: this.epsilon });
    return epsilon;
  }
}
