/** Why a node declines a task: a closed set both sides share (wire enum DeclineCategory). */
import { CohortError } from './errors.js';

/** Every decline category; `unspecified` is what a node too old to say gives. */
export const DECLINE_CATEGORIES = ['data', 'no_data', 'privacy_budget', 'bad_task', 'secure_aggregation', 'local_failure', 'unspecified'] as const;

/** One decline category. */
export type DeclineCategory = (typeof DECLINE_CATEGORIES)[number];

/** A node's decline of one task, as operators see it. */
export interface NodeDecline {
  readonly node: string;
  readonly kind: 'train' | 'evaluate';
  readonly category: DeclineCategory;
  /** The node's short reason (nothing about its data beyond what the category needs). */
  readonly reason: string;
}

/**
 * A local failure described in the daemon's own words, from the model's terms (tensor
 * names and shapes, counts, deadlines), never from a trainer's output or the data's
 * values: its message may go to the coordinator with the decline. Any other error stays
 * in the node's log, since its message may quote the data.
 */
export class LocalRefusal extends CohortError {}
