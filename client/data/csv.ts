/**
 * CSV datasets: a header row, then one example per line; every column but the label is a
 * numeric feature, the label column holds integer class ids 0..classes-1.
 *
 * Limits, on purpose: fields are split on commas only, so quoted fields are rejected
 * (not parsed); blank lines are skipped; features are used as they are, so scale them
 * beforehand (e.g. to [0, 1] or to zero mean and unit variance) or SGD may diverge.
 */
import { readFile } from 'node:fs/promises';
import { CohortError } from '../../shared/errors.js';
import type { Dataset } from '../../shared/model/dataset.js';

/** Largest class count (labels are stored as bytes). */
const MAX_CLASSES = 255;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A parsed CSV table: the dataset plus the feature column names, in order. */
export interface CsvTable {
  readonly data: Dataset;
  readonly featureNames: readonly string[];
}

/** Read and parse a CSV file; every failure is an `invalid_argument` naming the file. */
export async function readCsv(path: string, label: string, classes?: number): Promise<CsvTable> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (err as Error).message;
    throw new CohortError('invalid_argument', `cannot read CSV file ${path}: ${why}`, { cause: err });
  }
  return parseCsv(text, path, label, classes);
}

/**
 * Parse CSV text (`name` is used in messages). Without `classes`, the class count is the
 * largest label plus one (at least 2).
 */
export function parseCsv(text: string, name: string, label: string, classes?: number): CsvTable {
  if (classes !== undefined && (!Number.isInteger(classes) || classes < 2 || classes > MAX_CLASSES)) {
    throw new CohortError('invalid_argument', `classes must be an integer in 2..${MAX_CLASSES}, got ${classes}`);
  }
  const fail = (line: number, why: string): CohortError => new CohortError('invalid_argument', `CSV file ${name}, line ${line}: ${why}`);
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  const headerAt = lines.findIndex((l) => l.trim() !== '');
  if (headerAt < 0) throw new CohortError('invalid_argument', `CSV file ${name} is empty: it needs a header row and at least one data row`);
  const header = splitRow(lines[headerAt] as string, headerAt + 1, fail).map((h) => h.trim());
  header.forEach((h, i) => {
    if (h === '') throw fail(headerAt + 1, `header column ${i + 1} has no name`);
    if (header.indexOf(h) !== i) throw fail(headerAt + 1, `header names column "${h}" twice (columns ${header.indexOf(h) + 1} and ${i + 1})`);
  });
  const labelCol = header.indexOf(label);
  if (labelCol < 0) {
    const shown = header.length > 20 ? `${header.slice(0, 20).join(', ')}, …` : header.join(', ');
    throw fail(headerAt + 1, `no label column "${label}" in the header (columns: ${shown})`);
  }
  if (header.length < 2) throw fail(headerAt + 1, 'the header has only the label column; at least one feature column is needed');
  const features = header.length - 1;

  const dataLines: number[] = [];
  for (let i = headerAt + 1; i < lines.length; i++) if ((lines[i] as string).trim() !== '') dataLines.push(i);
  if (dataLines.length === 0) throw new CohortError('invalid_argument', `CSV file ${name} has a header but no data rows`);

  const x = new Float32Array(dataLines.length * features);
  const y = new Uint8Array(dataLines.length);
  let maxLabel = 0;
  dataLines.forEach((li, row) => {
    const lineNo = li + 1;
    const fields = splitRow(lines[li] as string, lineNo, fail);
    if (fields.length !== header.length) throw fail(lineNo, `has ${fields.length} fields but the header has ${header.length}`);
    let f = row * features;
    for (let c = 0; c < fields.length; c++) {
      const raw = (fields[c] as string).trim();
      const where = `column ${c + 1} ("${header[c]}")`;
      if (!NUMBER.test(raw)) throw fail(lineNo, `${where}: ${raw === '' ? 'empty value' : `"${clip(raw)}" is not a number`}`);
      const v = Number(raw);
      if (c === labelCol) {
        const limit = classes ?? MAX_CLASSES;
        if (!Number.isInteger(v) || v < 0 || v >= limit) {
          throw fail(lineNo, `${where}: label ${raw} is not an integer class id in 0..${limit - 1}`);
        }
        y[row] = v;
        maxLabel = Math.max(maxLabel, v);
      } else {
        const single = Math.fround(v);
        if (!Number.isFinite(single)) throw fail(lineNo, `${where}: ${raw} is not finite as a 32-bit float`);
        x[f++] = single;
      }
    }
  });
  const data: Dataset = { features, classes: classes ?? Math.max(2, maxLabel + 1), count: dataLines.length, x, y };
  return { data, featureNames: header.filter((_, i) => i !== labelCol) };
}

function splitRow(line: string, lineNo: number, fail: (line: number, why: string) => CohortError): string[] {
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  if (text.includes('"')) throw fail(lineNo, 'quoted fields are not supported; write plain comma-separated numbers without quotes');
  return text.split(',');
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}
