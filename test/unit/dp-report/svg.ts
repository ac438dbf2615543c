/** Read back what the chart drew: points, polyline, gridlines and the budget line. */

/** Numeric attribute `name` of the first element matching `tag` with class `cls`. */
function attrs(svg: string, tag: string, cls: string): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  const re = new RegExp(`<${tag} class="${cls}"([^>]*)>`, 'g');
  for (const m of svg.matchAll(re)) {
    const a: Record<string, string> = {};
    for (const kv of (m[1] as string).matchAll(/([\w-]+)="([^"]*)"/g)) a[kv[1] as string] = kv[2] as string;
    out.push(a);
  }
  return out;
}

/** The chart's pieces in screen coordinates. */
export interface ChartRead {
  points: { x: number; y: number }[];
  polyline: { x: number; y: number }[];
  budgetY: number;
  gridY: Map<number, number>;
}

/** Parse an SVG made by epsilonChartSvg. */
export function readChart(svg: string): ChartRead {
  const points = attrs(svg, 'circle', 'point').map((a) => ({ x: Number(a.cx), y: Number(a.cy) }));
  const poly = attrs(svg, 'polyline', 'eps-line')[0];
  const polyline = poly
    ? (poly.points as string).split(' ').map((p) => {
        const [x, y] = p.split(',').map(Number);
        return { x: x as number, y: y as number };
      })
    : [];
  const budget = attrs(svg, 'line', 'budget-line')[0];
  if (!budget || budget.y1 !== budget.y2) throw new Error('no horizontal budget line');
  const gridY = new Map(attrs(svg, 'line', 'grid y').map((a) => [Number(a['data-value']), Number(a.y1)] as const));
  return { points, polyline, budgetY: Number(budget.y1), gridY };
}
