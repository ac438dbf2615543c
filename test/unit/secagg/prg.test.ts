import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CohortError } from '../../../shared/errors.js';
import { SeededRandom } from '../../../shared/random.js';
import { addMask, addMasks, expandMask } from '../../../shared/secagg/prg.js';
import { addWords, BLOCK_WORDS, simdAvailable } from '../../../shared/secagg/word-ops.js';
import { addMasksParallel, maskWorkerReady, MIN_PARALLEL_WORDS, sharedWords, whenMaskWorkerReady } from '../../../shared/secagg/parallel.js';

function randomWords(rng: SeededRandom, n: number): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.next32();
  return out;
}

function seedOf(rng: SeededRandom): Uint8Array {
  const s = new Uint8Array(32);
  rng.fillBytes(s);
  return s;
}

describe('secagg PRG masks', () => {
  it('known answer: AES-128-CTR keystream of NIST SP 800-38A F.5.1, read as little-endian words', () => {
    const seed = Buffer.from('2b7e151628aed2a6abf7158809cf4f3c' + 'f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff', 'hex');
    const words = expandMask(new Uint8Array(seed), 8);
    const stream = Buffer.from('ec8cdf7398607cb0f2d21675ea9ea1e4' + '362b7c3c6773516318a077d7fc5073ae', 'hex');
    assert.deepEqual([...words], Array.from({ length: 8 }, (_, i) => stream.readUInt32LE(4 * i)));
  });

  it('streaming addMask equals expanding the whole mask and adding, across block boundaries', () => {
    const rng = new SeededRandom(11);
    for (const d of [1, 3, 4, 17, BLOCK_WORDS - 1, BLOCK_WORDS, BLOCK_WORDS + 5, 2 * BLOCK_WORDS + 3]) {
      const seed = seedOf(rng);
      const base = randomWords(rng, d);
      const mask = expandMask(seed, d);
      for (const sign of [1, -1] as const) {
        const acc = base.slice();
        addMask(acc, seed, sign);
        for (let i = 0; i < d; i++) {
          const want = ((base[i] as number) + sign * (mask[i] as number)) >>> 0;
          if (acc[i] !== want) assert.fail(`d=${d} sign=${sign} word ${i}: ${acc[i]} ≠ ${want}`);
        }
      }
    }
  });

  it('several masks in one pass equal the masks one after another; + then − cancels', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 1, max: 6 }), fc.integer(), (d, terms, s) => {
        const rng = new SeededRandom(s);
        const base = randomWords(rng, d);
        const list = Array.from({ length: terms }, () => ({ seed: seedOf(rng), sign: (rng.nextInt(2) === 0 ? 1 : -1) as 1 | -1 }));
        const together = base.slice();
        addMasks(together, list);
        const oneByOne = base.slice();
        for (const t of list) addMask(oneByOne, t.seed, t.sign);
        assert.deepEqual(together, oneByOne);
        addMasks(together, list.map((t) => ({ seed: t.seed, sign: (-t.sign) as 1 | -1 })));
        assert.deepEqual(together, base);
      }),
      { seed: 42, numRuns: 60 },
    );
  });

  it('the SIMD and scalar word kernels agree', function () {
    if (!simdAvailable) this.skip();
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 * BLOCK_WORDS + 7 }), fc.integer(), (d, s) => {
        const rng = new SeededRandom(s);
        const a = randomWords(rng, d);
        const b = randomWords(rng, d);
        for (const sign of [1, -1] as const) {
          const simd = a.slice();
          const scalar = a.slice();
          addWords(simd, b, sign);
          addWords(scalar, b, sign, true);
          assert.deepEqual(simd, scalar);
          assert.equal(simd[d - 1], ((a[d - 1] as number) + sign * (b[d - 1] as number)) >>> 0);
        }
        const seed = seedOf(rng);
        const viaSimd = a.slice();
        const viaScalar = a.slice();
        addMasks(viaSimd, [{ seed, sign: 1 }]);
        addMasks(viaScalar, [{ seed, sign: 1 }], true);
        assert.deepEqual(viaSimd, viaScalar);
      }),
      { seed: 42, numRuns: 20 },
    );
  });

  it('works on subarray views at unaligned word offsets of the buffer', () => {
    const rng = new SeededRandom(5);
    const big = randomWords(rng, 1000);
    const view = big.subarray(3, 803);
    const copy = view.slice();
    const [before, after] = [big[2], big[803]];
    const seed = seedOf(rng);
    addMask(view, seed, 1);
    addMask(copy, seed, 1);
    assert.deepEqual(view, copy);
    const src = randomWords(rng, 800);
    addWords(view, src, -1);
    addWords(copy, src, -1);
    assert.deepEqual(view, copy);
    assert.deepEqual([big[2], big[803]], [before, after]); // words around the view untouched
  });

  it('a mask can be added from any 4-word offset, also when the 128-bit counter wraps', () => {
    const rng = new SeededRandom(21);
    for (const ivTail of [null, 0xff]) {
      const seed = seedOf(rng);
      if (ivTail !== null) seed.fill(ivTail, 16); // counter block ff…ff: the next block wraps to 0
      const full = expandMask(seed, 4000);
      for (const start of [0, 4, 8, 1024, 3996]) {
        const slice = new Uint32Array(full.length - start);
        addMasks(slice, [{ seed, sign: 1 }], false, start);
        assert.deepEqual(slice, full.subarray(start), `start ${start}`);
      }
    }
    assert.throws(() => addMasks(new Uint32Array(4), [{ seed: new Uint8Array(32), sign: 1 }], false, 2), CohortError);
  });

  it('the two-thread unmasking path equals the one-thread path', async () => {
    assert.ok(await whenMaskWorkerReady(), 'the mask worker did not start');
    const rng = new SeededRandom(4);
    const d = MIN_PARALLEL_WORDS + 12345;
    const shared = sharedWords(d);
    for (let i = 0; i < d; i++) shared[i] = rng.next32();
    const single = shared.slice();
    const terms = Array.from({ length: 5 }, (_, i) => ({ seed: seedOf(rng), sign: (i % 2 === 0 ? 1 : -1) as 1 | -1 }));
    assert.ok(maskWorkerReady());
    addMasksParallel(shared, terms);
    addMasks(single, terms);
    assert.deepEqual(shared, single);
  });

  it('refuses seeds that are not 32 bytes and mismatched lengths', () => {
    assert.throws(() => expandMask(new Uint8Array(16), 4), (e: unknown) => e instanceof CohortError && e.code === 'invalid_argument');
    assert.throws(() => expandMask(new Uint8Array(32), 4, new Uint32Array(3)), (e: unknown) => e instanceof CohortError);
    assert.throws(() => addWords(new Uint32Array(3), new Uint32Array(4), 1), RangeError);
  });
});
