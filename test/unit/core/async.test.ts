import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { Channel, Pool } from '../../../shared/async.js';
import { state } from './fakes.js';

describe('Pool', () => {
  it('hands out free items, then makes acquirers wait in order for releases', async () => {
    const pool = new Pool(['x']);
    assert.equal(await pool.acquire(), 'x');
    const first = pool.acquire();
    const second = pool.acquire();
    assert.equal(await state(first), 'pending');
    pool.release('x');
    assert.equal(await first, 'x');
    assert.equal(await state(second), 'pending');
    pool.release('y');
    assert.equal(await second, 'y');
  });

  it('an aborted wait rejects with the reason and no longer takes an item', async () => {
    const pool = new Pool<string>([]);
    const stop = new AbortController();
    const waiting = pool.acquire(stop.signal);
    const other = pool.acquire();
    stop.abort(new Error('gone'));
    await assert.rejects(waiting, /gone/);
    pool.release('x');
    assert.equal(await other, 'x');
  });

  it('a signal aborted before the call rejects at once instead of waiting forever', async () => {
    const stop = new AbortController();
    stop.abort(new Error('already gone'));
    const empty = new Pool<string>([]);
    const waiting = empty.acquire(stop.signal);
    assert.equal(await state(waiting), 'rejected');
    await assert.rejects(waiting, /already gone/);
    // The item stays in the pool for the next caller.
    const full = new Pool(['x']);
    await assert.rejects(full.acquire(stop.signal), /already gone/);
    assert.equal(await full.acquire(), 'x');
  });

  it('a wait that gets its item leaves no listener on the signal, however often it waits', async () => {
    // One signal per bulk connection lives for many rounds: a listener per wait would pile up.
    const pool = new Pool(['slot']);
    const connection = new AbortController();
    let held = await pool.acquire();
    for (let round = 0; round < 20; round++) {
      const waiting = pool.acquire(connection.signal);
      assert.equal(getEventListeners(connection.signal, 'abort').length, 1);
      pool.release(held);
      held = await waiting;
      assert.equal(getEventListeners(connection.signal, 'abort').length, 0);
    }
  });
});

describe('Channel', () => {
  it('delivers items pushed before and after the consumer waits, then ends', async () => {
    const ch = new Channel<number>();
    ch.push(1);
    const got: number[] = [];
    const done = (async () => {
      for await (const x of ch) got.push(x);
    })();
    await state(done);
    ch.push(2);
    ch.end();
    ch.push(3);
    await done;
    assert.deepEqual(got, [1, 2]);
  });

  it('ends with an error the consumer sees', async () => {
    const ch = new Channel<number>();
    const consume = (async () => {
      for await (const _ of ch) assert.fail('no items');
    })();
    ch.end(new Error('broken'));
    await assert.rejects(consume, /broken/);
  });
});
