/**
 * Frames of the bulk channel (proto/cohort/v1/bulk.proto): a 4-byte little-endian header
 * length, a protobuf BulkHeader, then the payload. Headers are encoded and parsed here for
 * both sides; every limit of the contract is checked in `parseHeader`, so what reaches the
 * coordinator or the node daemon is a typed frame whose payload size is already known to
 * be the one its header implies. Payload bytes are handed on as views of the socket's own
 * buffers, never copied here.
 */
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { CohortError, type ErrorCode, isErrorCode } from '../errors.js';
import type { ModelVersion } from '../model/version.js';
import { encodedBytes, isTensorEncoding, type TensorEncoding } from '../tensor/codec.js';
import type { UpdateHeader } from '../tensor/update.js';

export { describeVersion, type ModelVersion, sameVersion } from '../model/version.js';

/** The protocol a node names in HELLO. */
export const BULK_PROTOCOL = 'cohort.bulk.v1';
/** Largest header (the H of the layout). */
export const MAX_HEADER_BYTES = 4096;
/** Bytes of the length prefix. */
export const PREFIX_BYTES = 4;
/** Length of Welcome.bulk_token / HELLO.session_token. */
export const SESSION_TOKEN_BYTES = 16;
/** Largest model either side accepts on the wire: 2^28 parameters (1 GiB as float32). */
export const MAX_PARAMETERS = 2 ** 28;
const MAX_PROTOCOL_CHARS = 64;
const EMPTY = Buffer.alloc(0);
const MAX_MESSAGE_CHARS = 2000;


/** A parsed frame header. */
export type BulkFrame =
  | { readonly type: 'hello'; readonly protocol: string; readonly sessionToken: Buffer; readonly held?: ModelVersion }
  | { readonly type: 'ready'; readonly progressTimeoutMs: number; readonly maxQueuedBytes: number }
  | { readonly type: 'fetch'; readonly want: ModelVersion; readonly have?: ModelVersion }
  | { readonly type: 'model'; readonly version: ModelVersion; readonly numParameters: number; readonly encoding: TensorEncoding; readonly base?: ModelVersion }
  | ({ readonly type: 'update' } & UpdateHeader)
  | { readonly type: 'ack'; readonly round: number }
  | { readonly type: 'error'; readonly code: ErrorCode; readonly message: string };

/** Payload bytes a frame of this header carries. */
export function payloadBytes(f: BulkFrame): number {
  return f.type === 'model' || f.type === 'update' ? encodedBytes(f.numParameters, f.encoding) : 0;
}

const WIRE_ENCODING: Record<TensorEncoding, string> = { f32: 'TENSOR_ENCODING_F32', int8: 'TENSOR_ENCODING_INT8', fp16: 'TENSOR_ENCODING_FP16' };
const ENCODING_FROM_WIRE = new Map<unknown, TensorEncoding>(Object.entries(WIRE_ENCODING).map(([k, v]) => [v, k as TensorEncoding]));

const PROTO_DIR = fileURLToPath(new URL('../../../proto/', import.meta.url));

let headerType: protobuf.Type | undefined;

/** The BulkHeader message type, loaded once from the contract. */
function header(): protobuf.Type {
  if (!headerType) {
    const root = new protobuf.Root();
    root.resolvePath = (_origin, target) => PROTO_DIR + target;
    root.loadSync('cohort/v1/bulk.proto', { keepCase: false });
    headerType = root.lookupType('cohort.v1.BulkHeader');
  }
  return headerType;
}

function versionToWire(v: ModelVersion | undefined): object | undefined {
  return v ? { round: v.round, sha256: v.sha256 } : undefined;
}

/** The length prefix and header of `f`; its payload (if any) is written after it. */
export function encodeFrame(f: BulkFrame): Buffer {
  const body: Record<string, unknown> = (() => {
    switch (f.type) {
      case 'hello':
        return { hello: { protocol: f.protocol, sessionToken: f.sessionToken, held: versionToWire(f.held) } };
      case 'ready':
        return { ready: { progressTimeoutMs: f.progressTimeoutMs, maxQueuedBytes: f.maxQueuedBytes } };
      case 'fetch':
        return { fetch: { want: versionToWire(f.want), have: versionToWire(f.have) } };
      case 'model':
        return { model: { version: versionToWire(f.version), numParameters: f.numParameters, encoding: WIRE_ENCODING[f.encoding], base: versionToWire(f.base) } };
      case 'update':
        return {
          update: {
            round: f.round,
            numExamples: f.numExamples,
            numParameters: f.numParameters,
            trainLoss: f.trainLoss,
            masked: f.masked,
            withinClip: f.withinClip,
            encoding: WIRE_ENCODING[f.encoding],
            ...(f.manifestSha256 ? { manifestSha256: f.manifestSha256 } : {}),
          },
        };
      case 'ack':
        return { ack: { round: f.round } };
      case 'error':
        return { error: { code: f.code, message: f.message } };
    }
  })();
  const type = header();
  const bytes = type.encode(type.fromObject({ payloadBytes: payloadBytes(f), ...body })).finish();
  const out = Buffer.allocUnsafe(PREFIX_BYTES + bytes.length);
  out.writeUInt32LE(bytes.length, 0);
  out.set(bytes, PREFIX_BYTES);
  return out;
}

const bad = (message: string): CohortError => new CohortError('invalid_argument', `bulk frame: ${message}`);

/** A decoded protobuf object: plain data only. */
type Wire = Record<string, unknown>;

function obj(x: unknown, what: string): Wire {
  if (x === null || typeof x !== 'object') throw bad(`${what} is missing`);
  return x as Wire;
}

function uint(x: unknown, what: string, max = Number.MAX_SAFE_INTEGER): number {
  const v = x === undefined ? 0 : x;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > max) throw bad(`${what} must be an integer in [0, ${max}], got ${String(v)}`);
  return v;
}

function version(x: unknown, what: string): ModelVersion {
  const v = obj(x, what);
  const sha = v['sha256'];
  if (!(sha instanceof Uint8Array) || sha.length !== 32) throw bad(`${what}.sha256 must be 32 bytes`);
  return { round: uint(v['round'], `${what}.round`), sha256: Buffer.from(sha) };
}

function optionalVersion(x: unknown, what: string): ModelVersion | undefined {
  return x === undefined || x === null ? undefined : version(x, what);
}

function encoding(x: unknown, what: string): TensorEncoding {
  const e = ENCODING_FROM_WIRE.get(x);
  if (!e || !isTensorEncoding(e)) throw bad(`${what} must be F32, INT8 or FP16, got ${String(x ?? 'UNSPECIFIED')}`);
  return e;
}

function string(x: unknown, what: string, max: number): string {
  const v = x === undefined ? '' : x;
  if (typeof v !== 'string' || v.length > max) throw bad(`${what} must be a string of at most ${max} characters`);
  return v;
}

/**
 * Decode and check one header. Refuses (`invalid_argument`) anything the contract does not
 * allow, including a payload size other than the one the body implies.
 */
export function parseHeader(bytes: Uint8Array): BulkFrame {
  let w: Wire;
  try {
    const type = header();
    w = type.toObject(type.decode(bytes), { longs: Number, enums: String, oneofs: true, defaults: false }) as Wire;
  } catch (err) {
    throw bad(`header is not a valid BulkHeader (${err instanceof Error ? err.message : String(err)})`);
  }
  const frame = bodyOf(w);
  const announced = uint(w['payloadBytes'], 'payload_bytes');
  const expected = payloadBytes(frame);
  if (announced !== expected) throw bad(`${frame.type} announces ${announced} payload bytes, its header implies ${expected}`);
  return frame;
}

function bodyOf(w: Wire): BulkFrame {
  switch (w['body']) {
    case 'hello': {
      const h = obj(w['hello'], 'hello');
      const token = h['sessionToken'];
      if (!(token instanceof Uint8Array) || token.length !== SESSION_TOKEN_BYTES) throw bad(`hello.session_token must be ${SESSION_TOKEN_BYTES} bytes`);
      const held = optionalVersion(h['held'], 'hello.held');
      return { type: 'hello', protocol: string(h['protocol'], 'hello.protocol', MAX_PROTOCOL_CHARS), sessionToken: Buffer.from(token), ...(held ? { held } : {}) };
    }
    case 'ready': {
      const r = obj(w['ready'], 'ready');
      return { type: 'ready', progressTimeoutMs: uint(r['progressTimeoutMs'], 'ready.progress_timeout_ms'), maxQueuedBytes: uint(r['maxQueuedBytes'], 'ready.max_queued_bytes') };
    }
    case 'fetch': {
      const f = obj(w['fetch'], 'fetch');
      const have = optionalVersion(f['have'], 'fetch.have');
      return { type: 'fetch', want: version(f['want'], 'fetch.want'), ...(have ? { have } : {}) };
    }
    case 'model': {
      const m = obj(w['model'], 'model');
      const enc = encoding(m['encoding'], 'model.encoding');
      const base = optionalVersion(m['base'], 'model.base');
      if ((enc === 'f32') !== (base === undefined)) throw bad('model.base is present exactly when the encoding is INT8 or FP16');
      return { type: 'model', version: version(m['version'], 'model.version'), numParameters: uint(m['numParameters'], 'model.num_parameters', MAX_PARAMETERS), encoding: enc, ...(base ? { base } : {}) };
    }
    case 'update': {
      const u = obj(w['update'], 'update');
      const trainLoss = u['trainLoss'] === undefined ? 0 : u['trainLoss'];
      if (typeof trainLoss !== 'number') throw bad('update.train_loss must be a number');
      const manifest = string(u['manifestSha256'], 'update.manifest_sha256', 64);
      return {
        type: 'update',
        round: uint(u['round'], 'update.round'),
        numExamples: uint(u['numExamples'], 'update.num_examples'),
        numParameters: uint(u['numParameters'], 'update.num_parameters', MAX_PARAMETERS),
        trainLoss,
        masked: u['masked'] === true,
        withinClip: u['withinClip'] === true,
        encoding: encoding(u['encoding'], 'update.encoding'),
        ...(manifest ? { manifestSha256: manifest } : {}),
      };
    }
    case 'ack':
      return { type: 'ack', round: uint(obj(w['ack'], 'ack')['round'], 'ack.round') };
    case 'error': {
      const e = obj(w['error'], 'error');
      const code = e['code'];
      return { type: 'error', code: isErrorCode(code) ? code : 'internal', message: string(e['message'], 'error.message', MAX_MESSAGE_CHARS) };
    }
    default:
      throw bad('header has no body (or one this side does not know)');
  }
}

/** What a FrameReader hands its owner, in stream order. */
export interface FrameSink {
  /** A frame's header. Return false to stop reading until `resume()` (e.g. waiting for an upload slot). */
  frame(f: BulkFrame): boolean;
  /** The next bytes of the current frame's payload: a view of the socket's buffer, valid during the call. */
  payload(bytes: Uint8Array): void;
  /** The current frame is complete (called for every frame, after its payload if it has one). */
  end(f: BulkFrame): void;
}

/**
 * Splits a byte stream into frames. Header bytes are gathered in a small buffer; payload
 * bytes are passed on as views. A malformed frame throws `invalid_argument` from `push`.
 */
export class FrameReader {
  private readonly head = Buffer.allocUnsafe(PREFIX_BYTES + MAX_HEADER_BYTES);
  private headFill = 0;
  private headerLength = -1;
  private current: BulkFrame | undefined;
  private remaining = 0;
  private readonly pending: Buffer[] = [];
  private stopped = false;

  constructor(private readonly sink: FrameSink) {}

  /** True while a `frame` callback asked to stop. */
  get paused(): boolean {
    return this.stopped;
  }

  /** True while bytes pushed during a pause wait to be consumed. */
  get buffered(): boolean {
    return this.pending.length > 0;
  }

  /** Payload bytes of the current frame not yet received. */
  get payloadRemaining(): number {
    return this.current ? this.remaining : 0;
  }

  /** Feed the next bytes of the stream. */
  push(chunk: Buffer): void {
    if (this.stopped) {
      this.pending.push(chunk);
      return;
    }
    this.consume(chunk);
  }

  /** Continue after a `frame` callback returned false. */
  resume(): void {
    if (!this.stopped) return;
    this.stopped = false;
    // An empty push first: a frame without payload that paused still needs its `end`.
    this.consume(EMPTY);
    while (!this.stopped && this.pending.length > 0) this.consume(this.pending.shift() as Buffer);
  }

  private consume(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length || (this.current && this.remaining === 0)) {
      if (this.current) {
        if (this.remaining > 0) {
          const take = Math.min(this.remaining, chunk.length - off);
          this.remaining -= take;
          const piece = chunk.subarray(off, off + take);
          off += take;
          this.sink.payload(piece);
          if (this.remaining > 0) return;
        }
        const f = this.current;
        this.current = undefined;
        this.sink.end(f);
        continue;
      }
      // Gather the prefix, then the header.
      const want = this.headerLength < 0 ? PREFIX_BYTES : PREFIX_BYTES + this.headerLength;
      const take = Math.min(want - this.headFill, chunk.length - off);
      chunk.copy(this.head, this.headFill, off, off + take);
      this.headFill += take;
      off += take;
      if (this.headFill < want) return;
      if (this.headerLength < 0) {
        const h = this.head.readUInt32LE(0);
        if (h < 1 || h > MAX_HEADER_BYTES) throw bad(`header length ${h} is outside [1, ${MAX_HEADER_BYTES}]`);
        this.headerLength = h;
        continue;
      }
      const f = parseHeader(this.head.subarray(PREFIX_BYTES, PREFIX_BYTES + this.headerLength));
      this.headFill = 0;
      this.headerLength = -1;
      this.current = f;
      this.remaining = payloadBytes(f);
      if (!this.sink.frame(f)) {
        this.stopped = true;
        if (off < chunk.length) this.pending.unshift(chunk.subarray(off));
        return;
      }
    }
  }
}
