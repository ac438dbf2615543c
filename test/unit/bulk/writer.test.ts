/** The bulk send queue's limits and failures, on a scripted socket and a manual clock. */
import assert from 'node:assert/strict';
import { FrameWriter, SLICE_BYTES, type WritableSocket } from '../../../shared/bulk/writer.js';
import { ManualClock } from '../../../shared/clock.js';
import { CohortError } from '../../../shared/errors.js';

/** A socket whose writes complete only when the test says (or fail with `error`). */
class ScriptedSocket implements WritableSocket {
  destroyed = false;
  readonly writes: Uint8Array[] = [];
  private readonly callbacks: Array<(err?: Error | null) => void> = [];

  write(data: Uint8Array, cb: (err?: Error | null) => void): boolean {
    this.writes.push(data);
    this.callbacks.push(cb);
    return false;
  }

  /** Complete the oldest outstanding write (with `error`, it fails). */
  take(error?: Error): void {
    const cb = this.callbacks.shift();
    assert.ok(cb, 'a write is outstanding');
    cb(error ?? null);
  }
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function writer(socket: ScriptedSocket, maxQueuedBytes: number, clock = new ManualClock(0)): { w: FrameWriter; failures: CohortError[]; clock: ManualClock } {
  const failures: CohortError[] = [];
  const w = new FrameWriter(socket, { clock, progressTimeoutMs: 1_000, maxQueuedBytes }, (err) => failures.push(err));
  return { w, failures, clock };
}

describe('bulk FrameWriter', () => {
  it('writes a frame a slice at a time, each after the previous one is taken, and resolves once all is handed over', async () => {
    const socket = new ScriptedSocket();
    const { w } = writer(socket, 4 * SLICE_BYTES);
    const payload = new Uint8Array(SLICE_BYTES + 10);
    let sent = false;
    const done = w.send(new Uint8Array(8), payload).then(() => (sent = true));
    await settle();
    assert.equal(socket.writes.length, 1, 'only the header is written until the kernel takes it');
    for (let i = 0; i < 3; i++) {
      socket.take();
      await settle();
    }
    await done;
    assert.ok(sent);
    assert.deepEqual(socket.writes.map((b) => b.byteLength), [8, SLICE_BYTES, 10]);
    assert.equal(w.queuedBytes, 0);
  });

  it('refuses a frame that would pass the byte bound with resource_exhausted, reports the peer once and rejects what was queued', async () => {
    const socket = new ScriptedSocket();
    const { w, failures } = writer(socket, 1_000);
    const first = w.send(new Uint8Array(600));
    const over = w.send(new Uint8Array(500));
    await assert.rejects(over, (e: unknown) => e instanceof CohortError && e.code === 'resource_exhausted' && /600 bytes queued for it and 500 more would pass the limit of 1000/.test(e.message));
    await assert.rejects(first, (e: unknown) => e instanceof CohortError && e.code === 'resource_exhausted');
    assert.equal(failures.length, 1);
    assert.equal(w.queuedBytes, 0, 'everything queued is dropped');
    await assert.rejects(w.send(new Uint8Array(1)), (e: unknown) => e instanceof CohortError && e.code === 'resource_exhausted', 'and later sends are refused with the same error');
    assert.equal(failures.length, 1, 'reported once');
  });

  it('turns a failed socket write into unavailable: the frame rejects and the failure is reported once', async () => {
    const socket = new ScriptedSocket();
    const { w, failures } = writer(socket, 10_000);
    const sent = w.send(new Uint8Array(100));
    await settle();
    socket.take(new Error('EPIPE'));
    await assert.rejects(sent, (e: unknown) => e instanceof CohortError && e.code === 'unavailable' && /write failed: EPIPE/.test(e.message));
    assert.equal(failures.length, 1);
    assert.equal(failures[0]?.code, 'unavailable');
    assert.equal(w.queuedBytes, 0);
  });

  it('reports a peer that takes nothing for the progress timeout as deadline_exceeded, not before', async () => {
    const socket = new ScriptedSocket();
    const { w, failures, clock } = writer(socket, 10_000);
    const sent = w.send(new Uint8Array(100));
    await settle();
    clock.advance(999);
    assert.equal(failures.length, 0);
    clock.advance(1);
    await assert.rejects(sent, (e: unknown) => e instanceof CohortError && e.code === 'deadline_exceeded' && /took nothing of 100 queued bytes for 1000 ms/.test(e.message));
    assert.equal(failures.length, 1);
  });

  it('refuses writes on a destroyed socket as unavailable', async () => {
    const socket = new ScriptedSocket();
    socket.destroyed = true;
    const { w, failures } = writer(socket, 10_000);
    await assert.rejects(w.send(new Uint8Array(10)), (e: unknown) => e instanceof CohortError && e.code === 'unavailable' && /connection closed/.test(e.message));
    assert.equal(failures.length, 1);
  });
});
