/** The range a model's input features are declared for: the scale every site agrees to give its data. */
import { CohortError } from '../errors.js';

/** Inclusive bounds, min < max. */
export interface FeatureRange {
  readonly min: number;
  readonly max: number;
}

/** Unless the coordinator's operator declares otherwise, features are scaled to [0, 1]. */
export const DEFAULT_FEATURE_RANGE: FeatureRange = { min: 0, max: 1 };

/** Parse "MIN,MAX" (e.g. "0,1" or "-3,3"). */
export function parseFeatureRange(text: string): FeatureRange {
  const parts = text.split(',').map((p) => p.trim());
  const [min, max] = parts.map(Number);
  if (parts.length !== 2 || parts.some((p) => p === '') || !Number.isFinite(min) || !Number.isFinite(max) || !((min as number) < (max as number))) {
    throw new CohortError('invalid_argument', `feature-range must be two numbers MIN,MAX with MIN below MAX (e.g. 0,1), got "${text}"`);
  }
  return { min: min as number, max: max as number };
}
