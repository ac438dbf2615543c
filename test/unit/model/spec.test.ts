import assert from 'node:assert/strict';
import { CohortError } from '../../../shared/errors.js';
import { SeededRandom } from '../../../shared/random.js';
import {
  MAX_PARAMETERS,
  checkParameters,
  initParameters,
  parameterCount,
  parameterLayout,
  parseModelSpec,
} from '../../../shared/model/spec.js';

function throwsInvalid(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof CohortError && err.code === 'invalid_argument' && pattern.test(err.message));
}

describe('model spec', () => {
  it('applies defaults: logreg 784→10, mlp hidden 64', () => {
    assert.deepEqual(parseModelSpec({}), { kind: 'logreg', features: 784, classes: 10, hidden: 0 });
    assert.deepEqual(parseModelSpec({ kind: 'mlp' }), { kind: 'mlp', features: 784, classes: 10, hidden: 64 });
    assert.deepEqual(parseModelSpec({ kind: 'mlp', features: 5, classes: 3, hidden: 7 }), { kind: 'mlp', features: 5, classes: 3, hidden: 7 });
    assert.deepEqual(parseModelSpec({ kind: 'logreg', hidden: 0 }).hidden, 0);
  });

  it('names the bad field', () => {
    throwsInvalid(() => parseModelSpec({ kind: 'cnn' }), /kind.*"cnn"/);
    throwsInvalid(() => parseModelSpec({ features: 0 }), /features/);
    throwsInvalid(() => parseModelSpec({ features: 2.5 }), /features/);
    throwsInvalid(() => parseModelSpec({ features: '784' }), /features.*"784"/);
    throwsInvalid(() => parseModelSpec({ classes: 1 }), /classes/);
    throwsInvalid(() => parseModelSpec({ classes: 256 }), /classes/);
    throwsInvalid(() => parseModelSpec({ classes: Number.NaN }), /classes/);
    throwsInvalid(() => parseModelSpec({ kind: 'mlp', hidden: -1 }), /hidden/);
    throwsInvalid(() => parseModelSpec({ kind: 'mlp', hidden: {} }), /hidden.*object/);
    throwsInvalid(() => parseModelSpec({ kind: 'logreg', hidden: 64 }), /hidden applies to kind "mlp" only/);
  });

  it('refuses models above the parameter limit', () => {
    throwsInvalid(() => parseModelSpec({ kind: 'mlp', features: 10_000, hidden: 5_001 }), new RegExp(`limit of ${MAX_PARAMETERS}`));
    assert.ok(parameterCount(parseModelSpec({ kind: 'mlp', features: 10_000, hidden: 4_900 })) <= MAX_PARAMETERS);
  });

  it('ignores a __proto__ key in untrusted input', () => {
    const input = JSON.parse('{"__proto__": {"kind": "mlp", "hidden": 9}}') as Record<string, unknown>;
    assert.deepEqual(parseModelSpec(input), { kind: 'logreg', features: 784, classes: 10, hidden: 0 });
  });

  it('lays out parameters as documented', () => {
    const logreg = parseModelSpec({});
    assert.equal(parameterCount(logreg), 784 * 10 + 10);
    assert.deepEqual(parameterLayout(logreg), { w1: 0, b1: 7840, w2: -1, b2: -1, total: 7850 });
    const mlp = parseModelSpec({ kind: 'mlp' });
    assert.equal(parameterCount(mlp), 784 * 64 + 64 + 64 * 10 + 10);
    assert.deepEqual(parameterLayout(mlp), { w1: 0, b1: 50176, w2: 50240, b2: 50880, total: 50890 });
  });

  it('initialises logreg at zero and the MLP with seeded He/Glorot normals', () => {
    const logreg = parseModelSpec({});
    assert.ok(initParameters(logreg, new SeededRandom(1)).every((v) => v === 0));

    const spec = parseModelSpec({ kind: 'mlp', features: 400, hidden: 100, classes: 10 });
    const a = initParameters(spec, new SeededRandom(5));
    assert.deepEqual(a, initParameters(spec, new SeededRandom(5)));
    assert.notDeepEqual(a, initParameters(spec, new SeededRandom(6)));
    const layout = parameterLayout(spec);
    const std = (from: number, to: number): number => {
      let s = 0;
      let s2 = 0;
      for (let i = from; i < to; i++) {
        s += a[i] as number;
        s2 += (a[i] as number) ** 2;
      }
      const n = to - from;
      return Math.sqrt(s2 / n - (s / n) ** 2);
    };
    // 40,000 and 1,000 samples: sample std within a few percent of the target.
    assert.ok(Math.abs(std(layout.w1, layout.b1) / Math.sqrt(2 / 400) - 1) < 0.03);
    assert.ok(Math.abs(std(layout.w2, layout.b2) / Math.sqrt(2 / 110) - 1) < 0.1);
    assert.ok(a.subarray(layout.b1, layout.w2).every((v) => v === 0));
    assert.ok(a.subarray(layout.b2).every((v) => v === 0));
  });

  it('checks parameter vectors against the spec', () => {
    const spec = parseModelSpec({ features: 3, classes: 2 });
    checkParameters(spec, new Float32Array(8));
    throwsInvalid(() => checkParameters(spec, new Float32Array(7)), /needs 8 parameters, got 7/);
    throwsInvalid(() => checkParameters(spec, Float32Array.of(0, 0, 0, Number.NaN, 0, 0, 0, 0)), /parameter 3 is not finite/);
  });
});
