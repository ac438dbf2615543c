/**
 * Dense matrix kernels over typed arrays, row-major. Loops run i-k-j (or k-i-j) so the
 * innermost loop walks contiguous memory in both operands, four rows at a time to reuse
 * each loaded value, and they skip zero entries of the left operand: MNIST pixels are
 * ~80% zero and ReLU outputs about half, so this removes most of the work without
 * changing any result. Nothing here allocates.
 */

/** The float arrays the trainer accepts: float32 in production, float64 for gradient checks. */
export type FloatArray = Float32Array | Float64Array;

/** `out[m×n] = A[m×k] · B[k×n]`, with B starting at `bOff` (a tensor inside the flat parameters). */
export function matMul(out: FloatArray, a: FloatArray, b: FloatArray, bOff: number, m: number, k: number, n: number): void {
  out.fill(0, 0, m * n);
  let i = 0;
  // Four rows of A at a time: each loaded element of B feeds four outputs.
  for (; i + 4 <= m; i += 4) {
    const a0 = i * k;
    const o0 = i * n;
    const o1 = o0 + n;
    const o2 = o1 + n;
    const o3 = o2 + n;
    for (let p = 0; p < k; p++) {
      const x0 = a[a0 + p] as number;
      const x1 = a[a0 + k + p] as number;
      const x2 = a[a0 + 2 * k + p] as number;
      const x3 = a[a0 + 3 * k + p] as number;
      if (x0 === 0 && x1 === 0 && x2 === 0 && x3 === 0) continue;
      const bRow = bOff + p * n;
      for (let j = 0; j < n; j++) {
        const bv = b[bRow + j] as number;
        out[o0 + j] = (out[o0 + j] as number) + x0 * bv;
        out[o1 + j] = (out[o1 + j] as number) + x1 * bv;
        out[o2 + j] = (out[o2 + j] as number) + x2 * bv;
        out[o3 + j] = (out[o3 + j] as number) + x3 * bv;
      }
    }
  }
  for (; i < m; i++) {
    const aRow = i * k;
    const oRow = i * n;
    for (let p = 0; p < k; p++) {
      const av = a[aRow + p] as number;
      if (av === 0) continue;
      const bRow = bOff + p * n;
      for (let j = 0; j < n; j++) out[oRow + j] = (out[oRow + j] as number) + av * (b[bRow + j] as number);
    }
  }
}

/** `out[k×n] += Aᵀ · B` for `A[m×k]`, `B[m×n]`, with out starting at `outOff` (a gradient tensor). */
export function matMulTransAAdd(out: FloatArray, outOff: number, a: FloatArray, b: FloatArray, m: number, k: number, n: number): void {
  let r = 0;
  // Four rows of A and B at a time: each output is loaded and stored once per four products.
  for (; r + 4 <= m; r += 4) {
    const a0 = r * k;
    const b0 = r * n;
    const b1 = b0 + n;
    const b2 = b1 + n;
    const b3 = b2 + n;
    for (let p = 0; p < k; p++) {
      const x0 = a[a0 + p] as number;
      const x1 = a[a0 + k + p] as number;
      const x2 = a[a0 + 2 * k + p] as number;
      const x3 = a[a0 + 3 * k + p] as number;
      if (x0 === 0 && x1 === 0 && x2 === 0 && x3 === 0) continue;
      const oRow = outOff + p * n;
      for (let j = 0; j < n; j++) {
        const sum = x0 * (b[b0 + j] as number) + x1 * (b[b1 + j] as number) + x2 * (b[b2 + j] as number) + x3 * (b[b3 + j] as number);
        out[oRow + j] = (out[oRow + j] as number) + sum;
      }
    }
  }
  for (; r < m; r++) {
    const aRow = r * k;
    const bRow = r * n;
    for (let p = 0; p < k; p++) {
      const av = a[aRow + p] as number;
      if (av === 0) continue;
      const oRow = outOff + p * n;
      for (let j = 0; j < n; j++) out[oRow + j] = (out[oRow + j] as number) + av * (b[bRow + j] as number);
    }
  }
}

/** `out[m×k] = A[m×n] · Bᵀ` for `B[k×n]` starting at `bOff`: each output is a dot product of two rows. */
export function matMulTransB(out: FloatArray, a: FloatArray, b: FloatArray, bOff: number, m: number, n: number, k: number): void {
  for (let r = 0; r < m; r++) {
    const aRow = r * n;
    const oRow = r * k;
    for (let p = 0; p < k; p++) {
      const bRow = bOff + p * n;
      let s = 0;
      for (let j = 0; j < n; j++) s += (a[aRow + j] as number) * (b[bRow + j] as number);
      out[oRow + p] = s;
    }
  }
}

/** `out[m×n] += bias[n]` broadcast over rows, bias starting at `biasOff`. */
export function addRowVector(out: FloatArray, bias: FloatArray, biasOff: number, m: number, n: number): void {
  for (let i = 0; i < m; i++) {
    const row = i * n;
    for (let j = 0; j < n; j++) out[row + j] = (out[row + j] as number) + (bias[biasOff + j] as number);
  }
}

/** `out[n] += column sums of A[m×n]`, out starting at `outOff` (a bias gradient). */
export function addColumnSums(out: FloatArray, outOff: number, a: FloatArray, m: number, n: number): void {
  for (let i = 0; i < m; i++) {
    const row = i * n;
    for (let j = 0; j < n; j++) out[outOff + j] = (out[outOff + j] as number) + (a[row + j] as number);
  }
}
