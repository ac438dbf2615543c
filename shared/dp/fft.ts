/** In-place iterative radix-2 FFT on split real/imaginary Float64Arrays (Cooley–Tukey, decimation in time). */
import { CohortError } from '../errors.js';

/** Precomputed twiddles for one power-of-two size, reused by the forward and inverse transforms. */
export class Fft {
  readonly size: number;
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  private readonly rev: Uint32Array;

  constructor(size: number) {
    if (!Number.isSafeInteger(size) || size < 1 || (size & (size - 1)) !== 0 || size > 2 ** 30) {
      throw new CohortError('invalid_argument', `FFT size must be a power of two ≤ 2^30, got ${size}`);
    }
    this.size = size;
    const half = size >> 1;
    this.cos = new Float64Array(half);
    this.sin = new Float64Array(half);
    // Each twiddle straight from cos/sin (not by recurrence), so the error does not grow with size.
    for (let k = 0; k < half; k++) {
      const a = (-2 * Math.PI * k) / size;
      this.cos[k] = Math.cos(a);
      this.sin[k] = Math.sin(a);
    }
    const bits = Math.log2(size);
    this.rev = new Uint32Array(size);
    for (let i = 1; i < size; i++) this.rev[i] = ((this.rev[i >> 1] as number) >> 1) | ((i & 1) << (bits - 1));
  }

  /** Forward DFT X_k = Σ x_n e^{−2πikn/N}, in place. */
  forward(re: Float64Array, im: Float64Array): void {
    this.transform(re, im, 1);
  }

  /** Inverse DFT x_n = (1/N) Σ X_k e^{+2πikn/N}, in place. */
  inverse(re: Float64Array, im: Float64Array): void {
    this.transform(re, im, -1);
    const inv = 1 / this.size;
    for (let i = 0; i < this.size; i++) {
      re[i] = (re[i] as number) * inv;
      im[i] = (im[i] as number) * inv;
    }
  }

  private transform(re: Float64Array, im: Float64Array, sign: 1 | -1): void {
    const n = this.size;
    if (re.length !== n || im.length !== n) throw new CohortError('invalid_argument', `FFT arrays must have length ${n}`);
    const rev = this.rev;
    for (let i = 0; i < n; i++) {
      const j = rev[i] as number;
      if (j > i) {
        const tr = re[i] as number;
        re[i] = re[j] as number;
        re[j] = tr;
        const ti = im[i] as number;
        im[i] = im[j] as number;
        im[j] = ti;
      }
    }
    const cos = this.cos;
    const sin = this.sin;
    for (let len = 2; len <= n; len <<= 1) {
      const halfLen = len >> 1;
      const step = n / len;
      for (let start = 0; start < n; start += len) {
        for (let k = 0; k < halfLen; k++) {
          const wr = cos[k * step] as number;
          const wi = sign * (sin[k * step] as number);
          const a = start + k;
          const b = a + halfLen;
          const br = re[b] as number;
          const bi = im[b] as number;
          const xr = br * wr - bi * wi;
          const xi = br * wi + bi * wr;
          const ar = re[a] as number;
          const ai = im[a] as number;
          re[b] = ar - xr;
          im[b] = ai - xi;
          re[a] = ar + xr;
          im[a] = ai + xi;
        }
      }
    }
  }
}
