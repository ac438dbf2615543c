import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { CohortError } from '../../../shared/errors.js';
import { type BulkFrame, encodeFrame, FrameReader, MAX_HEADER_BYTES, parseHeader, payloadBytes } from '../../../shared/bulk/frames.js';
import { rawHeader } from '../../helpers/bulk-wire.js';

const sha = (s: string): Buffer => createHash('sha256').update(s).digest();
const v1 = { round: 3, sha256: sha('a') };
const v2 = { round: 4, sha256: sha('b') };
const token = Buffer.alloc(16, 9);

const FRAMES: BulkFrame[] = [
  { type: 'hello', protocol: 'cohort.bulk.v1', sessionToken: token, held: v1 },
  { type: 'hello', protocol: 'cohort.bulk.v1', sessionToken: token },
  { type: 'ready', progressTimeoutMs: 10_000, maxQueuedBytes: 9_000_000 },
  { type: 'fetch', want: v2, have: v1 },
  { type: 'fetch', want: v2 },
  { type: 'model', version: v2, numParameters: 10, encoding: 'f32' },
  { type: 'model', version: v2, numParameters: 2000, encoding: 'int8', base: v1 },
  { type: 'update', round: 7, numExamples: 60, numParameters: 10, trainLoss: 0.25, masked: false, withinClip: true, encoding: 'fp16' },
  { type: 'update', round: 8, numExamples: 5, numParameters: 3, trainLoss: 0, masked: false, withinClip: false, encoding: 'f32', manifestSha256: 'ab'.repeat(32) },
  { type: 'ack', round: 7 },
  { type: 'error', code: 'not_found', message: 'gone' },
];

interface Seen {
  frames: BulkFrame[];
  payload: number[];
  ends: number;
}

function reader(pauseOn?: BulkFrame['type']): { r: FrameReader; seen: Seen } {
  const seen: Seen = { frames: [], payload: [], ends: 0 };
  const r = new FrameReader({
    frame: (f) => {
      seen.frames.push(f);
      return f.type !== pauseOn;
    },
    payload: (b) => seen.payload.push(...b),
    end: () => {
      seen.ends += 1;
    },
  });
  return { r, seen };
}

const invalid = (re: RegExp) => (err: unknown): boolean => err instanceof CohortError && err.code === 'invalid_argument' && re.test(err.message);

describe('bulk frames (proto/cohort/v1/bulk.proto byte layout)', () => {
  it('every frame type survives encode → parse', () => {
    for (const f of FRAMES) {
      const bytes = encodeFrame(f);
      assert.equal(bytes.readUInt32LE(0), bytes.length - 4);
      assert.deepEqual(parseHeader(bytes.subarray(4)), f);
    }
  });

  it('the reader yields the same frames and payload bytes however the stream is cut (property)', () => {
    const stream: Buffer[] = [];
    const payloads: number[] = [];
    for (const f of FRAMES) {
      stream.push(encodeFrame(f));
      const p = Buffer.alloc(payloadBytes(f), (payloads.length % 251) + 1);
      payloads.push(...p);
      stream.push(p);
    }
    const all = Buffer.concat(stream);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: all.length }), { maxLength: 30 }), (cuts) => {
        const { r, seen } = reader();
        let from = 0;
        for (const c of [...new Set(cuts)].sort((a, b) => a - b).concat(all.length)) {
          r.push(all.subarray(from, c));
          from = c;
        }
        assert.deepEqual(seen.frames, FRAMES);
        assert.deepEqual(seen.payload, payloads);
        assert.equal(seen.ends, FRAMES.length);
      }),
      { seed: 3, numRuns: 100 },
    );
  });

  it('stops at a frame whose handler asks to wait, and goes on where it stopped', () => {
    const update = FRAMES[7] as BulkFrame;
    const payload = Buffer.alloc(payloadBytes(update), 5);
    const { r, seen } = reader('update');
    r.push(Buffer.concat([encodeFrame(update), payload.subarray(0, 3)]));
    assert.equal(seen.frames.length, 1);
    assert.equal(seen.payload.length, 0, 'nothing of the payload is handed on while paused');
    assert.equal(r.paused, true);
    r.push(Buffer.concat([payload.subarray(3), encodeFrame(FRAMES[9] as BulkFrame)]));
    assert.equal(seen.payload.length, 0);
    r.resume();
    assert.equal(seen.payload.length, payload.length);
    assert.deepEqual(seen.frames.map((f) => f.type), ['update', 'ack']);
    assert.equal(seen.ends, 2);
  });

  it('a paused frame without payload is ended on resume', () => {
    const { r, seen } = reader('fetch');
    r.push(encodeFrame(FRAMES[3] as BulkFrame));
    assert.equal(seen.ends, 0);
    r.resume();
    assert.equal(seen.ends, 1);
  });

  it('refuses header lengths outside [1, 4096]', () => {
    for (const h of [0, MAX_HEADER_BYTES + 1, 0xffffffff]) {
      const b = Buffer.alloc(4);
      b.writeUInt32LE(h, 0);
      assert.throws(() => reader().r.push(b), invalid(/header length \d+ is outside \[1, 4096\]/));
    }
  });

  it('refuses headers the contract does not allow, naming the field', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{}, /no body/],
      [{ payloadBytes: 1, ack: { round: 1 } }, /ack announces 1 payload bytes, its header implies 0/],
      [{ payloadBytes: 39, update: { round: 1, numExamples: 1, numParameters: 10, encoding: 'TENSOR_ENCODING_F32' } }, /announces 39 payload bytes, its header implies 40/],
      [{ update: { round: 1, numParameters: 0 } }, /update.encoding must be F32, INT8 or FP16, got UNSPECIFIED/],
      [{ hello: { protocol: 'cohort.bulk.v1', sessionToken: Buffer.alloc(15) } }, /session_token must be 16 bytes/],
      [{ fetch: { want: { round: 1, sha256: Buffer.alloc(31) } } }, /fetch.want.sha256 must be 32 bytes/],
      [{ fetch: {} }, /fetch.want is missing/],
      [{ payloadBytes: 40, model: { version: v1, numParameters: 10, encoding: 'TENSOR_ENCODING_F32', base: v2 } }, /base is present exactly when/],
      [{ model: { version: v1, numParameters: 2 ** 28 + 1, encoding: 'TENSOR_ENCODING_F32' } }, /num_parameters must be an integer in \[0, 268435456\]/],
      [{ error: { code: 'x', message: 'y'.repeat(2001) } }, /error.message must be a string of at most 2000/],
    ];
    for (const [fields, re] of cases) assert.throws(() => parseHeader(rawHeader(fields)), invalid(re), re.source);
    assert.throws(() => parseHeader(Buffer.from([0x0a, 0xff, 0xff])), invalid(/not a valid BulkHeader/));
  });

  it('an unknown error code reads as internal', () => {
    assert.deepEqual(parseHeader(rawHeader({ error: { code: 'teapot', message: 'x' } })), { type: 'error', code: 'internal', message: 'x' });
  });
});
