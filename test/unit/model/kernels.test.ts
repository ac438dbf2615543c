import assert from 'node:assert/strict';
import fc from 'fast-check';
import { addColumnSums, addRowVector, matMul, matMulTransAAdd, matMulTransB } from '../../../shared/model/kernels.js';

/** Textbook triple loop, the reference the kernels must match. */
function naive(a: (r: number, c: number) => number, b: (r: number, c: number) => number, m: number, k: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a(i, p) * b(p, j);
      out[i * n + j] = s;
    }
  }
  return out;
}

function close(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Math.abs((actual[i] as number) - (expected[i] as number)) <= 1e-12, `index ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

// Small integers (with many zeros, which the kernels skip) make every product exact.
const shape = fc.record({ m: fc.integer({ min: 1, max: 11 }), k: fc.integer({ min: 1, max: 7 }), n: fc.integer({ min: 1, max: 6 }), off: fc.integer({ min: 0, max: 3 }) });
const values = (len: number): fc.Arbitrary<number[]> => fc.array(fc.integer({ min: -3, max: 3 }), { minLength: len, maxLength: len });
const withData = shape.chain((s) => fc.record({ s: fc.constant(s), a: values(s.m * s.k), b: values(s.off + s.k * s.n), c: values(s.m * s.n) }));

describe('matrix kernels', () => {
  it('matMul equals the naive product, B at an offset', () => {
    fc.assert(
      fc.property(withData, ({ s, a, b }) => {
        const out = new Float64Array(s.m * s.n).fill(99); // overwritten, not accumulated
        matMul(out, Float64Array.from(a), Float64Array.from(b), s.off, s.m, s.k, s.n);
        close(out, naive((i, p) => a[i * s.k + p] as number, (p, j) => b[s.off + p * s.n + j] as number, s.m, s.k, s.n));
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it('matMulTransAAdd accumulates Aᵀ·B at an offset', () => {
    fc.assert(
      fc.property(withData, ({ s, a, c }) => {
        // A is m×k, C is m×n; out (k×n) += Aᵀ C.
        const out = new Float32Array(s.off + s.k * s.n).fill(1);
        matMulTransAAdd(out, s.off, Float32Array.from(a), Float32Array.from(c), s.m, s.k, s.n);
        const ref = naive((p, i) => a[i * s.k + p] as number, (i, j) => c[i * s.n + j] as number, s.k, s.m, s.n);
        close(out.subarray(s.off), ref.map((v) => v + 1));
        assert.ok(out.subarray(0, s.off).every((v) => v === 1));
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it('matMulTransB equals A·Bᵀ with B at an offset', () => {
    fc.assert(
      fc.property(withData, ({ s, b, c }) => {
        // A = C is m×n, B is k×n at off; out (m×k) = A Bᵀ.
        const out = new Float64Array(s.m * s.k);
        matMulTransB(out, Float64Array.from(c), Float64Array.from(b), s.off, s.m, s.n, s.k);
        close(out, naive((i, j) => c[i * s.n + j] as number, (j, p) => b[s.off + p * s.n + j] as number, s.m, s.n, s.k));
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it('adds a row vector and column sums', () => {
    const a = Float64Array.of(1, 2, 3, 4, 5, 6); // 2×3
    addRowVector(a, Float64Array.of(9, 10, 20, 30), 1, 2, 3);
    assert.deepEqual([...a], [11, 22, 33, 14, 25, 36]);
    const sums = new Float64Array(4);
    addColumnSums(sums, 1, a, 2, 3);
    assert.deepEqual([...sums], [0, 25, 47, 69]);
  });
});
