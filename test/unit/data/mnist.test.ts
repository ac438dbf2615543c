import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { CohortError } from '../../../shared/errors.js';
import type { Dataset } from '../../../shared/model/dataset.js';
import { MNIST_COUNT, decodePixels, loadMnist, mnistShard, mnistShardRows } from '../../../client/data/mnist.js';
import { loadLocalData } from '../../../client/data/index.js';

const digitsDir = join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');

/** One string per row (pixels and label), to compare datasets as multisets of examples. */
function rowKeys(d: Dataset): string[] {
  const keys: string[] = [];
  for (let i = 0; i < d.count; i++) {
    keys.push(`${d.y[i]}:${Buffer.from(d.x.buffer, d.x.byteOffset + i * d.features * 4, d.features * 4).toString('base64')}`);
  }
  return keys.sort();
}

describe('MNIST data', function () {
  this.timeout(20_000);
  let all: Dataset;
  before(async () => {
    all = await loadMnist();
  });

  it('decodes the 10,000 bundled digits, in class order, pixels in [0, 1]', async () => {
    assert.equal(all.count, MNIST_COUNT);
    assert.equal(all.x.length, MNIST_COUNT * 784);
    assert.ok(all.x.every((v) => v >= 0 && v <= 1));
    assert.ok(all.x.some((v) => v === 1) && all.x.some((v) => v > 0 && v < 1));
    const perClass = new Array<number>(10).fill(0);
    for (const label of all.y) perClass[label] = (perClass[label] as number) + 1;
    assert.deepEqual(perClass, [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    assert.equal(await loadMnist(), all, 'decoded once per process');
  });

  it('decodes a file exactly as JSON.parse would', async () => {
    const bytes = await readFile(join(digitsDir, '5.json'));
    const expected = Float32Array.from((JSON.parse(bytes.toString('utf8')) as { data: number[] }).data);
    assert.deepEqual(decodePixels(bytes, '5.json'), expected);
  });

  it('falls back to JSON.parse on other formatting and rejects bad content', () => {
    const pixels = Array.from({ length: 784 }, (_, i) => (i % 7) / 7);
    const spaced = Buffer.from(JSON.stringify({ data: pixels }, null, 1));
    assert.deepEqual(decodePixels(spaced, 'spaced'), Float32Array.from(pixels));
    const wrong = (text: string, why: RegExp): void =>
      assert.throws(() => decodePixels(Buffer.from(text), 'f.json'), (e: unknown) => e instanceof CohortError && why.test(e.message));
    wrong('{"data": [0,1,0.5]}', /3 values, not a multiple of 784/);
    wrong(JSON.stringify({ data: pixels.map((v) => v * 2) }), /outside \[0, 1\]/);
    wrong('{"data": [0,1,', /not valid JSON/);
    wrong('{"pixels": 3}', /no numeric "data" array/);
  });

  it('shards cover every digit exactly once, sizes differing by at most one', () => {
    for (const n of [1, 2, 3, 7, 1000]) {
      const seen = new Uint8Array(MNIST_COUNT);
      const sizes: number[] = [];
      for (let i = 1; i <= n; i++) {
        const rows = mnistShardRows(i, n);
        sizes.push(rows.length);
        for (const r of rows) seen[r] = (seen[r] as number) + 1;
      }
      assert.ok(seen.every((c) => c === 1), `N=${n}: every digit in exactly one shard`);
      assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `N=${n}: sizes ${Math.min(...sizes)}..${Math.max(...sizes)}`);
    }
  });

  it('shard sizes differ by at most one for any N (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 1000 }), (n, pick) => {
        const i = ((pick - 1) % n) + 1;
        const size = mnistShardRows(i, n).length;
        assert.ok(size === Math.floor(MNIST_COUNT / n) || size === Math.ceil(MNIST_COUNT / n));
      }),
      { seed: 42, numRuns: 100 },
    );
  });

  it('shards are a fixed permutation (deterministic, not in class order)', async () => {
    assert.deepEqual(mnistShardRows(2, 3), mnistShardRows(2, 3));
    const shard = await mnistShard(1, 3);
    const rows = mnistShardRows(1, 3);
    assert.equal(shard.count, rows.length);
    for (const k of [0, 17, shard.count - 1]) {
      const r = rows[k] as number;
      assert.equal(shard.y[k], all.y[r]);
      assert.deepEqual(shard.x.subarray(k * 784, (k + 1) * 784), all.x.subarray(r * 784, (r + 1) * 784));
    }
    const classes = new Set(shard.y);
    assert.equal(classes.size, 10, 'a random third of MNIST holds every digit');
  });

  it('splits each shard into disjoint train and held-out parts covering it', async () => {
    const parts = await Promise.all([1, 2, 3].map((i) => loadLocalData({ kind: 'mnist', shard: i, of: 3 })));
    const union: string[] = [];
    for (const [k, p] of parts.entries()) {
      const shard = await mnistShard(k + 1, 3);
      assert.equal(p.heldOut.count, Math.round(shard.count * 0.2));
      assert.equal(p.train.count + p.heldOut.count, shard.count);
      assert.deepEqual([...rowKeys(p.train), ...rowKeys(p.heldOut)].sort(), rowKeys(shard));
      assert.match(p.description, new RegExp(`^MNIST shard ${k + 1}/3: ${p.train.count} train, ${p.heldOut.count} held-out \\(784 features, labels 0..9\\)$`));
      union.push(...rowKeys(p.train), ...rowKeys(p.heldOut));
    }
    assert.deepEqual(union.sort(), rowKeys(all), 'the 3 shards together are all of MNIST, each digit once');
  });

  it('splits deterministically by seed and fraction', async () => {
    const spec = { kind: 'mnist', shard: 2, of: 5 } as const;
    const a = await loadLocalData(spec, { seed: 1 });
    const b = await loadLocalData(spec, { seed: 1 });
    const c = await loadLocalData(spec, { seed: 2 });
    assert.deepEqual(a.train.y, b.train.y);
    assert.deepEqual(a.heldOut.x, b.heldOut.x);
    assert.notDeepEqual(a.heldOut.x, c.heldOut.x);
    const none = await loadLocalData(spec, { heldOutFraction: 0 });
    assert.equal(none.heldOut.count, 0);
    assert.equal(none.train.count, 2000);
    const tiny = await loadLocalData({ kind: 'mnist', shard: 1000, of: 1000 });
    assert.equal(tiny.train.count + tiny.heldOut.count, 10);
    assert.equal(tiny.heldOut.count, 2);
  });

  it('rejects bad options', async () => {
    const spec = { kind: 'mnist', shard: 1, of: 3 } as const;
    const invalid = (why: RegExp) => (e: unknown) => e instanceof CohortError && e.code === 'invalid_argument' && why.test(e.message);
    await assert.rejects(loadLocalData(spec, { classes: 2 }), invalid(/MNIST has 10 classes but the model has 2/));
    await assert.rejects(loadLocalData(spec, { heldOutFraction: 1 }), invalid(/heldOutFraction/));
    await assert.rejects(loadLocalData(spec, { heldOutFraction: -0.1 }), invalid(/heldOutFraction/));
    await assert.rejects(loadLocalData(spec, { heldOutFraction: Number.NaN }), invalid(/heldOutFraction/));
    await assert.rejects(loadLocalData(spec, { seed: 1.5 }), invalid(/seed/));
    await assert.rejects(loadLocalData({ kind: 'mnist', shard: 1000, of: 1000 }, { heldOutFraction: 0.95 }), invalid(/too few/));
    await assert.rejects(mnistShard(0, 3), invalid(/1 ≤ I ≤ N/));
  });
});
