/** In-memory labelled datasets: the trainer's input, built by client/data/ (no I/O here). */
import { CohortError } from '../errors.js';

/** `count` examples of `features` floats each, row-major in `x`, with labels `y[i] < classes`. */
export interface Dataset {
  readonly features: number;
  readonly classes: number;
  readonly count: number;
  readonly x: Float32Array;
  readonly y: Uint8Array;
}

/** Check the shape and labels of a dataset (sizes of x and y, labels below `classes`). */
export function checkDataset(data: Dataset): void {
  const { features, classes, count } = data;
  if (!Number.isInteger(features) || features < 1) throw bad(`dataset features must be a positive integer, got ${features}`);
  if (!Number.isInteger(classes) || classes < 2 || classes > 255) throw bad(`dataset classes must be an integer in 2..255, got ${classes}`);
  if (!Number.isInteger(count) || count < 0) throw bad(`dataset count must be a non-negative integer, got ${count}`);
  if (data.x.length !== count * features) throw bad(`dataset x has ${data.x.length} values, expected count×features = ${count * features}`);
  if (data.y.length !== count) throw bad(`dataset y has ${data.y.length} labels, expected ${count}`);
  for (let i = 0; i < count; i++) {
    if ((data.y[i] as number) >= classes) throw bad(`dataset label ${data.y[i]} at row ${i} is not below classes=${classes}`);
  }
}

/** A new dataset holding copies of the given rows, in the given order. */
export function selectRows(data: Dataset, rows: ArrayLike<number>): Dataset {
  const { features } = data;
  const x = new Float32Array(rows.length * features);
  const y = new Uint8Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as number;
    x.set(data.x.subarray(r * features, (r + 1) * features), i * features);
    y[i] = data.y[r] as number;
  }
  return { features, classes: data.classes, count: rows.length, x, y };
}

/** The rows of several datasets with the same shape, one after another. */
export function concatDatasets(parts: readonly Dataset[]): Dataset {
  const first = parts[0];
  if (first === undefined) throw bad('cannot concatenate zero datasets');
  let count = 0;
  for (const p of parts) {
    if (p.features !== first.features || p.classes !== first.classes) {
      throw bad(`cannot concatenate datasets of shapes ${first.features}×${first.classes} and ${p.features}×${p.classes}`);
    }
    count += p.count;
  }
  const x = new Float32Array(count * first.features);
  const y = new Uint8Array(count);
  let at = 0;
  for (const p of parts) {
    x.set(p.x.subarray(0, p.count * p.features), at * first.features);
    y.set(p.y.subarray(0, p.count), at);
    at += p.count;
  }
  return { features: first.features, classes: first.classes, count, x, y };
}

function bad(message: string): CohortError {
  return new CohortError('invalid_argument', message);
}
