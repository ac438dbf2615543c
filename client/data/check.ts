/**
 * A node's checks of its own data: against the coordinator's model (features, label
 * range) and against the range the model's inputs were declared for. What they find is
 * said to this node's operator in the data's own terms; only a decline's category and
 * a short reason that says how the shape differs from the model ever leave the node.
 */
import type { FeatureRange } from '../../shared/model/feature-range.js';
import type { ModelSpec } from '../../shared/model/spec.js';
import type { Dataset } from '../../shared/model/dataset.js';

/** Why a node's data cannot be used with a model. */
export interface DataProblem {
  readonly category: 'data' | 'no_data';
  /** Sent with the decline: how the data's shape differs from the model, nothing more. */
  readonly reason: string;
  /** For this node's own log: the problem in the data's terms and how to fix it. */
  readonly detail: string;
}

/** What the checks need to know about a node's data. */
export interface CheckedData {
  /** Every local example (training and held-out). */
  readonly parts: readonly Dataset[];
  /** Column names of the features, in order (CSV); absent for unnamed data. */
  readonly featureNames?: readonly string[];
  /** The label column's name (CSV). */
  readonly labelName?: string;
}

/** "3 rows" / "1 row". */
function rows(n: number): string {
  return `${n} row${n === 1 ? '' : 's'}`;
}

/** Up to `max` items, then "and N more". */
function some(items: readonly string[], max = 5): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

/** Per label value, how many rows carry it. */
function labelCounts(parts: readonly Dataset[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const d of parts) for (let i = 0; i < d.count; i++) counts.set(d.y[i] as number, (counts.get(d.y[i] as number) ?? 0) + 1);
  return counts;
}

/**
 * Check the data against `model`: the same number of features, and every label in
 * 0..classes-1 (a node may lack some classes: a hospital without any case of one).
 */
export function checkAgainstModel(data: CheckedData, model: ModelSpec): DataProblem | undefined {
  const first = data.parts[0];
  const total = data.parts.reduce((n, d) => n + d.count, 0);
  if (!first || total === 0) return { category: 'no_data', reason: 'no examples to train on', detail: 'this node has no examples at all' };
  const features = first.features;
  if (features !== model.features) {
    const columns = data.featureNames ? ` (columns ${some(data.featureNames)})` : '';
    return {
      category: 'data',
      reason: `data has ${features} features, the model expects ${model.features}`,
      detail:
        `the coordinator's model expects ${model.features} features but this node's data has ${features}${columns}: ` +
        `start the coordinator with --features ${features} if this is the table the federation agreed on, or give this node that table`,
    };
  }
  const k = model.classes;
  const counts = labelCounts(data.parts);
  const outside = [...counts.keys()].filter((label) => label >= k).sort((a, b) => a - b);
  if (outside.length > 0) {
    const n = outside.reduce((sum, label) => sum + (counts.get(label) ?? 0), 0);
    const column = data.labelName ? ` in column "${data.labelName}"` : '';
    const labels = [...counts.keys()];
    const oneBased = !counts.has(0) && Math.min(...labels) === 1 && Math.max(...labels) === k;
    const fix = oneBased
      ? `they look coded 1..${k}: recode them as 0..${k - 1} (subtract 1 from every label)`
      : `recode the labels as 0..${k - 1}, or start the coordinator with --classes ${Math.max(...labels) + 1} if the federation has that many classes`;
    return {
      category: 'data',
      reason: `data has labels outside 0..${k - 1}, the model has ${k} classes`,
      detail: `labels must be 0..${k - 1}${column}; found ${some(outside.map(String))} in ${rows(n)}; ${fix}`,
    };
  }
  return undefined;
}

/**
 * Warnings about labels that are valid but look miscoded: no row has label 0, so 1..K
 * reads as K+1 classes with class 0 never seen.
 */
export function labelWarnings(data: CheckedData): string[] {
  const counts = labelCounts(data.parts);
  if (counts.size === 0 || counts.has(0)) return [];
  const labels = [...counts.keys()];
  const lo = Math.min(...labels);
  const hi = Math.max(...labels);
  const column = data.labelName ? `the label column "${data.labelName}" runs` : 'the labels run';
  return [
    `${column} ${lo}..${hi} and no row has label 0: Cohort numbers classes from 0, so these read as ${hi + 1} classes with class 0 never seen; ` +
      `if they are ${hi - lo + 1} classes coded from ${lo}, recode them as 0..${hi - lo} (subtract ${lo})`,
  ];
}

/** How far outside the declared range counts as "far": one range width beyond either end. */
const FAR = 1;

/**
 * Warnings when features fall far outside the range the model was declared for (more
 * than one range width beyond either end, e.g. below -1 or above 2 for [0, 1]): the
 * usual sign of a column that was not scaled, which can make the federation's loss blow up.
 */
export function featureRangeWarnings(data: CheckedData, range: FeatureRange): string[] {
  const first = data.parts[0];
  if (!first) return [];
  const f = first.features;
  const lo = new Float64Array(f).fill(Infinity);
  const hi = new Float64Array(f).fill(-Infinity);
  for (const d of data.parts) {
    for (let i = 0; i < d.count; i++) {
      for (let j = 0; j < f; j++) {
        const v = d.x[i * f + j] as number;
        if (v < (lo[j] as number)) lo[j] = v;
        if (v > (hi[j] as number)) hi[j] = v;
      }
    }
  }
  const width = range.max - range.min;
  const far: string[] = [];
  for (let j = 0; j < f; j++) {
    if ((lo[j] as number) < range.min - FAR * width || (hi[j] as number) > range.max + FAR * width) {
      const name = data.featureNames?.[j] !== undefined ? `"${data.featureNames[j]}"` : `feature ${j + 1}`;
      far.push(`${name} (${num(lo[j] as number)} to ${num(hi[j] as number)})`);
    }
  }
  if (far.length === 0) return [];
  const target = `[${num(range.min)}, ${num(range.max)}]`;
  const formula = range.min === 0 && range.max === 1 ? '(x - min) / (max - min)' : `${num(range.min)} + (x - min) * ${num(width)} / (max - min)`;
  return [
    `${far.length} of ${f} feature${f === 1 ? '' : 's'} fall far outside the model's input range ${target}: ${some(far, 3)}. ` +
      `Scale each column to ${target} before training, e.g. ${formula} with min and max agreed by every site (the same for all), ` +
      'or unscaled values can make the whole federation\'s loss blow up',
  ];
}

/** A number for a sentence: at most 4 significant digits, no exponent for everyday sizes. */
function num(x: number): string {
  if (x === 0) return '0';
  return Math.abs(x) >= 1e-3 && Math.abs(x) < 1e7 ? String(Number(x.toPrecision(4))) : x.toPrecision(3);
}
