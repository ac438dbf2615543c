import { strict as assert } from 'node:assert';
import { CappedFedAvg, type SumOffload } from '../../../server/core/aggregators.js';
import { SumWorker } from '../../../server/core/sum-worker.js';
import { SeededRandom } from '../../../shared/random.js';
import type { RoundEvent } from '../../../server/core/types.js';
import { collect, deltaFor, harness, inlineSums, upload } from './fakes.js';

const D = 10_003;

/** `count` updates in shared memory (as the coordinator's upload slots are), seeded. */
function sharedUpdates(count: number): Float32Array[] {
  const rng = new SeededRandom(7);
  return Array.from({ length: count }, () => {
    const u = new Float32Array(new SharedArrayBuffer(4 * D));
    for (let i = 0; i < D; i++) u[i] = (rng.nextFloat() - 0.5) * 10 ** Math.floor(rng.nextFloat() * 8 - 4);
    return u;
  });
}

describe('FedAvg additions on a worker thread (SumWorker)', () => {
  let thread: SumWorker;
  beforeEach(() => {
    thread = new SumWorker();
  });
  afterEach(() => thread.close());

  for (const share of [1, 0.2]) {
    it(`gives the sums of adding on this thread bit for bit (max share ${share}), and apply waits for them`, async () => {
      const updates = sharedUpdates(9);
      const weights = [3, 1, 700, 2, 2, 50, 9, 1, 4];
      const here = new CappedFedAvg(D, share);
      const there = new CappedFedAvg(D, share, thread);
      const queued: Promise<void>[] = [];
      updates.forEach((u, k) => {
        assert.equal(here.add(u, weights[k] as number), undefined);
        const q = there.add(u, weights[k] as number);
        assert.ok(q instanceof Promise, 'an update in shared memory is added on the thread');
        queued.push(q);
      });
      // Counted at once, so a round's target and share cap see it before the addition ends.
      assert.equal(there.updates, 9);
      assert.throws(() => there.apply(new Float32Array(D)), /before its queued additions settled/);
      await there.settled();
      await Promise.all(queued);
      const global = new Float32Array(D).fill(0.25);
      assert.deepEqual(there.apply(global), here.apply(global));
    });
  }

  it('adds an update outside shared memory on the calling thread', async () => {
    const there = new CappedFedAvg(D, 0.2, thread);
    const plain = new Float32Array(D).fill(1);
    assert.equal(there.add(plain, 1), undefined);
    await there.settled();
    assert.equal(there.apply(new Float32Array(D))[5], 1);
  });

  it('a thread that stops refuses what it had not added, settled() rejects, and the next addition starts a new thread', async () => {
    const [u, v] = sharedUpdates(2) as [Float32Array, Float32Array];
    const lost = new CappedFedAvg(D, 1, thread);
    const queued = lost.add(u, 1);
    await thread.close();
    await assert.rejects(queued as Promise<void>, /the FedAvg addition thread failed/);
    await assert.rejects(lost.settled(), /the FedAvg addition thread failed/);
    assert.throws(() => lost.apply(new Float32Array(D)), /before its queued additions settled/);
    const next = new CappedFedAvg(D, 1, thread);
    await next.add(v, 2);
    await next.settled();
    assert.equal(next.apply(new Float32Array(D))[3], v[3]);
  });

  it('hands the sums given back to the next aggregate, zeroed, so the thread keeps referring to one buffer', async () => {
    const [u] = sharedUpdates(1) as [Float32Array];
    const first = new CappedFedAvg(D, 0.2, thread);
    await first.add(u, 3);
    await first.settled();
    const model = first.apply(new Float32Array(D));
    first.release();
    assert.throws(() => first.add(u, 1), /after release/);
    const second = new CappedFedAvg(D, 0.2, thread);
    await second.add(u, 3);
    await second.settled();
    // Reused and zeroed: the same step as a fresh aggregate's.
    assert.deepEqual(second.apply(new Float32Array(D)), model);
    const reused = thread.sums(4);
    thread.giveBack(reused);
    assert.equal(thread.sums(4), reused);
    assert.notEqual(thread.sums(4), reused);
  });

  it('refuses sums or updates that are not in shared memory', async () => {
    await assert.rejects(thread.add({ sums: new Float64Array(D), capped: false, update: sharedUpdates(1)[0] as Float32Array, weight: 1 }), /shared memory/);
  });
});

describe('Coordinator with failing FedAvg additions', () => {
  it('fails the round with the reason, keeps the model and gets its upload buffers back', async () => {
    let givenBack = 0;
    const failing: SumOffload = {
      ...inlineSums,
      add: () => Promise.reject(new Error('the FedAvg addition thread failed: exited with code 1')),
      giveBack: () => void (givenBack += 1),
    };
    const h = harness({ uploadSlots: 2, sumOffload: failing });
    const before = h.coordinator.weights.slice();
    const sessions = ['a', 'b'].map((n) => h.connect(n));
    const handle = h.coordinator.launch({ rounds: 1, settings: { minNodes: 2 } });
    const events = collect(handle.events);
    for (const s of sessions) assert.equal((await s.next()).task.kind, 'train');
    await upload(h, 'a', 1, deltaFor(0), 1);
    await upload(h, 'b', 1, deltaFor(1), 1);
    const e = (await events).at(-1) as RoundEvent;
    assert.equal(e.state, 'failed');
    assert.match(e.reason ?? '', /internal error: the FedAvg addition thread failed/);
    assert.deepEqual(h.coordinator.weights, before);
    assert.deepEqual(h.coordinator.uploadBuffers, { free: 2, total: 2 });
    // The failed round's sums go back for the next round once nothing adds to them.
    assert.equal(givenBack, 1);
  });
});
