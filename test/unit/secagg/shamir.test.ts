import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CohortError } from '../../../shared/errors.js';
import { SeededRandom } from '../../../shared/random.js';
import {
  decodeShare,
  encodeShare,
  FIELD_PRIME,
  lagrangeAtZero,
  reconstruct,
  reconstructWith,
  share,
  shareMany,
  type ShamirShare,
} from '../../../shared/secagg/shamir.js';

const P = FIELD_PRIME;

function subsets<T>(items: readonly T[], size: number): T[][] {
  if (size === 0) return [[]];
  if (items.length < size) return [];
  const [head, ...rest] = items as [T, ...T[]];
  return [...subsets(rest, size - 1).map((s) => [head, ...s]), ...subsets(rest, size)];
}

/** Reconstruction from too few shares must not yield the secret: it either detects it or gives something else. */
function failsToReveal(shares: readonly ShamirShare[], secret: Uint8Array): boolean {
  try {
    const got = reconstruct(shares, shares.length);
    return Buffer.compare(Buffer.from(got), Buffer.from(secret)) !== 0;
  } catch (err) {
    return err instanceof CohortError && err.code === 'invalid_argument';
  }
}

describe('secagg Shamir sharing', () => {
  it('known answers: hand-computed polynomials over GF(2^127 − 1)', () => {
    // f(x) = 42 + 7x
    assert.deepEqual([...reconstruct([{ x: 1, secretLength: 1, ys: [49n] }, { x: 2, secretLength: 1, ys: [56n] }], 2)], [42]);
    // f(x) = 42 + (p − 1)x, so f(1) = 41 and f(2) = 40 (mod p)
    assert.deepEqual([...reconstruct([{ x: 2, secretLength: 1, ys: [40n] }, { x: 1, secretLength: 1, ys: [41n] }], 2)], [42]);
    // f(x) = 5 + 3x + 2x²: f(1) = 10, f(3) = 32, f(4) = 49
    const s3 = [1, 3, 4].map((x, i) => ({ x, secretLength: 1, ys: [[10n, 32n, 49n][i] as bigint] }));
    assert.deepEqual([...reconstruct(s3, 3)], [5]);
    // λ for xs = 1, 2: (2, −1); for 1, 2, 3: (3, −3, 1)
    assert.deepEqual(lagrangeAtZero([1, 2]), [2n, P - 1n]);
    assert.deepEqual(lagrangeAtZero([1, 2, 3]), [3n, P - 3n, 1n]);
    // Encoding: x = 258, length 1, y = 0x0102
    const bytes = encodeShare({ x: 258, secretLength: 1, ys: [0x0102n] });
    assert.equal(Buffer.from(bytes).toString('hex'), '01020001' + '00'.repeat(14) + '0102');
    assert.deepEqual(decodeShare(bytes), { x: 258, secretLength: 1, ys: [0x0102n] });
  });

  it('reconstructs a 32-byte secret from every t-subset (small n) and fails from t − 1', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.integer({ min: 2, max: 7 }), fc.integer(), (secret, n, seed) => {
        const rng = new SeededRandom(seed);
        const t = 1 + rng.nextInt(n);
        const xs = Array.from({ length: n }, (_, i) => 3 * i + 1 + rng.nextInt(3));
        const shares = share(secret, t, xs, rng);
        for (const subset of subsets(shares, t)) assert.deepEqual(reconstruct(subset, t), secret);
        if (t > 1) for (const subset of subsets(shares, t - 1)) assert.ok(failsToReveal(subset, secret));
      }),
      { seed: 42, numRuns: 60 },
    );
  });

  it('any t of n shares work for larger n, in any order, through the wire encoding', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 100 }), fc.integer({ min: 1, max: 40 }), fc.integer(), (secret, n, seed) => {
        const rng = new SeededRandom(seed);
        const t = 1 + rng.nextInt(n);
        const xs = Array.from({ length: n }, (_, i) => i + 1);
        const shares = share(secret, t, xs, rng).map((s) => decodeShare(encodeShare(s)) as ShamirShare);
        const order = [...shares].sort(() => rng.nextFloat() - 0.5);
        assert.deepEqual(reconstruct(order.slice(0, t), t), secret);
        if (t > 1) assert.ok(failsToReveal(order.slice(0, t - 1), secret));
      }),
      { seed: 42, numRuns: 100 },
    );
  });

  it('shares many secrets at the same x-coordinates and reuses one set of Lagrange coefficients', () => {
    const rng = new SeededRandom(9);
    const secrets = Array.from({ length: 20 }, (_, i) => new Uint8Array(32).fill(i));
    const xs = [5, 9, 11, 14, 20];
    const all = shareMany(secrets, 3, xs, rng);
    const lambda = lagrangeAtZero([9, 14, 20]);
    all.forEach((shares, i) => {
      assert.deepEqual(reconstructWith([shares[1], shares[3], shares[4]] as ShamirShare[], lambda), secrets[i]);
    });
  });

  it('refuses fewer than t shares, duplicate or invalid x-coordinates, and mixed secrets', () => {
    const rng = new SeededRandom(1);
    const shares = share(new Uint8Array(32).fill(1), 3, [1, 2, 3, 4], rng);
    const refuses = (fn: () => unknown, re: RegExp): void => {
      assert.throws(fn, (e: unknown) => e instanceof CohortError && e.code === 'invalid_argument' && re.test(e.message));
    };
    refuses(() => reconstruct(shares.slice(0, 2), 3), /at least 3 shares/);
    refuses(() => reconstruct([shares[0], shares[0], shares[1]] as ShamirShare[], 3), /duplicate/);
    refuses(() => share(new Uint8Array(4), 2, [1, 1], rng), /duplicate/);
    refuses(() => share(new Uint8Array(4), 2, [0, 1], rng), /x-coordinate/);
    refuses(() => share(new Uint8Array(4), 3, [1, 2], rng), /threshold/);
    const other = share(new Uint8Array(5), 3, [1, 2, 3], rng);
    refuses(() => reconstruct([shares[0], other[1], other[2]] as ShamirShare[], 3), /different secrets/);
    // A corrupted y that pushes chunks out of range is detected (a random corruption is, with probability 1 − 2^-7 per chunk).
    const bad = { ...(shares[2] as ShamirShare), ys: (shares[2] as ShamirShare).ys.map((y) => (y + (1n << 126n)) % P) };
    refuses(() => reconstruct([shares[0], shares[1], bad] as ShamirShare[], 3), /inconsistent/);
  });

  it('decodeShare rejects malformed bytes', () => {
    const good = encodeShare({ x: 1, secretLength: 32, ys: [1n, 2n, 3n] });
    assert.ok(decodeShare(good));
    assert.equal(decodeShare(good.subarray(0, good.length - 1)), undefined);
    const zeroX = good.slice();
    zeroX[1] = 0;
    assert.equal(decodeShare(zeroX), undefined);
    const tooBig = encodeShare({ x: 1, secretLength: 1, ys: [0n] });
    tooBig.fill(0xff, 4);
    assert.equal(decodeShare(tooBig), undefined); // y ≥ p
  });
});
