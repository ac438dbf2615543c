import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CohortError } from '../../../shared/errors.js';
import { parseDataSpec } from '../../../client/data/spec.js';

function usageError(spec: string, label: string | undefined, why: RegExp): void {
  assert.throws(
    () => parseDataSpec(spec, label),
    (err: unknown) =>
      err instanceof CohortError &&
      err.code === 'usage' &&
      err.message.startsWith('--data must be mnist:I/N (shard I of N, 1-based, e.g. mnist:1/3) or csv:PATH with --label COLUMN; got ') &&
      err.message.includes(JSON.stringify(spec)) &&
      why.test(err.message),
  );
}

describe('parseDataSpec', () => {
  it('accepts mnist:I/N and csv:PATH with a label', () => {
    assert.deepEqual(parseDataSpec('mnist:1/3'), { kind: 'mnist', shard: 1, of: 3 });
    assert.deepEqual(parseDataSpec('mnist:3/3'), { kind: 'mnist', shard: 3, of: 3 });
    assert.deepEqual(parseDataSpec('mnist:1/1'), { kind: 'mnist', shard: 1, of: 1 });
    assert.deepEqual(parseDataSpec('mnist:1000/1000'), { kind: 'mnist', shard: 1000, of: 1000 });
    assert.deepEqual(parseDataSpec('csv:data/a.csv', 'outcome'), { kind: 'csv', path: 'data/a.csv', label: 'outcome' });
    assert.deepEqual(parseDataSpec('csv:C:/x:y.csv', ' y '), { kind: 'csv', path: 'C:/x:y.csv', label: 'y' });
  });

  it('gives the exact message for a zero shard index', () => {
    assert.throws(() => parseDataSpec('mnist:0/3'), {
      name: 'CohortError',
      message: '--data must be mnist:I/N (shard I of N, 1-based, e.g. mnist:1/3) or csv:PATH with --label COLUMN; got "mnist:0/3": shard index starts at 1',
    });
  });

  it('rejects every malformed form with a usage error that says why', () => {
    usageError('mnist:4/3', undefined, /shard index 4 is larger than the shard count 3/);
    usageError('mnist:1/0', undefined, /shard count N must be at least 1/);
    usageError('mnist:0/0', undefined, /shard count N must be at least 1/);
    usageError('mnist:1/1001', undefined, /at most 1000/);
    usageError('mnist:1', undefined, /two whole numbers I\/N/);
    usageError('mnist:', undefined, /missing shard I\/N/);
    usageError('mnist', undefined, /missing shard I\/N/);
    usageError('mnist:a/b', undefined, /two whole numbers/);
    usageError('mnist:-1/3', undefined, /two whole numbers/);
    usageError('mnist:1.5/3', undefined, /two whole numbers/);
    usageError('mnist: 1/3', undefined, /two whole numbers/);
    usageError('mnist:1/3/5', undefined, /two whole numbers/);
    usageError('mnist:1/3', 'y', /--label applies to csv data only/);
    usageError('csv:', 'y', /missing file path/);
    usageError('csv:a.csv', undefined, /needs --label COLUMN/);
    usageError('csv:a.csv', '  ', /needs --label COLUMN/);
    usageError('', undefined, /empty/);
    usageError('data.csv', 'y', /missing the "mnist:" or "csv:" prefix/);
    usageError('parquet:x', undefined, /unknown data kind "parquet"/);
    usageError('MNIST:1/3', undefined, /unknown data kind "MNIST"/);
  });

  it('accepts exactly the shards 1 ≤ I ≤ N ≤ 1000', () => {
    fc.assert(
      fc.property(fc.integer({ min: -5, max: 1100 }), fc.integer({ min: -5, max: 1100 }), (i, n) => {
        const spec = `mnist:${i}/${n}`;
        const valid = i >= 1 && n >= 1 && i <= n && n <= 1000;
        if (valid) assert.deepEqual(parseDataSpec(spec), { kind: 'mnist', shard: i, of: n });
        else assert.throws(() => parseDataSpec(spec), (err: unknown) => err instanceof CohortError && err.code === 'usage');
      }),
      { seed: 42, numRuns: 500 },
    );
  });
});
