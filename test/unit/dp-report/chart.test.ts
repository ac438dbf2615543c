import assert from 'node:assert/strict';
import fc from 'fast-check';
import { epsilonChartSvg, usesLogScale } from '../../../shared/dp/report/chart.js';
import type { LedgerRow } from '../../../shared/dp/report/index.js';
import { rowsWithEpsilons } from './fixtures.js';
import { readChart } from './svg.js';

describe('dp-report/chart', function () {
  it('puts the budget line at the right height on a known linear scale', function () {
    // max(budget, ε)·1.1 = 11 → step 2 → axis 0..12, so ε = 10 sits 10/12 of the way up.
    const svg = epsilonChartSvg(rowsWithEpsilons([1, 2, 3.5, 5]), 10);
    const c = readChart(svg);
    assert.deepEqual([...c.gridY.keys()], [0, 2, 4, 6, 8, 10, 12]);
    const y0 = c.gridY.get(0) as number;
    const y12 = c.gridY.get(12) as number;
    assert.equal(y0, 288);
    assert.equal(y12, 16);
    assert.ok(Math.abs(c.budgetY - (y0 + ((y12 - y0) * 10) / 12)) < 0.01, `budget at ${c.budgetY}`);
    assert.equal(c.budgetY, c.gridY.get(10));
    assert.match(svg, /budget ε = 10</);
    // Each point's height is its ε on the same scale.
    for (const [i, e] of [1, 2, 3.5, 5].entries()) assert.ok(Math.abs((c.points[i]?.y as number) - (y0 + ((y12 - y0) * e) / 12)) < 0.01);
  });

  it('draws one point per round, in round order, and labels the axes', function () {
    for (const n of [1, 2, 30, 1000]) {
      const eps = Array.from({ length: n }, (_, i) => 0.5 + Math.sqrt(i + 1) * 0.1);
      const svg = epsilonChartSvg(rowsWithEpsilons(eps), 8);
      const c = readChart(svg);
      assert.equal(c.points.length, n);
      assert.equal(c.polyline.length, n);
      assert.equal(svg.match(/<title>Round \d+: ε = /g)?.length, n);
      for (let i = 1; i < n; i++) assert.ok((c.points[i]?.x as number) > (c.points[i - 1]?.x as number));
      const maxX = Math.max(...c.points.map((p) => p.x));
      assert.ok(maxX <= 736 && (c.points[0]?.x as number) >= 72, 'points stay inside the plot');
      assert.match(svg, />Round</);
      assert.match(svg, />ε spent, total</);
    }
  });

  it('has a title and an aria-label for screen readers', function () {
    const svg = epsilonChartSvg(rowsWithEpsilons([1, 2]), 8);
    assert.match(svg, /^<svg [^>]*role="img"[^>]*aria-label="ε spent after each of 2 private rounds, reaching 2 after round 2, against a budget of ε = 8\."/);
    assert.match(svg, /<title id="chart-title">Privacy budget spent \(ε\) over rounds<\/title>/);
  });

  it('draws an empty ledger as axes, budget line and a note', function () {
    const svg = epsilonChartSvg([], 3);
    const c = readChart(svg);
    assert.equal(c.points.length, 0);
    assert.equal(c.polyline.length, 0);
    assert.ok(c.budgetY > 16 && c.budgetY < 288);
    assert.match(svg, /No private rounds released yet — nothing spent/);
  });

  it('switches to a log scale when ε is far below the budget, keeping points off the axis', function () {
    const eps = [1.2e-4, 2e-4, 3e-4, 5e-4];
    assert.equal(usesLogScale(eps, 10), true);
    assert.equal(usesLogScale([0.6], 10), false);
    const svg = epsilonChartSvg(rowsWithEpsilons(eps), 10);
    const c = readChart(svg);
    assert.match(svg, /log scale/);
    // Decades 1e-5..10, every other one labelled (7 decades max).
    const ticks = [...c.gridY.keys()];
    assert.ok(ticks.length >= 4 && ticks.length <= 8, `${ticks.length} ticks`);
    for (const t of ticks) assert.ok(Math.abs(Math.log10(t) - Math.round(Math.log10(t))) < 1e-9, `${t} is a power of 10`);
    const y0 = c.points[0]?.y as number;
    const y3 = c.points[3]?.y as number;
    assert.ok(y0 < 288 - 10, 'the smallest point is above the x axis');
    // Points sit at log-interpolated heights between the 1e-4 and 1e-3 gridlines.
    const g4 = c.gridY.get(1e-4) as number;
    const g3 = c.gridY.get(1e-3) as number;
    assert.ok(g4 > g3);
    for (const [i, e] of eps.entries()) assert.ok(Math.abs((c.points[i]?.y as number) - (g4 + (g3 - g4) * Math.log10(e / 1e-4))) < 0.02, `point ${i}`);
    assert.ok(c.budgetY > 16 && c.budgetY < y3);
  });

  it('labels ticks without float noise', function () {
    const c = readChart(epsilonChartSvg(rowsWithEpsilons([0.3, 0.6]), 1));
    assert.deepEqual([...c.gridY.keys()], [0, 0.2, 0.4, 0.6, 0.8, 1, 1.2]);
  });

  it('shows a total above the budget inside the chart', function () {
    const c = readChart(epsilonChartSvg(rowsWithEpsilons([1, 3]), 2));
    assert.ok((c.points[1]?.y as number) >= 16 && (c.points[1]?.y as number) < c.budgetY);
  });

  it('draws a denormal ε on the axis of a bounded log scale', function () {
    const c = readChart(epsilonChartSvg(rowsWithEpsilons([5e-324, 1e-3]), 10));
    assert.equal(c.points[0]?.y, 288);
    assert.ok(c.gridY.size > 0 && c.gridY.size <= 8);
    assert.ok([...c.gridY.keys()].every((v) => v >= 1e-12));
  });

  it('keeps the line monotone in screen space when ε does not decrease', function () {
    const rowsArb = fc
      .record({
        eps: fc.array(fc.double({ min: 0, max: 50, noNaN: true }), { minLength: 1, maxLength: 120 }),
        gaps: fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 120, maxLength: 120 }),
        budget: fc.double({ min: 1e-6, max: 100, noNaN: true }),
        tiny: fc.boolean(),
      })
      .map(({ eps, gaps, budget, tiny }) => {
        const sorted = eps.map((e) => (tiny ? e * 1e-6 : e)).sort((a, b) => a - b);
        let round = 0;
        const rows: LedgerRow[] = rowsWithEpsilons(sorted).map((r, i) => ({ ...r, round: (round += gaps[i] as number) }));
        return { rows, budget };
      });
    fc.assert(
      fc.property(rowsArb, ({ rows, budget }) => {
        const c = readChart(epsilonChartSvg(rows, budget));
        assert.equal(c.points.length, rows.length);
        for (let i = 1; i < c.polyline.length; i++) {
          const a = c.polyline[i - 1] as { x: number; y: number };
          const b = c.polyline[i] as { x: number; y: number };
          assert.ok(b.y <= a.y, `y rose from ${a.y} to ${b.y} at point ${i}`);
          assert.ok(b.x > a.x);
        }
        for (const p of c.polyline) assert.ok(Number.isFinite(p.y) && p.y >= 16 - 1e-9 && p.y <= 288 + 1e-9, `y ${p.y} outside the plot`);
        assert.ok(c.budgetY >= 16 && c.budgetY <= 288);
      }),
      { seed: 42, numRuns: 300 },
    );
  });
});
