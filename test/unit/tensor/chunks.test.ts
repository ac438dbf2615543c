import assert from 'node:assert/strict';
import fc from 'fast-check';
import { toChunks } from '../../../shared/tensor/chunks.js';

describe('toChunks (ExportModel chunks)', () => {
  it('cuts any vector into full chunks and a shorter last one that rejoin bit for bit (property)', () => {
    fc.assert(
      fc.property(fc.float32Array({ maxLength: 300 }), fc.integer({ min: 1, max: 64 }), (values, words) => {
        const chunkBytes = words * 4;
        const chunks = toChunks(values, chunkBytes);
        assert.equal(chunks.length, Math.max(1, Math.ceil(values.length / words)));
        for (let i = 0; i < chunks.length - 1; i++) assert.equal(chunks[i]?.byteLength, chunkBytes);
        const joined = Buffer.concat(chunks);
        assert.ok(joined.equals(Buffer.from(values.buffer, values.byteOffset, values.byteLength)));
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  it('chunks are zero-copy views of the vector, also for a subarray', () => {
    const base = Float32Array.from({ length: 12 }, (_, i) => i);
    const v = base.subarray(2, 11); // 9 values, byteOffset 8
    const chunks = toChunks(v, 16);
    assert.deepEqual(chunks.map((c) => c.byteLength), [16, 16, 4]);
    for (const c of chunks) assert.equal(c.buffer, base.buffer);
    assert.equal(chunks[0]?.byteOffset, 8);
    assert.equal(chunks[0]?.readFloatLE(0), 2);
    v[4] = 99.5;
    assert.equal(chunks[1]?.readFloatLE(0), 99.5, 'a write to the vector shows through the chunk');
    assert.equal(chunks[2]?.readFloatLE(0), 10);
  });

  it('an empty vector travels as one empty chunk', () => {
    assert.deepEqual(toChunks(new Float32Array(0), 8).map((c) => c.byteLength), [0]);
  });

  it('refuses a chunk size that is not a positive multiple of 4', () => {
    for (const bad of [0, -4, 6, 1]) assert.throws(() => toChunks(new Float32Array(3), bad), RangeError);
  });
});
