/**
 * Model files in the safetensors format (https://github.com/huggingface/safetensors):
 * 8 bytes N (little-endian u64), N bytes of JSON header
 * `{"NAME": {"dtype", "shape", "data_offsets": [BEGIN, END]}, "__metadata__": {...}}`,
 * then the tensors' bytes, offsets relative to the end of the header.
 *
 * Reading is strict, because a model file decides what every site trains: the header is
 * checked before any tensor byte is read (so a file that claims 10 GB is refused without
 * reading it), tensors must tile the data exactly (no overlap, no gap, no trailing or
 * missing bytes), and every value must be finite as float32. F32 is kept as is; F64, F16
 * and BF16 are converted to float32 (the wire type); other dtypes are refused. The
 * manifest order is the order of the tensors' data in the file.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { CohortError } from '../errors.js';
import { firstNonFiniteTensorValue, type ModelManifest, parseManifest, tensorSize } from './manifest.js';
import { MAX_PARAMETERS } from './spec.js';

/** Largest JSON header accepted (a manifest of MAX_TENSORS tensors takes well under 1 MiB). */
export const MAX_HEADER_BYTES = 4 * 1024 * 1024;

const DTYPE_BYTES: Readonly<Record<string, number>> = { F32: 4, F64: 8, F16: 2, BF16: 2 };

/** What a model file holds: its manifest, its weights as float32, its free-form metadata. */
export interface SafetensorsModel {
  readonly manifest: ModelManifest;
  readonly weights: Float32Array;
  readonly metadata: Readonly<Record<string, string>>;
}

interface HeaderEntry {
  readonly name: string;
  readonly dtype: string;
  readonly shape: number[];
  readonly begin: number;
  readonly end: number;
}

/** Read and check a model file; every refusal is `invalid_argument` naming the file and the problem. */
export function readSafetensorsFile(path: string): SafetensorsModel {
  const where = `model file ${path}`;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (err as Error).message;
    throw new CohortError('invalid_argument', `${where}: cannot read it: ${why}`, { cause: err });
  }
  try {
    const size = fstatSync(fd).size;
    const read = (position: number, length: number): Buffer => {
      const buf = Buffer.alloc(length);
      let got = 0;
      while (got < length) {
        const n = readSync(fd, buf, got, length - got, position + got);
        if (n === 0) break;
        got += n;
      }
      return buf.subarray(0, got);
    };
    const headerLength = checkHeaderLength(read(0, 8), size, where);
    const header = parseHeader(read(8, headerLength), where);
    const bodyLength = size - 8 - headerLength;
    checkLayout(header.entries, bodyLength, where);
    return decode(header, read(8 + headerLength, bodyLength), where);
  } finally {
    closeSync(fd);
  }
}

/** Check model bytes already in memory (same rules as `readSafetensorsFile`). */
export function parseSafetensors(bytes: Uint8Array, where: string): SafetensorsModel {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = checkHeaderLength(buf.subarray(0, 8), buf.length, where);
  const header = parseHeader(buf.subarray(8, 8 + headerLength), where);
  const body = buf.subarray(8 + headerLength);
  checkLayout(header.entries, body.length, where);
  return decode(header, body, where);
}

/**
 * A safetensors file of float32 `weights` laid out by `manifest` (tensors in manifest
 * order), with `metadata` as `__metadata__`. The header is padded with spaces to a
 * multiple of 8 bytes, as the reference writer does, so tensor data stays aligned.
 */
export function encodeSafetensors(manifest: ModelManifest, weights: Float32Array, metadata: Readonly<Record<string, string>> = {}): Buffer {
  if (weights.length !== manifest.numParameters) {
    throw new CohortError('invalid_argument', `the weights have ${weights.length} values, the manifest ${manifest.numParameters}`);
  }
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header['__metadata__'] = { ...metadata };
  let at = 0;
  for (const t of manifest.tensors) {
    const bytes = tensorSize(t.shape) * 4;
    header[t.name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [at, at + bytes] };
    at += bytes;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) json = Buffer.concat([json, Buffer.alloc(padded - json.length, 0x20)]);
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(json.length));
  const body = Buffer.from(weights.buffer, weights.byteOffset, weights.byteLength);
  return Buffer.concat([prefix, json, body]);
}

function checkHeaderLength(prefix: Buffer, fileSize: number, where: string): number {
  const fail = (why: string): never => {
    throw new CohortError('invalid_argument', `${where}: ${why}`);
  };
  if (prefix.length < 8) fail(`the file has ${fileSize} bytes; a safetensors file starts with an 8-byte header length`);
  const n = prefix.readBigUInt64LE(0);
  if (n < 2n) fail(`the header length is ${n} bytes; a safetensors header is a JSON object`);
  if (n > BigInt(MAX_HEADER_BYTES)) fail(`the header length is ${n} bytes, more than the limit of ${MAX_HEADER_BYTES} (is this a safetensors file?)`);
  if (8n + n > BigInt(fileSize)) fail(`the file is truncated: the header claims ${n} bytes but only ${Math.max(0, fileSize - 8)} follow the length`);
  return Number(n);
}

function parseHeader(bytes: Buffer, where: string): { entries: HeaderEntry[]; metadata: Record<string, string> } {
  const fail = (why: string): never => {
    throw new CohortError('invalid_argument', `${where}: ${why}`);
  };
  if (bytes[0] !== 0x7b) fail('the header does not start with "{" (is this a safetensors file?)');
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    fail(`the header is not valid UTF-8 JSON: ${(err as Error).message}`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail('the header is not a JSON object');
  const metadata: Record<string, string> = {};
  const entries: HeaderEntry[] = [];
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) fail('"__metadata__" must be an object of strings');
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`"__metadata__" entry "${k.slice(0, 60)}" is not a string`);
        metadata[k] = v as string;
      }
      continue;
    }
    const shown = JSON.stringify(name.slice(0, 60));
    if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(`tensor ${shown} is not described by an object`);
    const { dtype, shape, data_offsets: offsets } = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof dtype !== 'string') fail(`tensor ${shown} has no dtype`);
    if (!((dtype as string) in DTYPE_BYTES)) {
      fail(`tensor ${shown} has dtype ${String(dtype)}; only floating-point tensors (F32, F64, F16, BF16) are federated — save the model without integer buffers (cohort_trainer.save_model does)`);
    }
    if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0)) fail(`tensor ${shown} has no valid shape (a list of non-negative integers)`);
    const dims = shape as number[];
    if (dims.some((d) => d === 0)) fail(`tensor ${shown} has shape [${dims.join(', ')}] with no values; remove empty tensors from the file`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => typeof o === 'number' && Number.isSafeInteger(o) && o >= 0)) {
      fail(`tensor ${shown} has no valid data_offsets (two non-negative integers)`);
    }
    const [begin, end] = offsets as [number, number];
    if (end < begin) fail(`tensor ${shown} has data_offsets [${begin}, ${end}] that end before they begin`);
    // Counted in Number: dimensions multiply past 2^53 only for absurd claims, which the comparisons below still refuse.
    const elements = dims.reduce((a, d) => a * d, 1);
    if (elements > MAX_PARAMETERS) {
      fail(`tensor ${shown} of shape [${dims.join(', ')}] claims ${elements} values (${formatBytes(elements * (DTYPE_BYTES[dtype as string] as number))}), more than the limit of ${MAX_PARAMETERS} parameters`);
    }
    const need = elements * (DTYPE_BYTES[dtype as string] as number);
    if (end - begin !== need) fail(`tensor ${shown}: data_offsets [${begin}, ${end}] hold ${end - begin} bytes but ${dtype as string} of shape [${dims.join(', ')}] needs ${need}`);
    entries.push({ name, dtype: dtype as string, shape: dims, begin, end });
  }
  return { entries, metadata };
}

/** The tensors must tile [0, bodyLength) exactly, in offset order. */
function checkLayout(entries: HeaderEntry[], bodyLength: number, where: string): void {
  const fail = (why: string): never => {
    throw new CohortError('invalid_argument', `${where}: ${why}`);
  };
  if (entries.length === 0) fail('the file holds no tensors');
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  let prev: HeaderEntry | undefined;
  for (const e of entries) {
    if (e.begin < at && prev) fail(`tensors "${prev.name}" (bytes ${prev.begin}–${prev.end}) and "${e.name}" (bytes ${e.begin}–${e.end}) overlap`);
    if (e.begin > at) fail(`bytes ${at}–${e.begin} of the tensor data belong to no tensor (before "${e.name}")`);
    at = e.end;
    prev = e;
  }
  const total = entries.reduce((s, e) => s + tensorSize(e.shape), 0);
  if (total > MAX_PARAMETERS) fail(`the model has ${total} parameters, more than the limit of ${MAX_PARAMETERS}`);
  if (at > bodyLength) fail(`the file is truncated: the header describes ${at} bytes of tensor data but only ${bodyLength} follow`);
  if (at < bodyLength) fail(`${bodyLength - at} bytes follow the last tensor; the file is not what its header says`);
}

function decode(header: { entries: HeaderEntry[]; metadata: Record<string, string> }, body: Buffer, where: string): SafetensorsModel {
  const manifest = parseManifest(header.entries.map((e) => ({ name: e.name, shape: e.shape })), where);
  const weights = new Float32Array(manifest.numParameters);
  let at = 0;
  for (const e of header.entries) {
    const n = tensorSize(e.shape);
    // Cohort runs on little-endian hosts only (shared/tensor/chunks.ts): F32 bytes copy as they are.
    if (e.dtype === 'F32') new Uint8Array(weights.buffer, at * 4, n * 4).set(body.subarray(e.begin, e.end));
    else for (let i = 0; i < n; i++) weights[at + i] = readValue(body, e.begin, i, e.dtype);
    at += n;
  }
  const bad = firstNonFiniteTensorValue(manifest, weights);
  if (bad) throw new CohortError('invalid_argument', `${where}: ${bad} (as float32); a model must hold finite values`);
  return { manifest, weights, metadata: header.metadata };
}

function readValue(body: Buffer, base: number, i: number, dtype: string): number {
  switch (dtype) {
    case 'F64':
      return body.readDoubleLE(base + i * 8);
    case 'BF16':
      return bf16(body.readUInt16LE(base + i * 2));
    default:
      return f16(body.readUInt16LE(base + i * 2));
  }
}

const scratch = new DataView(new ArrayBuffer(4));

/** bfloat16 is the top half of a float32. */
function bf16(bits: number): number {
  scratch.setUint32(0, bits << 16);
  return scratch.getFloat32(0);
}

/** IEEE 754 half precision. */
function f16(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function formatBytes(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(1)} GB` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${n} bytes`;
}
