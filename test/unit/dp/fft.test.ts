import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Fft } from '../../../shared/dp/fft.js';
import { CohortError } from '../../../shared/errors.js';

function naiveDft(re: number[], im: number[]): { re: number[]; im: number[] } {
  const n = re.length;
  const outRe: number[] = [];
  const outIm: number[] = [];
  for (let k = 0; k < n; k++) {
    let sr = 0;
    let si = 0;
    for (let t = 0; t < n; t++) {
      const a = (-2 * Math.PI * k * t) / n;
      sr += (re[t] as number) * Math.cos(a) - (im[t] as number) * Math.sin(a);
      si += (re[t] as number) * Math.sin(a) + (im[t] as number) * Math.cos(a);
    }
    outRe.push(sr);
    outIm.push(si);
  }
  return { re: outRe, im: outIm };
}

describe('dp/fft', function () {
  it('matches a naive DFT and inverts it', function () {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 7 }), fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 256, maxLength: 256 }), (logN, values) => {
        const n = 2 ** logN;
        const re = values.slice(0, n);
        const im = values.slice(128, 128 + n);
        const ref = naiveDft(re, im);
        const fft = new Fft(n);
        const r = Float64Array.from(re);
        const i = Float64Array.from(im);
        fft.forward(r, i);
        for (let k = 0; k < n; k++) {
          assert.ok(Math.abs((r[k] as number) - (ref.re[k] as number)) < 1e-9);
          assert.ok(Math.abs((i[k] as number) - (ref.im[k] as number)) < 1e-9);
        }
        fft.inverse(r, i);
        for (let k = 0; k < n; k++) {
          assert.ok(Math.abs((r[k] as number) - (re[k] as number)) < 1e-12);
          assert.ok(Math.abs((i[k] as number) - (im[k] as number)) < 1e-12);
        }
      }),
      { seed: 42, numRuns: 40 },
    );
  });

  it('computes cyclic convolutions (the PLD composition step)', function () {
    const n = 64;
    const a = Array.from({ length: n }, (_, k) => (k < 20 ? Math.exp(-k / 3) : 0));
    const b = Array.from({ length: n }, (_, k) => (k < 30 ? 1 / (k + 1) : 0));
    const direct = new Array<number>(n).fill(0);
    for (let x = 0; x < n; x++) for (let y = 0; y < n; y++) direct[(x + y) % n] = (direct[(x + y) % n] as number) + (a[x] as number) * (b[y] as number);
    const fft = new Fft(n);
    const ar = Float64Array.from(a);
    const ai = new Float64Array(n);
    const br = Float64Array.from(b);
    const bi = new Float64Array(n);
    fft.forward(ar, ai);
    fft.forward(br, bi);
    for (let k = 0; k < n; k++) {
      const re = (ar[k] as number) * (br[k] as number) - (ai[k] as number) * (bi[k] as number);
      const im = (ar[k] as number) * (bi[k] as number) + (ai[k] as number) * (br[k] as number);
      ar[k] = re;
      ai[k] = im;
    }
    fft.inverse(ar, ai);
    for (let k = 0; k < n; k++) assert.ok(Math.abs((ar[k] as number) - (direct[k] as number)) < 1e-13);
  });

  it('rejects sizes that are not powers of two', function () {
    assert.throws(() => new Fft(12), CohortError);
    assert.throws(() => new Fft(0), CohortError);
    assert.throws(() => new Fft(8).forward(new Float64Array(4), new Float64Array(4)), CohortError);
  });
});
