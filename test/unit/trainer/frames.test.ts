import assert from 'node:assert/strict';
import fc from 'fast-check';
import { type ChunkFrame, decodeDaemonMessage, decodeTrainerMessage, encodeDaemonMessage, encodeTrainerMessage, type Frame, FrameReader, isChunkFrame, MAX_FRAME_BYTES, tensorChunkFrames } from '../../../client/trainer/frames.js';
import { CohortError } from '../../../shared/errors.js';

describe('trainer contract frames', () => {
  it('hand-encoded TensorChunk frames are what protobuf decodes, for both envelopes', () => {
    const data = new Uint8Array(Float32Array.from([1.5, -2, 3.25, 4, 5]).buffer);
    const daemon = tensorChunkFrames(3, 300, data, 8);
    const trainer = tensorChunkFrames(4, 300, data, 8);
    const reader = new FrameReader();
    const bodies = reader.push(Buffer.concat(daemon)) as Buffer[];
    assert.equal(bodies.length, 3);
    const chunks = bodies.map((b) => decodeDaemonMessage(b));
    assert.deepEqual(chunks.map((m) => [m.body, m.chunk?.request, m.chunk?.data.length]), [['chunk', 300, 8], ['chunk', 300, 8], ['chunk', 300, 4]]);
    assert.deepEqual(Buffer.concat(chunks.map((m) => m.chunk?.data as Buffer)), Buffer.from(data));
    const t = (new FrameReader().push(Buffer.concat(trainer)) as Buffer[]).map((b) => decodeTrainerMessage(b));
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
          bodies.push(...(reader.push(stream.subarray(from, p)) as Buffer[]));
          from = p;
        }
        assert.equal(bodies.length, 6, '1 train request, 4 chunks (head and data each), 1 shutdown');
        assert.equal(decodeDaemonMessage(bodies[0] as Buffer).train?.options['lr'], 'cosine');
        assert.equal(decodeDaemonMessage(bodies[bodies.length - 1] as Buffer).body, 'shutdown');
        assert.equal(reader.pending, 0);
      }),
    );
  });

  it('with the chunk field, streams TensorChunk frames as views of the pushed bytes, in order with the other frames, split at any byte', () => {
    const data = new Uint8Array(1000).map((_, i) => i % 251);
    const frames = [
      encodeTrainerMessage({ trainResult: { request: 9, kind: 'RESULT_KIND_WEIGHTS', numExamples: 3 } }),
      ...tensorChunkFrames(4, 9, data, 400),
      encodeTrainerMessage({ evaluateResult: { request: 10, numExamples: 1 } }),
      ...tensorChunkFrames(4, 300_000, data.subarray(0, 8), 8),
    ];
    const stream = Buffer.concat(frames);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 12 }), (cuts) => {
        const reader = new FrameReader(MAX_FRAME_BYTES, 4);
        const out: Frame[] = [];
        let from = 0;
        for (const p of [...[...new Set(cuts)].sort((a, b) => a - b), stream.length]) {
          out.push(...reader.push(Buffer.from(stream.subarray(from, p))));
          from = p;
        }
        assert.equal(reader.pending, 0);
        assert.deepEqual(out.map((f) => (isChunkFrame(f) ? `chunk ${f.request} ${f.length}` : decodeTrainerMessage(f).body)), ['trainResult', 'chunk 9 400', 'chunk 9 400', 'chunk 9 200', 'evaluateResult', 'chunk 300000 8']);
        const chunks = out.filter(isChunkFrame);
        const joined = (c: ChunkFrame): Buffer => Buffer.concat(c.pieces);
        assert.deepEqual(Buffer.concat(chunks.slice(0, 3).map(joined)), Buffer.from(data));
        assert.deepEqual(joined(chunks[3] as ChunkFrame), Buffer.from(data.subarray(0, 8)));
      }),
    );
  });

  it('with the chunk field, buffers and decodes a TensorChunk laid out otherwise (data before request, request 0), as protobuf reads it', () => {
    const data = Buffer.from(Float32Array.from([1, 2]).buffer);
    const reversed = Buffer.concat([Buffer.from([0x22, 2 + data.length + 2, 0x12, data.length]), data, Buffer.from([0x08, 7])]);
    const zero = encodeTrainerMessage({ chunk: { request: 0, data } });
    const framed = (body: Buffer): Buffer => Buffer.concat([Buffer.from([body.length, 0, 0, 0]), body]);
    const out = new FrameReader(MAX_FRAME_BYTES, 4).push(Buffer.concat([framed(reversed), zero]));
    assert.equal(out.length, 2);
    assert.ok(out.every((f) => !isChunkFrame(f)));
    const [a, b] = out.map((f) => decodeTrainerMessage(f as Buffer));
    assert.deepEqual([a?.chunk?.request, Buffer.from(a?.chunk?.data ?? [])], [7, data]);
    assert.deepEqual([b?.chunk?.request, Buffer.from(b?.chunk?.data ?? [])], [0, data]);
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
