/**
 * A node's own privacy budget (`cohort node --epsilon-budget`). It bounds what this node can
 * lose whatever the coordinator says: the node charges only the noise it adds itself (its
 * share in a distributed-noise secure round, split over the survivor floor it enforces
 * itself), with its own RDP accountant at q = 1 (it cannot verify the coordinator's sampling),
 * composing rounds before converting to (ε, δ) once. A round that would leave its update
 * without its own noise (central noise: the coordinator adds it, after seeing the update or
 * the exact sum) is declined, saying why.
 *
 * What it rests on: the other survivors of a sum that includes this node's input (at least
 * `floor` inputs, the node refuses smaller survivor sets) add the same share as it does.
 * Against a coordinator colluding with all of them only the node's own share is left.
 */
import { CohortError } from '../../shared/errors.js';
import type { SecureSetup } from '../../shared/wire/secagg.js';
import type { PrivacyTask } from './agent.js';
import { ownNoise } from './secure.js';

/** Where charged rounds are recorded durably (client/store's NodeStore). */
export interface NodeLedger {
  /** Record `round` at noise multiplier `noiseMultiplier`; throws `budget_exhausted` (recording nothing) past `budget`. */
  record(args: { readonly round: number; readonly noiseMultiplier: number; readonly delta: number; readonly budget?: number }): { readonly total: number };
  spent(): number;
}

/** What a node needs to see of a training task to charge it. */
export interface ChargeableTask {
  readonly round: number;
  readonly privacy?: PrivacyTask;
  readonly secure?: SecureSetup;
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

  /** ε this node has spent so far, by its own accounting. */
  spent(): number {
    return this.ledger.spent();
  }

  /**
   * The noise multiplier this node can vouch for in `task`: what its own share gives over the
   * survivor floor it enforces. Throws `permission_denied`, saying why, for a round that
   * would leave its update without its own noise.
   */
  static ownSigma(task: ChargeableTask): number {
    const refuse = (why: string): never => {
      throw new CohortError('permission_denied', `this node has a privacy budget and ${why}`);
    };
    const { privacy, secure } = task;
    if (!privacy) return refuse('only takes part in differentially private rounds');
    if (privacy.noise === 'central') {
      return refuse('declines central-noise rounds: its update would reach the coordinator without noise of its own (the coordinator adds the noise after seeing the update or the exact sum); it takes part with --noise distributed and secure aggregation');
    }
    if (!secure) return refuse('declines a distributed-noise round without secure aggregation: its update would reach the coordinator with only its own share of the noise');
    try {
      return ownNoise(privacy, secure).sigma;
    } catch (err) {
      return refuse(`declines the round: ${(err as Error).message}`);
    }
  }

  /**
   * Charge `task` before contributing to it, at the noise this node adds itself. Returns the
   * node's ε after it. Throws `permission_denied` for a round without its own noise and
   * `budget_exhausted` when it would pass the budget.
   */
  charge(task: ChargeableTask): number {
    const sigma = NodeBudget.ownSigma(task);
    return this.ledger.record({ round: task.round, noiseMultiplier: sigma, delta: this.delta, budget: this.epsilon }).total;
  }
}
