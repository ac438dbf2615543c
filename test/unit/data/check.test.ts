import assert from 'node:assert/strict';
import { checkAgainstModel, type CheckedData, featureRangeWarnings, labelWarnings } from '../../../client/data/check.js';
import type { Dataset } from '../../../shared/model/dataset.js';
import { parseFeatureRange } from '../../../shared/model/feature-range.js';
import { parseModelSpec } from '../../../shared/model/spec.js';

/** A dataset whose row i has the features `row(i)` and the label `label(i)`. */
function dataset(count: number, features: number, row: (i: number) => number[], label: (i: number) => number): Dataset {
  const x = new Float32Array(count * features);
  const y = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    x.set(row(i), i * features);
    y[i] = label(i);
  }
  return { features, classes: Math.max(2, ...y) + 1, count, x, y };
}

const NAMES = ['age', 'bmi', 'systolic', 'glucose'];
const scaled = (i: number): number[] => [(i % 10) / 10, 0.5, 0.25, 1];

describe('a node\'s checks of its own data', () => {
  const model = parseModelSpec({ features: 4, classes: 2 });

  it('accepts data that fits the model, including a site that lacks a class', () => {
    const both: CheckedData = { parts: [dataset(30, 4, scaled, (i) => i % 2)], featureNames: NAMES, labelName: 'outcome' };
    assert.equal(checkAgainstModel(both, model), undefined);
    const onlyZeros: CheckedData = { parts: [dataset(30, 4, scaled, () => 0)] };
    assert.equal(checkAgainstModel(onlyZeros, parseModelSpec({ features: 4, classes: 3 })), undefined);
  });

  it('names another number of features: short for the coordinator, in the data\'s terms for the node', () => {
    const wide: CheckedData = { parts: [dataset(10, 8, () => [0, 0, 0, 0, 0, 0, 0, 0], (i) => i % 2)], featureNames: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'] };
    const p = checkAgainstModel(wide, parseModelSpec({ features: 784, classes: 10 }));
    assert.equal(p?.category, 'data');
    assert.equal(p?.reason, 'data has 8 features, the model expects 784');
    assert.equal(
      p?.detail,
      "the coordinator's model expects 784 features but this node's data has 8 (columns a, b, c, d, e and 3 more): start the coordinator with --features 8 if this is the table the federation agreed on, or give this node that table",
    );
  });

  it('explains labels coded 1..K and how to recode them, counting the rows on the node only', () => {
    // 300 of 600 rows carry label 2: a two-class table coded 1/2.
    const coded: CheckedData = { parts: [dataset(400, 4, scaled, (i) => 1 + (i % 2)), dataset(200, 4, scaled, (i) => 1 + (i % 2))], labelName: 'outcome' };
    const p = checkAgainstModel(coded, model);
    assert.equal(p?.category, 'data');
    assert.equal(p?.reason, 'data has labels outside 0..1, the model has 2 classes');
    assert.equal(p?.detail, 'labels must be 0..1 in column "outcome"; found 2 in 300 rows; they look coded 1..2: recode them as 0..1 (subtract 1 from every label)');
    for (const secret of ['300', 'outcome', '600']) assert.ok(!p?.reason.includes(secret), `the reason sent must not carry "${secret}"`);
  });

  it('suggests --classes when labels go past the model and do not look 1-based', () => {
    const p = checkAgainstModel({ parts: [dataset(9, 4, scaled, (i) => i % 5)] }, model);
    assert.equal(p?.detail, 'labels must be 0..1; found 2, 3, 4 in 5 rows; recode the labels as 0..1, or start the coordinator with --classes 5 if the federation has that many classes');
  });

  it('says a site has no examples', () => {
    const p = checkAgainstModel({ parts: [dataset(0, 4, scaled, () => 0)] }, model);
    assert.equal(p?.category, 'no_data');
  });

  it('warns, when loading, about labels that never use 0', () => {
    assert.deepEqual(labelWarnings({ parts: [dataset(6, 4, scaled, (i) => 1 + (i % 2))], labelName: 'outcome' }), [
      'the label column "outcome" runs 1..2 and no row has label 0: Cohort numbers classes from 0, so these read as 3 classes with class 0 never seen; if they are 2 classes coded from 1, recode them as 0..1 (subtract 1)',
    ]);
    assert.deepEqual(labelWarnings({ parts: [dataset(6, 4, scaled, (i) => i % 2)] }), []);
  });

  it('warns about features far outside the declared range and says how to scale them', () => {
    const ages: CheckedData = { parts: [dataset(50, 4, (i) => [20 + i, 0.5, 180, 1], () => 0)], featureNames: NAMES };
    assert.deepEqual(featureRangeWarnings(ages, { min: 0, max: 1 }), [
      '2 of 4 features fall far outside the model\'s input range [0, 1]: "age" (20 to 69), "systolic" (180 to 180). Scale each column to [0, 1] before training, e.g. (x - min) / (max - min) with min and max agreed by every site (the same for all), or unscaled values can make the whole federation\'s loss blow up',
    ]);
  });

  it('does not warn about scaled data, or about values just past the range', () => {
    assert.deepEqual(featureRangeWarnings({ parts: [dataset(50, 4, scaled, () => 0)] }, { min: 0, max: 1 }), []);
    // Within one range width of either end is not "far": -1..2 for [0, 1].
    assert.deepEqual(featureRangeWarnings({ parts: [dataset(2, 4, (i) => [i === 0 ? -1 : 2, 0, 0, 0], () => 0)] }, { min: 0, max: 1 }), []);
  });

  it('checks against a declared range other than [0, 1]', () => {
    const z: CheckedData = { parts: [dataset(20, 4, (i) => [(i - 10) / 4, 0, 0, 0], () => 0)] };
    const range = parseFeatureRange('-3,3');
    assert.deepEqual(featureRangeWarnings(z, range), []);
    const [warning] = featureRangeWarnings(z, { min: 0, max: 0.1 });
    assert.match(warning ?? '', /feature 1 \(-2\.5 to 2\.25\)[^]*e\.g\. 0 \+ \(x - min\) \* 0\.1 \/ \(max - min\)/);
  });

  it('parses a declared range and refuses one that is empty or reversed', () => {
    assert.deepEqual(parseFeatureRange('0,1'), { min: 0, max: 1 });
    assert.deepEqual(parseFeatureRange(' -3 , 3 '), { min: -3, max: 3 });
    for (const bad of ['1,0', '0,0', '0', '0,1,2', 'a,b', ',1']) assert.throws(() => parseFeatureRange(bad), /feature-range must be two numbers MIN,MAX/, bad);
  });
});
