/**
 * Binding of the trainer contract (proto/cohort/trainer/v1/trainer.proto): the messages
 * and the frames that carry them over the channel (a 4-byte little-endian length, then
 * one protobuf message). Used by the daemon's supervisor and by TypeScript trainers.
 */
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { CohortError } from '../../shared/errors.js';
import type { DaemonMessage, DaemonMessage__Output } from '../../shared/wire/generated/cohort/trainer/v1/DaemonMessage.js';
import type { TrainerMessage, TrainerMessage__Output } from '../../shared/wire/generated/cohort/trainer/v1/TrainerMessage.js';

/** The contract a trainer names in its Hello. */
export const TRAINER_CONTRACT = 'cohort.trainer.v1';
/** The file descriptor of the channel in the trainer process. */
export const TRAINER_FD = 3;
/** Largest frame body either side may send (see FRAMES in the proto). */
export const MAX_FRAME_BYTES = 4 * 1024 * 1024 + 64 * 1024;
/** Largest tensor data in one TensorChunk. */
export const MAX_CHUNK_BYTES = 4 * 1024 * 1024;

const PROTO_PATH = fileURLToPath(new URL('../../../proto/cohort/trainer/v1/trainer.proto', import.meta.url));

/** Same conversion as the generated __Output types (scripts/gen-proto.sh). */
const TO_OBJECT: protobuf.IConversionOptions = { longs: Number, enums: String, defaults: true, oneofs: true };

let types: { trainer: protobuf.Type; daemon: protobuf.Type } | undefined;

function contract(): { trainer: protobuf.Type; daemon: protobuf.Type } {
  if (!types) {
    const root = protobuf.loadSync(PROTO_PATH);
    types = { trainer: root.lookupType('cohort.trainer.v1.TrainerMessage'), daemon: root.lookupType('cohort.trainer.v1.DaemonMessage') };
  }
  return types;
}

function frame(body: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(4 + body.length);
  out.writeUInt32LE(body.length, 0);
  out.set(body, 4);
  return out;
}

/** A frame holding a TrainerMessage (trainer side). */
export function encodeTrainerMessage(message: TrainerMessage): Buffer {
  const t = contract().trainer;
  return frame(t.encode(t.fromObject(message)).finish());
}

/** A frame holding a DaemonMessage (daemon side). */
export function encodeDaemonMessage(message: DaemonMessage): Buffer {
  const t = contract().daemon;
  return frame(t.encode(t.fromObject(message)).finish());
}

function decode<T>(type: protobuf.Type, body: Uint8Array, what: string): T {
  let message: protobuf.Message;
  try {
    message = type.decode(body);
  } catch (err) {
    throw new CohortError('invalid_argument', `a frame is not a ${what}: ${(err as Error).message}`);
  }
  return type.toObject(message, TO_OBJECT) as T;
}

/** The TrainerMessage in a frame body; `invalid_argument` if it is not one. */
export function decodeTrainerMessage(body: Uint8Array): TrainerMessage__Output {
  return decode(contract().trainer, body, 'TrainerMessage');
}

/** The DaemonMessage in a frame body; `invalid_argument` if it is not one. */
export function decodeDaemonMessage(body: Uint8Array): DaemonMessage__Output {
  return decode(contract().daemon, body, 'DaemonMessage');
}

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

/**
 * The TensorChunk frames of `data`, encoded by hand so the tensor bytes are never
 * copied: each chunk is a small head (length, envelope field, request id, bytes tag)
 * followed by a view of `data`. `field` is the envelope's chunk field: 3 in
 * DaemonMessage, 4 in TrainerMessage.
 */
export function tensorChunkFrames(field: 3 | 4, request: number, data: Uint8Array, chunkBytes = MAX_CHUNK_BYTES): Buffer[] {
  if (chunkBytes % 4 !== 0 || chunkBytes < 4 || chunkBytes > MAX_CHUNK_BYTES) throw new RangeError(`chunk size ${chunkBytes} is not a multiple of 4 in [4, ${MAX_CHUNK_BYTES}]`);
  const out: Buffer[] = [];
  const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  for (let off = 0; off < view.length; off += chunkBytes) {
    const slice = view.subarray(off, Math.min(off + chunkBytes, view.length));
    const inner = [0x08, ...varint(request), 0x12, ...varint(slice.length)];
    const innerLength = inner.length + slice.length;
    const outer = [(field << 3) | 2, ...varint(innerLength)];
    const head = Buffer.allocUnsafe(4 + outer.length + inner.length);
    head.writeUInt32LE(outer.length + innerLength, 0);
    head.set(outer, 4);
    head.set(inner, 4 + outer.length);
    out.push(head, slice);
  }
  return out;
}

/**
 * A TensorChunk frame read without copying its data: `pieces` are views of the bytes
 * pushed, in order, `length` bytes in all.
 */
export interface ChunkFrame {
  readonly request: number;
  readonly pieces: readonly Uint8Array[];
  readonly length: number;
}

/** A frame as the reader hands it out: a body to decode, or a TensorChunk already parsed. */
export type Frame = Buffer | ChunkFrame;

export function isChunkFrame<T extends object>(f: T | ChunkFrame): f is ChunkFrame {
  return !(f instanceof Uint8Array) && 'pieces' in f;
}

/** Enough bytes for a TensorChunk's head: envelope tag and length, request id, data tag and length. */
const PEEK_BYTES = 24;

/** A varint at `at` in `b` (up to 2^53), or undefined if it runs past `end`. */
function readVarint(b: Uint8Array, at: number, end: number): { value: number; next: number } | undefined {
  let value = 0;
  let scale = 1;
  for (let i = at; i < end && i < at + 8; i++) {
    const byte = b[i] as number;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return { value, next: i + 1 };
    scale *= 0x80;
  }
  return undefined;
}

/**
 * Cuts a byte stream into frame bodies. A length of 0 or above `maxFrame` is refused
 * before anything is allocated for it, so a peer cannot make the reader buffer more
 * than one frame.
 *
 * With `chunkField` (the envelope's TensorChunk field: 3 in DaemonMessage, 4 in
 * TrainerMessage), a frame laid out as tensorChunkFrames writes it (request id, then
 * data, as protobuf encoders order fields) comes out as a ChunkFrame of views of the
 * pushed buffers, so tensor bytes are copied once, by the consumer, and no frame-sized
 * buffer is allocated. Anything else is buffered and decoded as usual. The caller must
 * not reuse a buffer it pushed (socket reads never are).
 */
export class FrameReader {
  private head = Buffer.alloc(4);
  private headFilled = 0;
  private length = 0;
  private readonly peek = Buffer.alloc(PEEK_BYTES);
  private peekFilled = 0;
  private peekWanted = 0;
  private body: Buffer | undefined;
  private bodyFilled = 0;
  private chunk: { request: number; pieces: Uint8Array[]; length: number; remaining: number } | undefined;

  constructor(
    private readonly maxFrame = MAX_FRAME_BYTES,
    private readonly chunkField?: 3 | 4,
  ) {}

  /** Bytes held of an unfinished frame. */
  get pending(): number {
    return this.headFilled + this.peekFilled + this.bodyFilled + (this.chunk ? this.chunk.length - this.chunk.remaining : 0);
  }

  /** Feed bytes; returns the frames completed by them, in order. */
  push(data: Uint8Array): Frame[] {
    const frames: Frame[] = [];
    let at = 0;
    while (at < data.length) {
      if (this.chunk) {
        const c = this.chunk;
        const take = Math.min(c.remaining, data.length - at);
        c.pieces.push(data.subarray(at, at + take));
        c.remaining -= take;
        at += take;
        if (c.remaining === 0) this.emit(frames, { request: c.request, pieces: c.pieces, length: c.length });
        continue;
      }
      if (this.body) {
        const take = Math.min(this.body.length - this.bodyFilled, data.length - at);
        this.body.set(data.subarray(at, at + take), this.bodyFilled);
        this.bodyFilled += take;
        at += take;
        if (this.bodyFilled === this.body.length) this.emit(frames, this.body);
        continue;
      }
      if (this.peekWanted > 0) {
        const take = Math.min(this.peekWanted - this.peekFilled, data.length - at);
        this.peek.set(data.subarray(at, at + take), this.peekFilled);
        this.peekFilled += take;
        at += take;
        if (this.peekFilled === this.peekWanted) this.peeked(frames);
        continue;
      }
      const take = Math.min(4 - this.headFilled, data.length - at);
      this.head.set(data.subarray(at, at + take), this.headFilled);
      this.headFilled += take;
      at += take;
      if (this.headFilled < 4) break;
      const length = this.head.readUInt32LE(0);
      if (length === 0 || length > this.maxFrame) {
        throw new CohortError('invalid_argument', `a frame announces ${length} bytes; frames hold 1 to ${this.maxFrame} bytes`);
      }
      this.length = length;
      if (this.chunkField !== undefined) {
        this.peekWanted = Math.min(length, PEEK_BYTES);
        this.peekFilled = 0;
      } else {
        this.body = Buffer.allocUnsafe(length);
        this.bodyFilled = 0;
      }
    }
    return frames;
  }

  /** The first bytes of a frame are here: a TensorChunk streams on, anything else is buffered. */
  private peeked(frames: Frame[]): void {
    const b = this.peek;
    const n = this.peekFilled;
    this.peekWanted = 0;
    this.peekFilled = 0;
    const head = this.chunkHead(b, n);
    if (head) {
      const first = Buffer.from(b.subarray(head.dataAt, n));
      this.chunk = { request: head.request, pieces: first.length > 0 ? [first] : [], length: head.dataLength, remaining: head.dataLength - first.length };
      if (this.chunk.remaining === 0) this.emit(frames, { request: head.request, pieces: this.chunk.pieces, length: head.dataLength });
      return;
    }
    this.body = Buffer.allocUnsafe(this.length);
    this.body.set(b.subarray(0, n), 0);
    this.bodyFilled = n;
    if (n === this.length) this.emit(frames, this.body);
  }

  /** Where the data of a canonical TensorChunk frame starts, or undefined for any other frame. */
  private chunkHead(b: Buffer, n: number): { request: number; dataAt: number; dataLength: number } | undefined {
    if (b[0] !== (((this.chunkField as number) << 3) | 2)) return undefined;
    const outer = readVarint(b, 1, n);
    if (!outer || outer.next + outer.value !== this.length || b[outer.next] !== 0x08) return undefined;
    const request = readVarint(b, outer.next + 1, n);
    if (!request || request.value === 0 || b[request.next] !== 0x12) return undefined;
    const data = readVarint(b, request.next + 1, n);
    if (!data || data.next + data.value !== this.length || data.value === 0) return undefined;
    return { request: request.value, dataAt: data.next, dataLength: data.value };
  }

  private emit(frames: Frame[], f: Frame): void {
    frames.push(f);
    this.body = undefined;
    this.bodyFilled = 0;
    this.chunk = undefined;
    this.headFilled = 0;
  }
}
