/** Shared presentation of rounds for `round launch`, `status` and `demo`. */
import { declineCategoryFromWire, taskKindFromWire } from '../shared/wire/mapping.js';
import type { NodeDecline as WireNodeDecline } from '../shared/wire/generated/cohort/v1/NodeDecline.js';
import type { RoundEvent } from '../shared/wire/generated/cohort/v1/RoundEvent.js';
import type { DeclineCategory } from '../shared/decline.js';

/** A node's decline of one of the round's tasks. */
export interface DeclineJson {
  node: string;
  /** The task declined: "train" or "evaluate". */
  stage: 'train' | 'evaluate';
  category: DeclineCategory;
  reason: string;
}

/** One round in the `--json` contract of `round launch` and `demo`. */
export interface RoundJson {
  round: number;
  status: 'completed' | 'skipped' | 'failed' | 'refused';
  accuracy: number | null;
  loss: number | null;
  participants: number;
  selected: number;
  seconds: number;
  /** Total ε spent after the round (private rounds only). */
  epsilon?: number;
  /** Clip norm used (secure or private rounds). */
  clipNorm?: number;
  reason?: string;
  /** Nodes that declined a task of this round (omitted when none did). */
  declines?: DeclineJson[];
}

/** The `--json` document of `round launch` and `demo`. */
export interface RoundsJson {
  rounds: RoundJson[];
  final: { accuracy: number | null; loss: number | null; epsilon?: number };
}

const STATUS: Record<string, RoundJson['status'] | undefined> = {
  ROUND_STATUS_COMPLETED: 'completed',
  ROUND_STATUS_SKIPPED: 'skipped',
  ROUND_STATUS_FAILED: 'failed',
  ROUND_STATUS_REFUSED: 'refused',
};

/** The final status of a finished round event, or undefined for queued/running ones. */
export function finalStatus(e: RoundEvent | { status?: string | null }): RoundJson['status'] | undefined {
  return STATUS[String(e.status)];
}

/** A finished round event as JSON. */
export function roundJson(
  e: Required<Pick<RoundEvent, 'round' | 'status' | 'hasMetrics' | 'accuracy' | 'loss' | 'participants' | 'selected' | 'seconds' | 'reason'>> &
    Pick<RoundEvent, 'hasEpsilon' | 'epsilon' | 'clipNorm'> & { declines?: WireNodeDecline[] },
): RoundJson {
  const status = finalStatus(e) ?? 'failed';
  const declines = (e.declines ?? []).map(
    (d): DeclineJson => ({ node: String(d.node ?? ''), stage: taskKindFromWire(String(d.kind)) ?? 'train', category: declineCategoryFromWire(d.category ?? 0), reason: String(d.reason ?? '') }),
  );
  return {
    round: Number(e.round),
    status,
    accuracy: e.hasMetrics ? Number(e.accuracy) : null,
    loss: e.hasMetrics ? Number(e.loss) : null,
    participants: Number(e.participants),
    selected: Number(e.selected),
    seconds: Math.round(Number(e.seconds) * 1000) / 1000,
    ...(e.hasEpsilon ? { epsilon: Number(e.epsilon) } : {}),
    ...(e.clipNorm ? { clipNorm: Number(e.clipNorm) } : {}),
    ...(e.reason ? { reason: String(e.reason) } : {}),
    ...(declines.length > 0 ? { declines } : {}),
  };
}

/**
 * One line per node that declined, e.g. "hospital-b declined (data): data has 8
 * features, the model expects 784"; a node that declined training and evaluation for
 * the same reason is one line.
 */
export function declineLines(r: RoundJson): string[] {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const d of r.declines ?? []) {
    const category = d.category === 'unspecified' ? '' : ` (${d.category.replace(/_/g, ' ')})`;
    const line = `${d.node} declined${category}: ${d.reason || 'no reason given'}`;
    if (seen.has(line)) continue;
    seen.add(line);
    lines.push(line);
  }
  return lines;
}

/** Summary document from finished rounds: `final` is the last completed round's metrics. */
export function roundsJson(rounds: RoundJson[]): RoundsJson {
  const last = [...rounds].reverse().find((r) => r.status === 'completed' && r.accuracy !== null);
  const spent = [...rounds].reverse().find((r) => r.epsilon !== undefined)?.epsilon;
  return { rounds, final: { accuracy: last?.accuracy ?? null, loss: last?.loss ?? null, ...(spent !== undefined ? { epsilon: spent } : {}) } };
}

/** One human line per finished round. */
export function roundLine(r: RoundJson, index: number, of: number): string {
  const head = `round ${r.round} (${index}/${of})`;
  if (r.status !== 'completed') return `${head}  ${r.status.toUpperCase()}: ${r.reason ?? 'no reason given'}`;
  const metrics = r.accuracy !== null ? `accuracy ${r.accuracy.toFixed(4)}  loss ${(r.loss ?? 0).toFixed(4)}` : 'no evaluation';
  const epsilon = `${r.clipNorm !== undefined ? `  C ${r.clipNorm.toPrecision(3)}` : ''}${r.epsilon !== undefined ? `  ε ${r.epsilon.toPrecision(4)}` : ''}`;
  return `${head}  ${metrics}  participants ${r.participants}/${r.selected}${epsilon}  ${r.seconds.toFixed(2)} s`;
}
