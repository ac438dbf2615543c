import assert from 'node:assert/strict';
import { CohortError } from '../../../shared/errors.js';
import { SeededRandom } from '../../../shared/random.js';
import { DEFAULT_TRAIN_CONFIG, evaluate, parseTrainConfig, train, type Dataset } from '../../../shared/model/train.js';
import { initParameters, parseModelSpec } from '../../../shared/model/spec.js';

/** Three Gaussian blobs in `features` dimensions, well separated. */
function blobs(count: number, features: number, seed: number): Dataset {
  const rng = new SeededRandom(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - rng.nextFloat())) * Math.cos(2 * Math.PI * rng.nextFloat());
  const x = new Float32Array(count * features);
  const y = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const c = i % 3;
    y[i] = c;
    for (let f = 0; f < features; f++) x[i * features + f] = (f % 3 === c ? 2 : 0) + 0.5 * normal();
  }
  return { features, classes: 3, count, x, y };
}

function throwsCode(fn: () => unknown, code: string, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof CohortError && err.code === code && pattern.test(err.message));
}

describe('train and evaluate', () => {
  const data = blobs(300, 6, 1);

  for (const kind of ['logreg', 'mlp'] as const) {
    it(`${kind}: training reduces the loss and learns separable blobs`, () => {
      const spec = parseModelSpec(kind === 'mlp' ? { kind, features: 6, classes: 3, hidden: 8 } : { kind, features: 6, classes: 3 });
      const w0 = initParameters(spec, new SeededRandom(2));
      const before = evaluate(spec, w0, data);
      const result = train(spec, w0, data, { epochs: 5, batchSize: 16, learningRate: 0.1 }, new SeededRandom(3));
      const after = evaluate(spec, result.weights, data);
      assert.ok(after.loss < 0.5 * before.loss, `loss ${before.loss} → ${after.loss}`);
      assert.ok(after.accuracy > 0.95, `accuracy ${after.accuracy}`);
      assert.ok(result.loss > 0 && result.loss < before.loss);
      assert.equal(result.examples, 300);
    });

    it(`${kind}: same seed gives identical weights, another seed different ones`, () => {
      const spec = parseModelSpec(kind === 'mlp' ? { kind, features: 6, classes: 3, hidden: 8 } : { kind, features: 6, classes: 3 });
      const w0 = initParameters(spec, new SeededRandom(2));
      const copy = Float32Array.from(w0);
      const a = train(spec, w0, data, DEFAULT_TRAIN_CONFIG, new SeededRandom(9));
      const b = train(spec, w0, data, DEFAULT_TRAIN_CONFIG, new SeededRandom(9));
      const c = train(spec, w0, data, DEFAULT_TRAIN_CONFIG, new SeededRandom(10));
      assert.deepEqual(a.weights, b.weights);
      assert.equal(a.loss, b.loss);
      assert.notDeepEqual(a.weights, c.weights);
      assert.deepEqual(w0, copy, 'initial weights must not change');
    });
  }

  it('takes exactly one SGD step on a one-example dataset (known answer)', () => {
    const spec = parseModelSpec({ features: 2, classes: 2 });
    const one: Dataset = { features: 2, classes: 2, count: 1, x: Float32Array.of(1, 2), y: Uint8Array.of(0) };
    // Zero weights: p = (½, ½), dL/dlogits = (−½, ½), dL/dW = x ⊗ (−½, ½), dL/db = (−½, ½).
    const r = train(spec, new Float32Array(6), one, { epochs: 1, batchSize: 8, learningRate: 0.1 }, new SeededRandom(1));
    assert.deepEqual([...r.weights], [0.05, -0.05, 0.1, -0.1, 0.05, -0.05].map(Math.fround));
    assert.ok(Math.abs(r.loss - Math.log(2)) < 1e-12);
    assert.equal(r.examples, 1);
  });

  it('evaluates logreg on a hand-made dataset', () => {
    const spec = parseModelSpec({ features: 2, classes: 2 });
    const w = Float32Array.of(1, 0, 0, 1, 0, 0); // W = I, b = 0: logits = x
    const d: Dataset = { features: 2, classes: 2, count: 4, x: Float32Array.of(1, 0, 0, 1, 2, 0, 0, 0), y: Uint8Array.of(0, 1, 1, 0) };
    // Rows: right (margin 1), right (margin 1), wrong (margin −2), tie → class 0, right.
    const r = evaluate(spec, w, d);
    assert.equal(r.accuracy, 0.75);
    assert.equal(r.count, 4);
    const expected = (2 * Math.log1p(Math.exp(-1)) + Math.log1p(Math.exp(2)) + Math.log(2)) / 4;
    assert.ok(Math.abs(r.loss - expected) < 1e-7, `${r.loss} vs ${expected}`);
  });

  it('evaluates the MLP on a hand-made dataset', () => {
    const spec = parseModelSpec({ kind: 'mlp', features: 1, hidden: 2, classes: 2 });
    // W1 = [1, −1], b1 = 0, W2 = I, b2 = (0, ½): logits = (relu(x), relu(−x) + ½).
    const w = Float32Array.of(1, -1, 0, 0, 1, 0, 0, 1, 0, 0.5);
    const d: Dataset = { features: 1, classes: 2, count: 3, x: Float32Array.of(2, -3, 0), y: Uint8Array.of(0, 1, 0) };
    const r = evaluate(spec, w, d);
    assert.equal(r.accuracy, 2 / 3);
    const expected = (Math.log1p(Math.exp(-1.5)) + Math.log1p(Math.exp(-3.5)) + Math.log1p(Math.exp(0.5))) / 3;
    assert.ok(Math.abs(r.loss - expected) < 1e-7, `${r.loss} vs ${expected}`);
  });

  it('evaluates an empty dataset as count 0', () => {
    const spec = parseModelSpec({ features: 2, classes: 2 });
    assert.deepEqual(evaluate(spec, new Float32Array(6), { features: 2, classes: 2, count: 0, x: new Float32Array(0), y: new Uint8Array(0) }), {
      accuracy: 0,
      loss: 0,
      count: 0,
    });
  });

  it('rejects mismatched shapes, bad labels and empty data', () => {
    const spec = parseModelSpec({ features: 6, classes: 3 });
    const w = new Float32Array(21);
    const rng = new SeededRandom(1);
    throwsCode(() => train(spec, new Float32Array(20), data, DEFAULT_TRAIN_CONFIG, rng), 'invalid_argument', /needs 21 parameters, got 20/);
    throwsCode(() => train(parseModelSpec({ features: 5, classes: 3 }), new Float32Array(18), data, DEFAULT_TRAIN_CONFIG, rng), 'invalid_argument', /6 features .* logreg 5→3/);
    const badLabel: Dataset = { ...data, y: Uint8Array.from(data.y, (v, i) => (i === 7 ? 3 : v)) };
    throwsCode(() => evaluate(spec, w, badLabel), 'invalid_argument', /label 3 at row 7/);
    throwsCode(() => evaluate(spec, w, { ...data, count: 299 }), 'invalid_argument', /x has 1800 values, expected/);
    const empty: Dataset = { features: 6, classes: 3, count: 0, x: new Float32Array(0), y: new Uint8Array(0) };
    throwsCode(() => train(spec, w, empty, DEFAULT_TRAIN_CONFIG, rng), 'invalid_argument', /empty dataset/);
  });

  it('validates the training settings, naming the field', () => {
    assert.deepEqual(parseTrainConfig({}), DEFAULT_TRAIN_CONFIG);
    assert.deepEqual(parseTrainConfig({ epochs: 3, batchSize: 8, learningRate: 0.5 }), { epochs: 3, batchSize: 8, learningRate: 0.5 });
    throwsCode(() => parseTrainConfig({ epochs: 0 }), 'invalid_argument', /epochs/);
    throwsCode(() => parseTrainConfig({ epochs: 1.5 }), 'invalid_argument', /epochs/);
    throwsCode(() => parseTrainConfig({ batchSize: '16' }), 'invalid_argument', /batchSize/);
    throwsCode(() => parseTrainConfig({ learningRate: 0 }), 'invalid_argument', /learningRate/);
    throwsCode(() => parseTrainConfig({ learningRate: Number.POSITIVE_INFINITY }), 'invalid_argument', /learningRate/);
  });

  it('reports divergence instead of returning non-finite weights', () => {
    const spec = parseModelSpec({ features: 6, classes: 3 });
    const huge: Dataset = { ...data, x: data.x.map((v) => v * 1e30) };
    throwsCode(
      () => train(spec, new Float32Array(21), huge, { epochs: 2, batchSize: 4, learningRate: 10 }, new SeededRandom(1)),
      'failed_precondition',
      /diverged.*lower the learning rate/,
    );
  });
});
