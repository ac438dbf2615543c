import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { CohortError } from '../../../shared/errors.js';
import { parseCsv, readCsv } from '../../../client/data/csv.js';
import { loadLocalData } from '../../../client/data/index.js';

describe('CSV data', () => {
  let dir: string;
  let n = 0;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cohort-csv-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function file(text: string): Promise<string> {
    const path = join(dir, `t${n++}.csv`);
    await writeFile(path, text);
    return path;
  }

  async function rejects(text: string, label: string, why: RegExp, classes?: number): Promise<void> {
    const path = await file(text);
    await assert.rejects(readCsv(path, label, classes), (err: unknown) => {
      assert.ok(err instanceof CohortError, String(err));
      assert.equal(err.code, 'invalid_argument');
      assert.ok(err.message.includes(path), `names the file: ${err.message}`);
      assert.match(err.message, why);
      return true;
    });
  }

  it('reads features and labels, label column anywhere', async () => {
    const path = await file('a,label,b\n0.5,1,2\n-1e-3,0,+3.25\n.5,2,7.\n');
    const { data, featureNames } = await readCsv(path, 'label');
    assert.deepEqual(featureNames, ['a', 'b']);
    assert.equal(data.features, 2);
    assert.equal(data.count, 3);
    assert.equal(data.classes, 3, 'inferred as the largest label + 1');
    assert.deepEqual(data.x, Float32Array.of(0.5, 2, -1e-3, 3.25, 0.5, 7));
    assert.deepEqual(data.y, Uint8Array.of(1, 0, 2));
  });

  it('accepts CRLF, a BOM, spaces around fields, blank lines and label 1.0', async () => {
    const path = await file('\uFEFF x , y \r\n1, 0\r\n\r\n2 ,1.0\r\n\n');
    const { data } = await readCsv(path, 'y', 4);
    assert.deepEqual(data.x, Float32Array.of(1, 2));
    assert.deepEqual(data.y, Uint8Array.of(0, 1));
    assert.equal(data.classes, 4, 'the given class count wins');
    assert.equal((await readCsv(await file('x,y\n1,0\n'), 'y')).data.classes, 2, 'at least 2 classes');
  });

  it('names file, line and column for each kind of bad input', async () => {
    await assert.rejects(readCsv(join(dir, 'missing.csv'), 'y'), (e: unknown) => e instanceof CohortError && e.code === 'invalid_argument' && /missing\.csv: no such file/.test(e.message));
    const sub = join(dir, 'adir.csv');
    await mkdir(sub);
    await assert.rejects(readCsv(sub, 'y'), (e: unknown) => e instanceof CohortError && /is a directory/.test(e.message));
    await rejects('a,b\n1,2\n', 'y', /line 1: no label column "y" in the header \(columns: a, b\)/);
    await rejects('a,y\n1,0\n2,abc\n', 'y', /line 3: column 2 \("y"\): "abc" is not a number/);
    await rejects('a,y\n1,0\nx1,1\n', 'y', /line 3: column 1 \("a"\): "x1" is not a number/);
    await rejects('a,y\n,0\n', 'y', /line 2: column 1 \("a"\): empty value/);
    await rejects('a,y\nNaN,0\n', 'y', /line 2: column 1 \("a"\): "NaN" is not a number/);
    await rejects('a,y\nInfinity,0\n', 'y', /"Infinity" is not a number/);
    await rejects('a,y\n0x10,0\n', 'y', /"0x10" is not a number/);
    await rejects('a,y\n1e400,0\n', 'y', /line 2: column 1 \("a"\): 1e400 is not finite as a 32-bit float/);
    await rejects('a,y\n1e39,0\n', 'y', /1e39 is not finite as a 32-bit float/);
    await rejects('a,b,y\n1,2,0\n1,2\n', 'y', /line 3: has 2 fields but the header has 3/);
    await rejects('a,b,y\n1,2,0\n\n1,2,0,4\n', 'y', /line 4: has 4 fields but the header has 3/);
    await rejects('a,y\n1,3\n', 'y', /line 2: column 2 \("y"\): label 3 is not an integer class id in 0\.\.2/, 3);
    await rejects('a,y\n1,-1\n', 'y', /label -1 is not an integer class id/);
    await rejects('a,y\n1,0.5\n', 'y', /label 0\.5 is not an integer class id/);
    await rejects('a,y\n1,255\n', 'y', /label 255 is not an integer class id in 0\.\.254/);
    await rejects('', 'y', /is empty: it needs a header row/);
    await rejects('\n\n', 'y', /is empty/);
    await rejects('a,y\n', 'y', /has a header but no data rows/);
    await rejects('a,y\n\n\n', 'y', /has a header but no data rows/);
    await rejects('y\n1\n', 'y', /line 1: the header has only the label column/);
    await rejects('a,,y\n1,2,0\n', 'y', /line 1: header column 2 has no name/);
    await rejects('a,a,y\n1,2,0\n', 'y', /line 1: header names column "a" twice \(columns 1 and 2\)/);
    await rejects('"a",y\n1,0\n', 'y', /line 1: quoted fields are not supported/);
    await rejects('a,y\n"1",0\n', 'y', /line 2: quoted fields are not supported/);
    assert.throws(() => parseCsv('a,y\n1,0\n', 'mem.csv', 'y', 1), (e: unknown) => e instanceof CohortError && /classes must be an integer in 2\.\.255, got 1/.test(e.message));
  });

  it('round-trips any numeric table (property)', () => {
    const table = fc.record({
      features: fc.integer({ min: 1, max: 5 }),
      rows: fc.integer({ min: 1, max: 20 }),
      labelAt: fc.nat(),
    }).chain((s) =>
      fc.record({
        s: fc.constant(s),
        // String(-0) is "0", so -0 cannot round-trip through text.
        x: fc.array(fc.float({ noNaN: true, noDefaultInfinity: true }).map((v) => (v === 0 ? 0 : v)), { minLength: s.features * s.rows, maxLength: s.features * s.rows }),
        y: fc.array(fc.integer({ min: 0, max: 9 }), { minLength: s.rows, maxLength: s.rows }),
      }),
    );
    fc.assert(
      fc.property(table, ({ s, x, y }) => {
        const at = s.labelAt % (s.features + 1);
        const names = Array.from({ length: s.features }, (_, i) => `f${i}`);
        const header = [...names.slice(0, at), 'label', ...names.slice(at)];
        const lines = y.map((label, r) => {
          const row = x.slice(r * s.features, (r + 1) * s.features).map(String);
          return [...row.slice(0, at), String(label), ...row.slice(at)].join(',');
        });
        const { data, featureNames } = parseCsv([header.join(','), ...lines].join('\n'), 'mem.csv', 'label', 10);
        assert.deepEqual(featureNames, names);
        assert.deepEqual(data.x, Float32Array.from(x));
        assert.deepEqual(data.y, Uint8Array.from(y));
      }),
      { seed: 42, numRuns: 100 },
    );
  });

  it('loads a CSV as local data, split with a seeded shuffle', async () => {
    const rows = Array.from({ length: 50 }, (_, i) => `${i},${i % 2}`);
    const path = await file(['v,y', ...rows].join('\n'));
    const a = await loadLocalData({ kind: 'csv', path, label: 'y' }, { seed: 3 });
    const b = await loadLocalData({ kind: 'csv', path, label: 'y' }, { seed: 3 });
    assert.equal(a.heldOut.count, 10);
    assert.equal(a.train.count, 40);
    assert.deepEqual(a.heldOut.x, b.heldOut.x);
    const seen = [...a.train.x, ...a.heldOut.x].sort((p, q) => p - q);
    assert.deepEqual(seen, Array.from({ length: 50 }, (_, i) => i));
    for (const d of [a.train, a.heldOut]) d.x.forEach((v, i) => assert.equal(d.y[i], v % 2));
    assert.equal(a.description, `CSV ${path} (label "y"): 40 train, 10 held-out (1 feature, labels 0..1)`);
    await assert.rejects(loadLocalData({ kind: 'csv', path, label: 'y' }, { classes: 1 }), /classes must be an integer/);
  });
});
