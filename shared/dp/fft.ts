/** In-place iterative radix-2 FFT on split real/imaginary Float64Arrays (Cooley–Tukey, decimation in time). */
import { CohortError } from '../errors.js';

/** Precomputed twiddles for one power-of-two size, reused by the forward and inverse transforms. */
export class Fft {
  readonly size: number;
  /** Twiddles of all stages back to back: stage with half-length h uses entries [h, 2h), w_k = e^{−iπk/h}. */
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  private readonly rev: Uint32Array;

  constructor(size: number) {
    if (!Number.isSafeInteger(size) || size < 1 || (size & (size - 1)) !== 0 || size > 2 ** 30) {
      throw new CohortError('invalid_argument', `FFT size must be a power of two ≤ 2^30, got ${size}`);
    }
    this.size = size;
    this.cos = new Float64Array(Math.max(1, size));
    this.sin = new Float64Array(Math.max(1, size));
    // Each twiddle straight from cos/sin (not by recurrence), so the error does not grow with
    // size; contiguous per stage so that the butterfly loop reads memory in order.
    for (let h = 1; h < size; h <<= 1) {
      for (let k = 0; k < h; k++) {
        const a = (-Math.PI * k) / h;
        this.cos[h + k] = Math.cos(a);
        this.sin[h + k] = Math.sin(a);
      }
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
    // First stage: twiddle 1, no multiplications.
    for (let a = 0; a + 1 < n; a += 2) {
      const ar = re[a] as number;
      const ai = im[a] as number;
      const br = re[a + 1] as number;
      const bi = im[a + 1] as number;
      re[a] = ar + br;
      im[a] = ai + bi;
      re[a + 1] = ar - br;
      im[a + 1] = ai - bi;
    }
    const cos = this.cos;
    const sin = this.sin;
    for (let h = 2; h < n; h <<= 1) {
      const len = h << 1;
      for (let start = 0; start < n; start += len) {
        for (let k = 0; k < h; k++) {
          const wr = cos[h + k] as number;
          const wi = sign * (sin[h + k] as number);
          const a = start + k;
          const b = a + h;
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
