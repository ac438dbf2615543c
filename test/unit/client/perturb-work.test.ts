import assert from 'node:assert/strict';
import { PerturbWork } from '../../../client/core/work.js';
import type { IncomingTask } from '../../../client/core/agent.js';

describe('PerturbWork', () => {
  it('returns +step, −step, … for every length, with the step set by the seed', () => {
    const work = new PerturbWork();
    for (const length of [0, 1, 2, 3, 5, 8, 1000, 1025]) {
      for (const seed of [0, 3, 13]) {
        const step = Math.fround(1e-3 * ((seed % 7) + 1));
        const { delta, numExamples } = work.train({ seed } as IncomingTask, new Float32Array(length));
        assert.equal(delta.length, length);
        assert.equal(numExamples, 1);
        delta.forEach((x, i) => assert.equal(x, i % 2 === 0 ? step : -step, `length ${length}, index ${i}`));
      }
    }
  });
});
