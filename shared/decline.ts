/** Why a node declines a task: a closed set both sides share (wire enum DeclineCategory). */

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
