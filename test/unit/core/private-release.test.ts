/** What a private round releases: with q < 1 the model step is the noised sum over the expected number of participants. */
import assert from 'node:assert/strict';
import { autoAnswer, collect, D, deltaFor, harness, scriptedRandom } from './fakes.js';

describe('private rounds: the released model is a function of the noised sum alone', function () {
  it('with q < 1 it divides by q × connected nodes, not by how many were selected', async function () {
      // Draws: 0.1, 0.2, 0.3 select three of four nodes at q = 0.5; 0.9 leaves the fourth out.
      const h = harness({ samplingRng: scriptedRandom([0.1, 0.2, 0.3, 0.9]) });
      const names = ['a', 'b', 'c', 'd'];
      const deltas = new Map(names.map((n, k) => [n, deltaFor(k).map((x) => x / 64)]));
      for (const n of names) {
        autoAnswer(h, h.connect(n), {
          train: () => ({ delta: deltas.get(n) as Float32Array, examples: 10 }),
          evaluate: () => ({ numExamples: 10, accuracy: 0.5, loss: 1 }),
        });
      }
      const before = h.coordinator.weights;
      const events = await collect(h.coordinator.launch({ rounds: 1, settings: { sampleRate: 0.5, minNodes: 2, noiseMultiplier: 1e-6, clipNorm: 100, noise: 'central' } }).events);
      const end = events[events.length - 1];
      assert.equal(end?.state, 'completed', end?.reason);
      assert.equal(end?.participants, 3);
      const after = h.coordinator.weights;
      const sum = Float64Array.from({ length: D }, (_, i) => ['a', 'b', 'c'].reduce((s, n) => s + ((deltas.get(n) as Float32Array)[i] as number), 0));
      for (let i = 0; i < D; i++) {
        const step = (after[i] as number) - (before[i] as number);
        assert.ok(Math.abs(step - (sum[i] as number) / 2) < 1e-4, `coordinate ${i}: step ${step}, Σ/(q·4) = ${(sum[i] as number) / 2}, Σ/3 = ${(sum[i] as number) / 3}`);
      }
      assert.deepEqual(h.errors, []);
      await h.coordinator.close();
    });
});
