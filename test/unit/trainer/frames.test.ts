import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeDaemonMessage, decodeTrainerMessage, encodeDaemonMessage, FrameReader, MAX_FRAME_BYTES, tensorChunkFrames } from '../../../client/trainer/frames.js';
import { CohortError } from '../../../shared/errors.js';

describe('trainer contract frames', () => {
  it('hand-encoded TensorChunk frames are what protobuf decodes, for both envelopes', () => {
    const data = new Uint8Array(Float32Array.from([1.5, -2, 3.25, 4, 5]).buffer);
    const daemon = tensorChunkFrames(3, 300, data, 8);
    const trainer = tensorChunkFrames(4, 300, data, 8);
    const reader = new FrameReader();
    const bodies = reader.push(Buffer.concat(daemon));
    assert.equal(bodies.length, 3);
    const chunks = bodies.map((b) => decodeDaemonMessage(b));
    assert.deepEqual(chunks.map((m) => [m.body, m.chunk?.request, m.chunk?.data.length]), [['chunk', 300, 8], ['chunk', 300, 8], ['chunk', 300, 4]]);
    assert.deepEqual(Buffer.concat(chunks.map((m) => m.chunk?.data as Buffer)), Buffer.from(data));
    const t = new FrameReader().push(Buffer.concat(trainer)).map((b) => decodeTrainerMessage(b));
    assert.deepEqual(t.map((m) => m.body), ['chunk', 'chunk', 'chunk']);
  });

  it('reassembles frames split at any byte', () => {
    const frames = [
      encodeDaemonMessage({ train: { request: 1, round: 2, epochs: 3, options: { lr: 'cosine' } } }),
      ...tensorChunkFrames(3, 1, new Uint8Array(40).fill(7), 12),
      encodeDaemonMessage({ shutdown: {} }),
    ];
    const stream = Buffer.concat(frames);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 8 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const reader = new FrameReader();
        const bodies: Buffer[] = [];
        let from = 0;
        for (const p of [...points, stream.length]) {
          bodies.push(...reader.push(stream.subarray(from, p)));
          from = p;
        }
        assert.equal(bodies.length, 6, '1 train request, 4 chunks (head and data each), 1 shutdown');
        assert.equal(decodeDaemonMessage(bodies[0] as Buffer).train?.options['lr'], 'cosine');
        assert.equal(decodeDaemonMessage(bodies[bodies.length - 1] as Buffer).body, 'shutdown');
        assert.equal(reader.pending, 0);
      }),
    );
  });

  it('refuses an empty or oversized frame before allocating it', () => {
    const refuse = (len: number): void => {
      const head = Buffer.alloc(4);
      head.writeUInt32LE(len >>> 0, 0);
      assert.throws(() => new FrameReader().push(head), (e: unknown) => e instanceof CohortError && /frames hold 1 to 4259840 bytes/.test(e.message));
    };
    refuse(0);
    refuse(MAX_FRAME_BYTES + 1);
    refuse(0xffffffff);
  });

  it('refuses bytes that are not a message of the contract', () => {
    assert.throws(() => decodeTrainerMessage(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f])), /a frame is not a TrainerMessage/);
  });
});
