import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CohortError } from '../../../shared/errors.js';
import { SeededRandom } from '../../../shared/random.js';
import { binomialUpperTail, buildNeighbourGraph, chooseParameters, inducedConnected, validateParameters } from '../../../shared/secagg/graph.js';
import { nodeIds } from './fixtures.js';

function seed(byte: number): Uint8Array {
  return new Uint8Array(32).fill(byte);
}

/** P[Bin(k, p) ≤ j] by direct summation (independent of the library's log-space code). */
function lowerTail(k: number, p: number, j: number): number {
  let sum = 0;
  let c = 1; // C(k, i)
  for (let i = 0; i <= j; i++) {
    sum += c * p ** i * (1 - p) ** (k - i);
    c = (c * (k - i)) / (i + 1);
  }
  return sum;
}

function refused(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof CohortError && e.code === 'invalid_argument' && re.test(e.message));
}

describe('secagg neighbour graph', () => {
  it('is k-regular, symmetric, loop-free, and the same for the same seed whatever the id order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 3, max: 60 }), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 0, max: 255 }), (n, halfK, s) => {
        const ids = nodeIds(n);
        const k = Math.min(2 * halfK, n - 1);
        const g = buildNeighbourGraph(ids, k, seed(s));
        const again = buildNeighbourGraph([...ids].reverse(), k, seed(s));
        assert.equal(g.degree, k);
        for (const id of ids) {
          const nb = g.neighbours(id);
          assert.equal(nb.length, k, `${id} has ${nb.length} neighbours`);
          assert.ok(!nb.includes(id));
          for (const v of nb) assert.ok(g.isNeighbour(v, id));
          assert.deepEqual(again.neighbours(id), nb);
        }
        assert.deepEqual(ids.map((id) => g.xOf(id)), ids.map((_, i) => i + 1));
      }),
      { seed: 42, numRuns: 100 },
    );
  });

  it('different seeds give different graphs; k ≥ n − 1 gives the complete graph', () => {
    const ids = nodeIds(40);
    const a = buildNeighbourGraph(ids, 6, seed(1));
    const b = buildNeighbourGraph(ids, 6, seed(2));
    assert.ok(ids.some((id) => a.neighbours(id).join() !== b.neighbours(id).join()));
    const full = buildNeighbourGraph(nodeIds(7), 6, seed(1));
    assert.ok(full.complete);
    const wider = buildNeighbourGraph(nodeIds(5), 9, seed(1));
    assert.equal(wider.degree, 4);
  });

  it('refuses odd k below n − 1, duplicate ids and bad seeds', () => {
    refused(() => buildNeighbourGraph(nodeIds(10), 3, seed(1)), /even/);
    refused(() => buildNeighbourGraph(['a', 'a', 'b'], 2, seed(1)), /duplicate/);
    refused(() => buildNeighbourGraph(nodeIds(5), 2, new Uint8Array(8)), /seed/);
  });

  it('inducedConnected detects a split survivor set', () => {
    const ids = nodeIds(12);
    const g = buildNeighbourGraph(ids, 11, seed(1));
    assert.ok(inducedConnected(g, ids.slice(0, 3)));
    const ring = buildNeighbourGraph(ids, 2, seed(1));
    // Removing two non-adjacent nodes of a ring splits it.
    const order = [ring.ids[0] as string];
    while (order.length < ids.length) {
      const last = order[order.length - 1] as string;
      order.push(ring.neighbours(last).find((v) => !order.includes(v)) as string);
    }
    const removed = new Set([order[0], order[5]]);
    assert.ok(!inducedConnected(ring, ids.filter((id) => !removed.has(id))));
    assert.ok(inducedConnected(ring, ids.filter((id) => id !== order[0])));
  });
});

describe('secagg parameter choice', () => {
  it('picks the smallest qualifying k: n = 100, δ = 0.1 gives k = 34, t = 18', () => {
    const p = chooseParameters(100, 0.1);
    assert.deepEqual([p.k, p.t, p.completeGraph, p.meetsTargets], [34, 18, false, true]);
    // Independent check of rule (1): 34 meets 2^-20, 32 (with its t = 17) does not.
    assert.ok(100 * lowerTail(34, 0.9, 17) <= 2 ** -20);
    assert.ok(100 * lowerTail(32, 0.9, 16) > 2 ** -20);
  });

  it('outputs always satisfy the enforced rule and the reported bounds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 2000 }), fc.double({ min: 0, max: 0.4, noNaN: true }), fc.double({ min: 0, max: 0.1, noNaN: true }), (n, delta, gamma) => {
        const p = chooseParameters(n, delta, { corruptFraction: gamma });
        validateParameters(n, p.k, p.t);
        assert.ok(2 * p.t > p.k && p.t <= p.k);
        assert.equal(p.completeGraph, p.k === n - 1);
        if (p.meetsTargets) {
          assert.ok(p.failureBound <= 2 ** -20 && p.securityBound <= 2 ** -40);
        } else {
          assert.ok(p.completeGraph, 'only the complete-graph fallback may miss the targets');
        }
      }),
      { seed: 42, numRuns: 150 },
    );
  });

  it('the bound holds in simulation, and an undersized graph visibly fails', () => {
    const rng = new SeededRandom(17);
    const trial = (n: number, k: number, t: number, delta: number, runs: number): number => {
      const ids = nodeIds(n);
      const g = buildNeighbourGraph(ids, k, seed(9));
      let failures = 0;
      for (let r = 0; r < runs; r++) {
        const alive = new Set(ids.filter(() => rng.nextFloat() >= delta));
        if (ids.some((id) => g.neighbours(id).filter((v) => alive.has(v)).length < t)) failures++;
      }
      return failures;
    };
    const p = chooseParameters(60, 0.1);
    assert.equal(trial(60, p.k, p.t, 0.1, 300), 0);
    assert.ok(trial(60, 8, 5, 0.3, 300) > 100);
  });

  it('validates operator overrides and says why', () => {
    refused(() => chooseParameters(50, 0.1, { k: 20, t: 10 }), /exceed k\/2/);
    refused(() => chooseParameters(50, 0.1, { k: 20, t: 21 }), /≤ k/);
    refused(() => chooseParameters(50, 0.1, { k: 21 }), /even/);
    refused(() => chooseParameters(50, 0.1, { k: 50 }), /\[1, 49\]/);
    refused(() => chooseParameters(1, 0.1), /at least 2/);
    refused(() => chooseParameters(10, 1), /dropout rate/);
    const p = chooseParameters(50, 0.1, { k: 20, t: 14 });
    assert.deepEqual([p.k, p.t], [20, 14]);
    assert.equal(chooseParameters(50, 0.1, { k: 49 }).completeGraph, true);
    assert.equal(chooseParameters(50, 0.1, { k: 20 }).t, 11);
  });

  it('binomial tails match direct summation', () => {
    for (const [k, p, j] of [[20, 0.9, 11], [34, 0.1, 5], [10, 0.5, 5], [50, 0.02, 3]] as const) {
      const direct = 1 - lowerTail(k, p, j - 1);
      assert.ok(Math.abs(binomialUpperTail(k, p, j) - direct) < 1e-12, `k=${k} p=${p} j=${j}`);
    }
  });
});
