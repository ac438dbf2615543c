/**
 * The proto's description of training (TrainConfig, ModelSpec) implemented from its text
 * alone, checked against Cohort's trainer: a third party that follows the contract
 * shuffles and computes exactly what Cohort's own nodes do.
 */
import assert from 'node:assert/strict';
import { SeededRandom, shuffleInPlace } from '../../../shared/random.js';
import { createWorkspace, forward } from '../../../shared/model/loss.js';
import { initParameters, parseModelSpec } from '../../../shared/model/spec.js';

/** splitmix32 → xoshiro128**, nextInt by rejection, as the proto's TrainConfig comment says. */
function contractShuffle(n: number, seed: number, epochs: number): Uint32Array[] {
  let x = seed >>> 0;
  const mix = (): number => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  const s = [mix(), mix(), mix(), mix()];
  const rotl = (v: number, k: number): number => ((v << k) | (v >>> (32 - k))) >>> 0;
  const next32 = (): number => {
    const [s0, s1, s2, s3] = s as [number, number, number, number];
    const result = Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (s1 << 9) >>> 0;
    let a = s0, b = s1, c = s2, d = s3;
    c = (c ^ a) >>> 0;
    d = (d ^ b) >>> 0;
    b = (b ^ c) >>> 0;
    a = (a ^ d) >>> 0;
    c = (c ^ t) >>> 0;
    d = rotl(d, 11);
    s.splice(0, 4, a, b, c, d);
    return result;
  };
  const nextInt = (k: number): number => {
    const limit = 2 ** 32 - (2 ** 32 % k);
    for (;;) {
      const v = next32();
      if (v < limit) return v % k;
    }
  };
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  const out: Uint32Array[] = [];
  for (let e = 0; e < epochs; e++) {
    for (let i = n - 1; i > 0; i--) {
      const j = nextInt(i + 1);
      const tmp = order[i] as number;
      order[i] = order[j] as number;
      order[j] = tmp;
    }
    out.push(order.slice());
  }
  return out;
}

describe('the training contract in the proto', () => {
  it('describes the shuffle Cohort\'s trainer does for a Task.seed, epoch after epoch', () => {
    for (const seed of [0, 1, 12345, 0xdeadbeef, 2 ** 32 - 1]) {
      const rng = new SeededRandom(seed);
      const order = Uint32Array.from({ length: 1000 }, (_, i) => i);
      for (const expected of contractShuffle(1000, seed, 3)) {
        shuffleInPlace(order, rng);
        assert.deepEqual(order, expected, `seed ${seed}`);
      }
    }
  });

  it('describes the parameter layout and forward pass of both model kinds', () => {
    const rows = 3;
    for (const spec of [parseModelSpec({ kind: 'logreg', features: 5, classes: 4 }), parseModelSpec({ kind: 'mlp', features: 5, classes: 4, hidden: 6 })]) {
      const rng = new SeededRandom(2);
      const w = initParameters(spec, rng);
      for (let i = 0; i < w.length; i++) w[i] = rng.nextFloat() - 0.5;
      const x = Float32Array.from({ length: rows * spec.features }, () => rng.nextFloat());
      const ws = createWorkspace(spec, rows, Float64Array);
      forward(spec, Float64Array.from(w), Float64Array.from(x), rows, ws);
      // The proto: W[features × classes] input-major then b (logreg); W1, b1, W2, b2 with ReLU (mlp).
      const dense = (input: number[], inDim: number, outDim: number, at: number): number[] =>
        Array.from({ length: outDim }, (_, j) => input.reduce((sum, v, i) => sum + v * (w[at + i * outDim + j] as number), 0) + (w[at + inDim * outDim + j] as number));
      for (let r = 0; r < rows; r++) {
        const xr = Array.from(x.subarray(r * spec.features, (r + 1) * spec.features));
        const logits =
          spec.kind === 'logreg'
            ? dense(xr, spec.features, spec.classes, 0)
            : dense(dense(xr, spec.features, spec.hidden, 0).map((h) => Math.max(0, h)), spec.hidden, spec.classes, spec.features * spec.hidden + spec.hidden);
        for (let j = 0; j < spec.classes; j++) assert.ok(Math.abs((ws.logits[r * spec.classes + j] as number) - (logits[j] as number)) < 1e-9, `${spec.kind} row ${r} class ${j}`);
      }
    }
  });
});
