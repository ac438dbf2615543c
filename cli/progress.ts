/** Terminal presentation of round progress and budgets, shared by `status --watch` and `round launch`. */
import type { RoundEvent } from '../shared/wire/generated/cohort/v1/RoundEvent.js';

/** ANSI control sequences used on a TTY only. */
export const ANSI = {
  hideCursor: '\x1b[?25l',
  showCursor: '\x1b[?25h',
  /** Move to the start of the line `n` lines up, then clear to the end of the screen. */
  rewind: (n: number): string => `\x1b[${n}F\x1b[J`,
  /** Back to column 0 and clear the line. */
  clearLine: '\r\x1b[K',
} as const;

/** A bar of `width` cells filled to `fraction` (clamped to [0, 1]). */
export function bar(fraction: number, width = 24): string {
  const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  const filled = Math.round(f * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

/** The stages of a round in order; secure rounds run secure-aggregation where plain rounds train. */
function stagesOf(current: string): string[] {
  return ['wait', 'select', current === 'secure-aggregation' ? 'secure-aggregation' : 'train', 'commit', 'evaluate'];
}

/** How far a round is through its stages, in [0, 1): the current stage counts as half done. */
export function stageFraction(stage: string): number {
  const stages = stagesOf(stage);
  const i = stages.indexOf(stage);
  return i < 0 ? 0 : (i + 0.5) / stages.length;
}

/** `wait > select > [train] > commit > evaluate` with the current stage in brackets. */
export function stageChain(stage: string): string {
  return stagesOf(stage)
    .map((s) => (s === stage ? `[${s}]` : s))
    .join(' > ');
}

/** One line for a running round: where it is in its launch and in its stages. */
export function runningLine(e: Pick<RoundEvent, 'round' | 'index' | 'of' | 'stage' | 'selected' | 'seconds'>): string {
  const selected = e.selected ? `, ${e.selected} selected` : '';
  return `round ${e.round} (${e.index}/${e.of})  ${stageChain(String(e.stage ?? ''))}  ${Number(e.seconds ?? 0).toFixed(1)} s${selected}`;
}

/**
 * The progress bar line of `round launch`: rounds finished of the launch, plus the running
 * round's stage. Kept short (under 80 columns) so it never wraps, which would break `\r` redraws.
 */
export function launchBar(e: Pick<RoundEvent, 'round' | 'index' | 'of' | 'stage' | 'selected' | 'seconds'>, finished: number): string {
  const of = Math.max(1, Number(e.of));
  const fraction = (finished + (e.stage ? stageFraction(String(e.stage)) : 0)) / of;
  const selected = e.selected ? ` · ${e.selected} selected` : '';
  const line = `${bar(fraction, 20)} ${finished}/${of} · round ${e.round}: ${String(e.stage ?? '')}${selected} · ${Number(e.seconds ?? 0).toFixed(1)} s`;
  return line.length < 80 ? line : `${line.slice(0, 78)}…`;
}

/** `[####----] 1.23 / 4 (31%)` for ε spent against a budget, or the spent ε alone without one. */
export function epsilonLine(spent: number, budget: number | undefined, delta: number): string {
  const s = spent.toPrecision(4);
  if (budget === undefined) return `${s} spent (no budget), δ = ${delta}`;
  return `${bar(spent / budget)} ${s} / ${budget} (${Math.round((100 * spent) / budget)}%), δ = ${delta}`;
}
