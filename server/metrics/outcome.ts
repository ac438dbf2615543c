/**
 * Why a round did not complete, as a label value from a closed set: metric labels must
 * never carry free text (cardinality, and a reason string could name a node).
 */
import type { RoundStage, RoundState } from '../core/types.js';

/** Reason classes of rounds that did not complete. */
export const ABORT_REASONS = ['too_few_nodes', 'too_few_selected', 'dropouts', 'budget', 'shutdown', 'storage', 'other'] as const;

/** One reason class. */
export type AbortReason = (typeof ABORT_REASONS)[number];

/** Final states other than completed. */
export type AbortState = Exclude<RoundState, 'queued' | 'running' | 'completed'>;

/** The (state, reason) pairs the coordinator can produce, so counters start at zero for dashboards. */
export const ABORT_OUTCOMES: readonly (readonly [AbortState, AbortReason])[] = [
  ['skipped', 'too_few_nodes'],
  ['skipped', 'too_few_selected'],
  ['failed', 'dropouts'],
  ['failed', 'shutdown'],
  ['failed', 'storage'],
  ['failed', 'other'],
  ['refused', 'budget'],
];

/**
 * Classify a round that did not complete from its final state, the last stage it reached
 * and the core's reason text. The patterns follow the messages of server/core/coordinator.ts;
 * an unknown message falls back to `other` rather than inventing a class.
 */
export function abortReason(state: AbortState, reason: string | undefined, lastStage: RoundStage | undefined): AbortReason {
  if (state === 'refused') return 'budget';
  if (state === 'skipped') return lastStage === 'select' ? 'too_few_selected' : 'too_few_nodes';
  const text = reason ?? '';
  if (/coordinator shut down/.test(text)) return 'shutdown';
  if (/could not record the round durably/.test(text)) return 'storage';
  if (/^only \d+ of \d+ selected nodes returned a valid update/.test(text) || /^secure aggregation aborted/.test(text)) return 'dropouts';
  return 'other';
}
