import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CohortError } from '../../../shared/errors.js';
import { ChunkAssembler, chunkCount, firstNonFinite, toChunks } from '../../../shared/tensor/chunks.js';

function invalid(pattern: RegExp): (err: unknown) => boolean {
  return (err) => err instanceof CohortError && err.code === 'invalid_argument' && pattern.test(err.message);
}

/** Feed every chunk of `vector` (cut at `chunkBytes`) into a fresh assembler. */
function roundTrip(vector: Float32Array, chunkBytes: number): Float32Array {
  const assembler = new ChunkAssembler(vector.length, chunkBytes);
  const chunks = toChunks(vector, chunkBytes);
  assert.equal(chunks.length, assembler.expectedChunks);
  chunks.forEach((c, i) => assembler.accept(i, c));
  return assembler.finish();
}

describe('tensor codec: toChunks / ChunkAssembler', () => {
  it('round-trips any finite vector for any chunk size (property)', () => {
    fc.assert(
      fc.property(
        fc.float32Array({ noDefaultInfinity: true, noNaN: true, maxLength: 300 }),
        fc.integer({ min: 1, max: 64 }),
        (values, words) => {
          const chunkBytes = words * 4;
          const chunks = toChunks(values, chunkBytes);
          assert.equal(chunks.length, chunkCount(values.length, chunkBytes));
          assert.equal(chunks.length, Math.max(1, Math.ceil(values.length / words)));
          for (let i = 0; i < chunks.length - 1; i++) assert.equal(chunks[i]?.byteLength, chunkBytes);
          assert.equal(chunks.reduce((n, c) => n + c.byteLength, 0), values.length * 4);
          const back = roundTrip(values, chunkBytes);
          // Bitwise equality: -0 and every payload survive the trip.
          assert.deepEqual(new Uint32Array(back.buffer, back.byteOffset, back.length), new Uint32Array(values.buffer, values.byteOffset, values.length));
        },
      ),
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
    const chunks = toChunks(new Float32Array(0), 8);
    assert.deepEqual(chunks.map((c) => c.byteLength), [0]);
    assert.equal(roundTrip(new Float32Array(0), 8).length, 0);
  });

  it('refuses a chunk size that is not a positive multiple of 4', () => {
    for (const bad of [0, -4, 6, 1]) assert.throws(() => toChunks(new Float32Array(3), bad), RangeError);
  });

  it('writes into a caller-provided target and refuses one of the wrong length', () => {
    const target = new Float32Array(5);
    const a = new ChunkAssembler(5, 8, target);
    toChunks(Float32Array.of(1, 2, 3, 4, 5), 8).forEach((c, i) => a.accept(i, c));
    assert.equal(a.finish(), target);
    assert.deepEqual(target, Float32Array.of(1, 2, 3, 4, 5));
    assert.throws(() => new ChunkAssembler(5, 8, new Float32Array(4)), RangeError);
  });

  it('accepts a chunk whose bytes sit at an odd offset in a larger buffer', () => {
    const raw = Buffer.alloc(1 + 8);
    raw.writeFloatLE(1.5, 1);
    raw.writeFloatLE(-2.25, 5);
    const a = new ChunkAssembler(2, 8);
    a.accept(0, raw.subarray(1));
    assert.deepEqual(a.finish(), Float32Array.of(1.5, -2.25));
  });

  it('refuses an out-of-order chunk', () => {
    const chunks = toChunks(Float32Array.of(1, 2, 3, 4, 5), 8);
    const a = new ChunkAssembler(5, 8);
    assert.throws(() => a.accept(1, chunks[1] as Buffer), invalid(/chunk 1 arrived out of order \(expected chunk 0\)/));
    a.accept(0, chunks[0] as Buffer);
    assert.throws(() => a.accept(0, chunks[0] as Buffer), invalid(/chunk 0 arrived out of order \(expected chunk 1\)/));
    assert.throws(() => a.accept(2, chunks[2] as Buffer), invalid(/out of order/));
  });

  it('refuses a chunk of the wrong size, including a short or long last chunk', () => {
    const a = new ChunkAssembler(5, 8);
    assert.throws(() => a.accept(0, new Uint8Array(4)), invalid(/chunk 0 has 4 bytes, expected 8/));
    assert.throws(() => a.accept(0, new Uint8Array(12)), invalid(/chunk 0 has 12 bytes, expected 8/));
    a.accept(0, new Uint8Array(8));
    a.accept(1, new Uint8Array(8));
    assert.throws(() => a.accept(2, new Uint8Array(8)), invalid(/chunk 2 has 8 bytes, expected 4/));
    assert.throws(() => a.accept(2, new Uint8Array(3)), invalid(/chunk 2 has 3 bytes, expected 4/));
    a.accept(2, new Uint8Array(4));
    assert.ok(a.complete);
  });

  it('refuses any chunk after the vector is complete, even an empty one', () => {
    const a = new ChunkAssembler(2, 8);
    a.accept(0, new Uint8Array(8));
    assert.throws(() => a.accept(1, new Uint8Array(4)), invalid(/unexpected chunk 1: the vector of 2 values is already complete/));
    assert.throws(() => a.accept(1, new Uint8Array(0)), invalid(/unexpected chunk 1/));
    const empty = new ChunkAssembler(0, 8);
    empty.accept(0, new Uint8Array(0));
    assert.throws(() => empty.accept(1, new Uint8Array(0)), invalid(/unexpected chunk 1/));
    assert.equal(empty.finish().length, 0);
  });

  it('finish throws on a truncated vector', () => {
    const a = new ChunkAssembler(5, 8);
    assert.throws(() => a.finish(), invalid(/vector truncated: received 0 of 5 values/));
    a.accept(0, new Uint8Array(8));
    a.accept(1, new Uint8Array(8));
    assert.equal(a.complete, false);
    assert.throws(() => a.finish(), invalid(/vector truncated: received 4 of 5 values/));
  });

  it('rejects NaN, +Infinity and -Infinity at any position (property)', () => {
    const specials = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 1, max: 16 }),
        fc.nat(),
        fc.constantFrom(...specials),
        (length, words, at, special) => {
          const pos = at % length;
          const v = Float32Array.from({ length }, (_, i) => i - 7.5);
          v[pos] = special;
          const a = new ChunkAssembler(length, words * 4);
          const chunks = toChunks(v, words * 4);
          const badChunk = Math.floor(pos / words);
          for (let i = 0; i < badChunk; i++) a.accept(i, chunks[i] as Buffer);
          assert.throws(
            () => a.accept(badChunk, chunks[badChunk] as Buffer),
            invalid(new RegExp(`^value ${pos} is ${String(special)}: updates must be finite$`)),
          );
          // The bad chunk does not count as received.
          assert.throws(() => a.finish(), invalid(/truncated/));
        },
      ),
      { seed: 42, numRuns: 200 },
    );
  });

  it('a NaN with a non-canonical payload is rejected too', () => {
    const raw = Buffer.alloc(8);
    raw.writeFloatLE(1, 0);
    raw.writeUInt32LE(0xffc00001, 4); // negative quiet NaN with a payload
    assert.throws(() => new ChunkAssembler(2, 8).accept(0, raw), invalid(/value 1 is NaN/));
  });

  it('firstNonFinite finds the first bad value in a range', () => {
    const v = Float32Array.of(0, -0, 3.4e38, -3.4e38, 1e-45, Number.NaN, Number.POSITIVE_INFINITY);
    assert.equal(firstNonFinite(v), 5);
    assert.equal(firstNonFinite(v, 0, 5), -1);
    assert.equal(firstNonFinite(v, 6), 6);
    assert.equal(firstNonFinite(Float32Array.of(Number.NEGATIVE_INFINITY)), 0);
    assert.equal(firstNonFinite(new Float32Array(0)), -1);
    // float32 overflow on assignment: 1e39 becomes +Infinity.
    assert.equal(firstNonFinite(Float32Array.of(1, 1e39)), 1);
  });
});
