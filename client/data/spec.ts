/** The `--data SPEC` option of `cohort node`: which local data a node trains on. */
import { CohortError } from '../../shared/errors.js';

/** A node's data: a shard of the bundled MNIST, or a CSV file with a label column. */
export type DataSpec = { kind: 'mnist'; shard: number; of: number } | { kind: 'csv'; path: string; label: string };

/** Largest shard count `mnist:I/N` accepts. */
export const MAX_MNIST_SHARDS = 1000;

const FORMS = '--data must be mnist:I/N (shard I of N, 1-based, e.g. mnist:1/3) or csv:PATH with --label COLUMN';

/** Parse `mnist:I/N` or `csv:PATH` (the latter with `label`, from `--label COLUMN`). */
export function parseDataSpec(spec: string, label?: string): DataSpec {
  const fail = (why: string): CohortError => new CohortError('usage', `${FORMS}; got ${JSON.stringify(spec)}: ${why}`);
  const colon = spec.indexOf(':');
  const kind = colon < 0 ? spec : spec.slice(0, colon);
  const rest = colon < 0 ? '' : spec.slice(colon + 1);
  if (kind === 'mnist') {
    if (label !== undefined) throw fail('--label applies to csv data only');
    const m = /^(\d+)\/(\d+)$/.exec(rest);
    if (!m) throw fail(rest === '' ? 'missing shard I/N after "mnist:"' : 'shard must be two whole numbers I/N');
    const shard = Number(m[1]);
    const of = Number(m[2]);
    if (of < 1) throw fail('shard count N must be at least 1');
    if (of > MAX_MNIST_SHARDS) throw fail(`shard count N must be at most ${MAX_MNIST_SHARDS}`);
    if (shard < 1) throw fail('shard index starts at 1');
    if (shard > of) throw fail(`shard index ${shard} is larger than the shard count ${of}`);
    return { kind: 'mnist', shard, of };
  }
  if (kind === 'csv') {
    if (rest.trim() === '') throw fail('missing file path after "csv:"');
    if (label === undefined || label.trim() === '') throw fail('csv data needs --label COLUMN naming the label column');
    return { kind: 'csv', path: rest, label: label.trim() };
  }
  if (spec.trim() === '') throw fail('the value is empty');
  throw fail(colon < 0 ? 'missing the "mnist:" or "csv:" prefix' : `unknown data kind "${kind}"`);
}
