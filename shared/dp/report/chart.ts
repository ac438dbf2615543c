/**
 * The chart of ε spent over rounds against the budget, as a self-contained inline SVG string
 * (presentation attributes only, so it draws the same without the page's CSS and in print).
 * When everything spent is far below the budget a linear axis would flatten the curve onto
 * zero, so the y axis switches to a log scale and says so.
 */
import { escapeHtml, formatEpsilon, formatScientific, prettyScientific } from './format.js';
import type { LedgerRow } from './input.js';

/** Below this share of the budget the y axis is logarithmic. */
export const LOG_SCALE_BELOW = 0.05;

/** Decades a log axis spans at most. */
const MAX_LOG_DECADES = 12;

const WIDTH = 760;
const HEIGHT = 340;
const MARGIN = { left: 72, right: 24, top: 16, bottom: 52 } as const;
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;
/** The x axis spans at least 0..5, so a single round is not pinned to the right edge. */
const MIN_X_SPAN = 5;

/** A y scale: value → pixel, its ticks, and whether it is logarithmic. */
interface YScale {
  readonly log: boolean;
  readonly y: (v: number) => number;
  readonly ticks: readonly { value: number; label: string }[];
}

/** Round a coordinate to 0.01 px: short output, and rounding keeps order (monotone in, monotone out). */
function px(v: number): number {
  return Math.round(v * 100) / 100;
}

/** The smallest of 1, 2, 5 × 10^k that is ≥ raw. */
function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw * (1 - 1e-12)) return m * p;
  return 10 * p;
}

function linearLabel(v: number, step: number): string {
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  if (v === 0) return '0';
  return decimals > 4 ? prettyScientific(formatScientific(v, 3)) : v.toFixed(decimals);
}

function logLabel(exp: number): string {
  return exp >= -3 && exp <= 4 ? String(Number(`1e${exp}`)) : prettyScientific(`1e${exp}`);
}

function yScale(epsilons: readonly number[], budget: number): YScale {
  const maxEps = epsilons.reduce((a, b) => Math.max(a, b), 0);
  const minPos = epsilons.reduce((a, b) => (b > 0 ? Math.min(a, b) : a), Infinity);
  const bottom = MARGIN.top + PLOT_H;
  if (maxEps > 0 && maxEps < LOG_SCALE_BELOW * budget) {
    // A factor 2 of headroom above the budget line leaves room for its label.
    const hi = Math.max(budget, maxEps) * 2;
    // At least a factor 2 below the smallest point, so the curve never lies on the x axis; at
    // most MAX_LOG_DECADES in all (a denormal ε is drawn on the axis rather than at 10⁻³²⁴).
    const loExp = Math.max(Math.floor(Math.log10(minPos / 2)), Math.floor(Math.log10(hi)) - MAX_LOG_DECADES);
    const lo = Number(`1e${loExp}`);
    const span = Math.log10(hi) - loExp;
    const y = (v: number): number => px(bottom - (PLOT_H * (Math.log10(Math.max(v, lo)) - loExp)) / span);
    const decades = Math.floor(Math.log10(hi)) - loExp;
    const every = Math.max(1, Math.ceil(decades / 7));
    const ticks: { value: number; label: string }[] = [];
    for (let e = loExp; e <= Math.floor(Math.log10(hi)); e += every) ticks.push({ value: Number(`1e${e}`), label: logLabel(e) });
    return { log: true, y, ticks };
  }
  const step = niceStep((Math.max(budget, maxEps) * 1.1) / 6);
  const count = Math.ceil((Math.max(budget, maxEps) * 1.1) / step - 1e-9);
  const yMax = count * step;
  const y = (v: number): number => px(bottom - (PLOT_H * v) / yMax);
  // toPrecision drops float noise (3 × 0.2 = 0.6000000000000001) from the tick values.
  const ticks = Array.from({ length: count + 1 }, (_, i) => {
    const value = Number((i * step).toPrecision(12));
    return { value, label: linearLabel(value, step) };
  });
  return { log: false, y, ticks };
}

function xScale(rounds: readonly number[]): { x: (r: number) => number; ticks: readonly number[] } {
  const maxRound = Math.max(MIN_X_SPAN, rounds[rounds.length - 1] ?? 0);
  const step = Math.max(1, niceStep(maxRound / 8));
  const xMax = Math.ceil(maxRound / step) * step;
  const x = (r: number): number => px(MARGIN.left + (PLOT_W * r) / xMax);
  return { x, ticks: Array.from({ length: Math.round(xMax / step) + 1 }, (_, i) => i * step) };
}

function pointRadius(n: number): number {
  if (n <= 60) return 3.5;
  return n <= 250 ? 2.2 : 1.3;
}

/** Whether the chart for these ε values uses a log y axis. */
export function usesLogScale(epsilons: readonly number[], budget: number | null): boolean {
  return yScale(epsilons, budget ?? Math.max(...epsilons, 1)).log;
}

/** The SVG chart of ε after each round (one circle per row) with the budget as a dashed line (none without a budget). */
export function epsilonChartSvg(rows: readonly LedgerRow[], budgetOrNull: number | null): string {
  const eps = rows.map((r) => r.epsilonAfter);
  // Without a budget the axis is scaled to what was spent, and no budget line is drawn.
  const budget = budgetOrNull ?? Math.max(...eps, 1);
  const ys = yScale(eps, budget);
  const xs = xScale(rows.map((r) => r.round));
  const left = MARGIN.left;
  const right = MARGIN.left + PLOT_W;
  const top = MARGIN.top;
  const bottom = MARGIN.top + PLOT_H;
  const yBudget = ys.y(budget);
  const budgetText = formatEpsilon(budget);
  const last = rows[rows.length - 1];
  const against = budgetOrNull === null ? 'without a budget' : `against a budget of ε = ${budgetText}`;
  const summary = last
    ? `ε spent after each of ${rows.length} private round${rows.length === 1 ? '' : 's'}, reaching ${formatEpsilon(last.epsilonAfter)} after round ${last.round}, ${against}${ys.log ? ' (log scale)' : ''}.`
    : `No private rounds released yet; nothing spent ${budgetOrNull === null ? '(no budget)' : `of the budget of ε = ${budgetText}`}.`;
  const out: string[] = [];
  out.push(
    `<svg class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="chart-title chart-desc" aria-label="${escapeHtml(summary)}" font-family="inherit" font-size="12">`,
    `<title id="chart-title">Privacy budget spent (ε) over rounds</title>`,
    `<desc id="chart-desc">${escapeHtml(summary)}</desc>`,
  );
  // Above the budget is where a round would be refused: a light tint, visible in greyscale too.
  if (budgetOrNull !== null) out.push(`<rect class="over-budget" x="${left}" y="${top}" width="${PLOT_W}" height="${px(Math.max(0, yBudget - top))}" fill="#f1e4e4"/>`);
  for (const t of ys.ticks) {
    const y = ys.y(t.value);
    out.push(
      `<line class="grid y" data-value="${t.value}" x1="${left}" x2="${right}" y1="${y}" y2="${y}" stroke="#d9d9d9" stroke-width="1"/>`,
      `<text class="tick y" x="${left - 8}" y="${y}" text-anchor="end" dominant-baseline="middle" fill="#333">${escapeHtml(t.label)}</text>`,
    );
  }
  for (const r of xs.ticks) {
    const x = xs.x(r);
    out.push(
      `<line class="tick x" x1="${x}" x2="${x}" y1="${bottom}" y2="${bottom + 5}" stroke="#333" stroke-width="1"/>`,
      `<text class="tick x" x="${x}" y="${bottom + 18}" text-anchor="middle" fill="#333">${r}</text>`,
    );
  }
  out.push(
    `<line class="axis x" x1="${left}" x2="${right}" y1="${bottom}" y2="${bottom}" stroke="#333" stroke-width="1.2"/>`,
    `<line class="axis y" x1="${left}" x2="${left}" y1="${top}" y2="${bottom}" stroke="#333" stroke-width="1.2"/>`,
    `<text class="axis-label x" x="${px(left + PLOT_W / 2)}" y="${HEIGHT - 10}" text-anchor="middle" fill="#111" font-weight="600">Round</text>`,
    `<text class="axis-label y" transform="translate(16 ${px(top + PLOT_H / 2)}) rotate(-90)" text-anchor="middle" fill="#111" font-weight="600">ε spent, total${ys.log ? ' (log scale)' : ''}</text>`,
  );
  if (budgetOrNull !== null) {
    out.push(
      `<line class="budget-line" x1="${left}" x2="${right}" y1="${yBudget}" y2="${yBudget}" stroke="#8b1a1a" stroke-width="2" stroke-dasharray="8 5"/>`,
      `<text class="budget-label" x="${left + 8}" y="${px(yBudget - 7)}" fill="#8b1a1a" font-weight="700" stroke="#fff" stroke-width="4" paint-order="stroke">budget ε = ${escapeHtml(budgetText)}</text>`,
    );
  }
  if (rows.length === 0) {
    out.push(`<text class="empty" x="${px(left + PLOT_W / 2)}" y="${px(top + PLOT_H * 0.6)}" text-anchor="middle" fill="#555" font-size="15">No private rounds released yet — nothing spent</text>`);
  } else {
    const pts = rows.map((r) => `${xs.x(r.round)},${ys.y(r.epsilonAfter)}`).join(' ');
    out.push(`<polyline class="eps-line" points="${pts}" fill="none" stroke="#1f4e8c" stroke-width="2" stroke-linejoin="round"/>`);
    const radius = pointRadius(rows.length);
    for (const r of rows) {
      out.push(
        `<circle class="point" cx="${xs.x(r.round)}" cy="${ys.y(r.epsilonAfter)}" r="${radius}" fill="#1f4e8c"><title>Round ${r.round}: ε = ${escapeHtml(formatEpsilon(r.epsilonAfter))}</title></circle>`,
      );
    }
    if (last) {
      const lx = xs.x(last.round);
      const ly = ys.y(last.epsilonAfter);
      // Below the point when it is near the top, so the label never sits on the budget line.
      const labelY = ly < top + PLOT_H * 0.3 ? ly + 24 : ly - 10;
      out.push(
        `<text class="last-label" x="${lx - 6}" y="${px(labelY)}" text-anchor="end" fill="#1f4e8c" font-weight="700" stroke="#fff" stroke-width="4" paint-order="stroke">ε = ${escapeHtml(formatEpsilon(last.epsilonAfter))}</text>`,
      );
    }
  }
  out.push('</svg>');
  return out.join('\n');
}
