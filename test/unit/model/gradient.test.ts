import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SeededRandom } from '../../../shared/random.js';
import { lossAndGradient } from '../../../shared/model/train.js';
import { parameterCount, parseModelSpec, type ModelKind, type ModelSpec } from '../../../shared/model/spec.js';

interface Problem {
  spec: ModelSpec;
  params: Float64Array;
  x: Float64Array;
  y: Uint8Array;
  rows: number;
}

function problem(kind: ModelKind, seed: number, features: number, classes: number, hidden: number, rows: number): Problem {
  const spec = parseModelSpec(kind === 'mlp' ? { kind, features, classes, hidden } : { kind, features, classes });
  const rng = new SeededRandom(seed);
  const params = Float64Array.from({ length: parameterCount(spec) }, () => rng.nextFloat() * 2 - 1);
  const x = Float64Array.from({ length: rows * features }, () => (rng.nextFloat() < 0.3 ? 0 : rng.nextFloat() * 2 - 1));
  const y = Uint8Array.from({ length: rows }, () => rng.nextInt(classes));
  return { spec, params, x, y, rows };
}

/** Central differences of the mean loss, one coordinate at a time, in float64. */
function numericGradient({ spec, params, x, y, rows }: Problem, h: number): Float64Array {
  const out = new Float64Array(params.length);
  const p = Float64Array.from(params);
  for (let i = 0; i < p.length; i++) {
    const orig = p[i] as number;
    p[i] = orig + h;
    const up = lossAndGradient(spec, p, x, y, rows);
    p[i] = orig - h;
    const down = lossAndGradient(spec, p, x, y, rows);
    p[i] = orig;
    out[i] = (up - down) / (2 * h);
  }
  return out;
}

function checkGradient(pb: Problem): void {
  const grad = new Float64Array(pb.params.length).fill(Number.NaN); // must be fully overwritten
  lossAndGradient(pb.spec, pb.params, pb.x, pb.y, pb.rows, grad);
  const num = numericGradient(pb, 1e-6);
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < grad.length; i++) {
    const a = grad[i] as number;
    const n = num[i] as number;
    assert.ok(Math.abs(a - n) <= 1e-5 * Math.max(Math.abs(a), Math.abs(n)) + 1e-8, `coordinate ${i}: analytic ${a}, numeric ${n}`);
    diff += (a - n) ** 2;
    norm += a * a + n * n;
  }
  assert.ok(Math.sqrt(diff / norm) < 1e-5, `relative error ${Math.sqrt(diff / norm)}`);
}

const shapes = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  features: fc.integer({ min: 1, max: 6 }),
  classes: fc.integer({ min: 2, max: 5 }),
  hidden: fc.integer({ min: 1, max: 5 }),
  rows: fc.integer({ min: 1, max: 5 }),
});

describe('lossAndGradient', () => {
  for (const kind of ['logreg', 'mlp'] as const) {
    it(`${kind}: analytic gradient matches central differences in float64`, () => {
      fc.assert(
        fc.property(shapes, (s) => checkGradient(problem(kind, s.seed, s.features, s.classes, s.hidden, s.rows))),
        { seed: 42, numRuns: 60 },
      );
    });
  }

  it('gives the loss log(C) for zero logreg weights', () => {
    const pb = problem('logreg', 3, 4, 7, 0, 5);
    assert.ok(Math.abs(lossAndGradient(pb.spec, new Float64Array(pb.params.length), pb.x, pb.y, pb.rows) - Math.log(7)) < 1e-12);
  });

  it('agrees between float32 and float64 parameters', () => {
    const pb = problem('mlp', 11, 20, 4, 8, 6);
    const g64 = new Float64Array(pb.params.length);
    const g32 = new Float32Array(pb.params.length);
    const params32 = Float32Array.from(pb.params);
    const l64 = lossAndGradient(pb.spec, Float64Array.from(params32), pb.x, pb.y, pb.rows, g64);
    const l32 = lossAndGradient(pb.spec, params32, Float32Array.from(pb.x), pb.y, pb.rows, g32);
    assert.ok(Math.abs(l32 - l64) < 1e-5 * Math.abs(l64));
    for (let i = 0; i < g64.length; i++) assert.ok(Math.abs((g32[i] as number) - (g64[i] as number)) < 1e-5);
  });

  it('refuses buffers that do not fit', () => {
    const pb = problem('mlp', 5, 3, 2, 4, 4);
    assert.throws(() => lossAndGradient(pb.spec, pb.params, pb.x, pb.y, pb.rows, new Float64Array(3)), RangeError);
    assert.throws(() => lossAndGradient(pb.spec, pb.params, pb.x, pb.y, pb.rows + 1), RangeError);
    assert.throws(() => lossAndGradient(pb.spec, pb.params.subarray(1), pb.x, pb.y, pb.rows), RangeError);
  });

  it('is stable for huge logits (no overflow in softmax)', () => {
    const spec = parseModelSpec({ features: 1, classes: 2 });
    const params = Float64Array.of(1000, -1000, 0, 0); // logits ±1000 for x = 1
    const grad = new Float64Array(4);
    const loss = lossAndGradient(spec, params, Float64Array.of(1), Uint8Array.of(1), 1, grad);
    assert.ok(Math.abs(loss - 2000) < 1e-9);
    assert.deepEqual([...grad], [1, -1, 1, -1]);
  });
});
