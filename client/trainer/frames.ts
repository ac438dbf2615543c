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
 * Cuts a byte stream into frame bodies. A length of 0 or above `maxFrame` is refused
 * before anything is allocated for it, so a peer cannot make the reader buffer more
 * than one frame.
 */
export class FrameReader {
  private head = Buffer.alloc(4);
  private headFilled = 0;
  private body: Buffer | undefined;
  private bodyFilled = 0;

  constructor(private readonly maxFrame = MAX_FRAME_BYTES) {}

  /** Bytes held of an unfinished frame. */
  get pending(): number {
    return this.headFilled + this.bodyFilled;
  }

  /** Feed bytes; returns the frame bodies completed by them, in order. */
  push(data: Uint8Array): Buffer[] {
    const frames: Buffer[] = [];
    let at = 0;
    while (at < data.length) {
      if (!this.body) {
        const take = Math.min(4 - this.headFilled, data.length - at);
        this.head.set(data.subarray(at, at + take), this.headFilled);
        this.headFilled += take;
        at += take;
        if (this.headFilled < 4) break;
        const length = this.head.readUInt32LE(0);
        if (length === 0 || length > this.maxFrame) {
          throw new CohortError('invalid_argument', `a frame announces ${length} bytes; frames hold 1 to ${this.maxFrame} bytes`);
        }
        this.body = Buffer.allocUnsafe(length);
        this.bodyFilled = 0;
        continue;
      }
      const take = Math.min(this.body.length - this.bodyFilled, data.length - at);
      this.body.set(data.subarray(at, at + take), this.bodyFilled);
      this.bodyFilled += take;
      at += take;
      if (this.bodyFilled === this.body.length) {
        frames.push(this.body);
        this.body = undefined;
        this.headFilled = 0;
        this.bodyFilled = 0;
      }
    }
    return frames;
  }
}
