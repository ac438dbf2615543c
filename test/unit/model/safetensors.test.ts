/**
 * Model files: a round trip, the conversions, and every malformed file the issue names
 * (wrong header, overlapping offsets, truncated body, NaN values, 10 GB claimed) plus
 * the neighbouring cases, each refused with a message that names the problem.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, openSync, closeSync, writeSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CohortError } from '../../../shared/errors.js';
import { parseManifest } from '../../../shared/model/manifest.js';
import { encodeSafetensors, parseSafetensors, readSafetensorsFile } from '../../../shared/model/safetensors.js';

/** A file from a header object and raw tensor bytes, as any writer (or attacker) would make it. */
function file(header: unknown, body: Uint8Array = new Uint8Array(0), headerText?: string): Buffer {
  const json = Buffer.from(headerText ?? JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([prefix, json, body]);
}

function f32(values: number[]): Buffer {
  return Buffer.from(Float32Array.from(values).buffer);
}

function refused(bytes: Uint8Array, pattern: RegExp): void {
  assert.throws(
    () => parseSafetensors(bytes, 'model file m.safetensors'),
    (err: unknown) => err instanceof CohortError && err.code === 'invalid_argument' && err.message.startsWith('model file m.safetensors: ') && pattern.test(err.message),
    `expected ${pattern}`,
  );
}

describe('safetensors model files', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cohort-st-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips a model: manifest order, values, metadata, 8-byte aligned header', () => {
    const manifest = parseManifest([{ name: 'conv1.weight', shape: [2, 1, 2, 2] }, { name: 'conv1.bias', shape: [2] }, { name: 'fc.weight', shape: [3, 2] }], 't');
    const weights = Float32Array.from({ length: manifest.numParameters }, (_, i) => i / 7 - 1);
    const bytes = encodeSafetensors(manifest, weights, { 'cohort.round': '3' });
    assert.equal(Number(bytes.readBigUInt64LE(0)) % 8, 0);
    const back = parseSafetensors(bytes, 'x');
    assert.equal(back.manifest.sha256, manifest.sha256);
    assert.deepEqual(back.weights, weights);
    assert.deepEqual(back.metadata, { 'cohort.round': '3' });
  });

  it('takes the manifest order from the data offsets, not from the JSON key order', () => {
    const bytes = file({ b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] }, a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, f32([1, 2]));
    const m = parseSafetensors(bytes, 'x');
    assert.deepEqual(m.manifest.tensors.map((t) => t.name), ['a', 'b']);
    assert.deepEqual([...m.weights], [1, 2]);
  });

  it('converts F64, F16 and BF16 to float32', () => {
    const f64 = Buffer.alloc(16);
    f64.writeDoubleLE(0.5, 0);
    f64.writeDoubleLE(-3.25, 8);
    const half = Buffer.alloc(4);
    half.writeUInt16LE(0x3c00, 0); // 1.0
    half.writeUInt16LE(0xc000, 2); // -2.0
    const bf = Buffer.alloc(4);
    bf.writeUInt16LE(0x3f80, 0); // 1.0
    bf.writeUInt16LE(0x4049, 2); // 3.140625
    const bytes = file(
      {
        a: { dtype: 'F64', shape: [2], data_offsets: [0, 16] },
        b: { dtype: 'F16', shape: [2], data_offsets: [16, 20] },
        c: { dtype: 'BF16', shape: [2], data_offsets: [20, 24] },
      },
      Buffer.concat([f64, half, bf]),
    );
    assert.deepEqual([...parseSafetensors(bytes, 'x').weights], [0.5, -3.25, 1, -2, 1, 3.140625]);
  });

  it('refuses a wrong header', () => {
    refused(Buffer.from('PK\x03\x04 this is a zip file, not a model'), /header length is \d+ bytes, more than the limit/);
    refused(file(null, undefined, '[1, 2, 3]'), /does not start with "\{"/);
    refused(file(null, undefined, '{"a": {"dtype": "F32", '), /not valid UTF-8 JSON/);
    refused(Buffer.from([1, 2, 3]), /the file has 3 bytes/);
    refused(file({ a: { dtype: 'F32', shape: [1] } }, f32([1])), /"a" has no valid data_offsets/);
    refused(file({ a: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, Buffer.alloc(8)), /dtype I64; only floating-point tensors/);
    refused(file({ a: { dtype: 'F32', shape: [0], data_offsets: [0, 0] } }), /no values/);
    refused(file({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, f32([1])), /hold 4 bytes but F32 of shape \[2\] needs 8/);
    refused(file({ __metadata__: { n: 3 } }), /"__metadata__" entry "n" is not a string/);
    refused(file({}), /holds no tensors/);
    refused(file({ 'bad name': { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, f32([1])), /"bad name"; names are/);
  });

  it('refuses overlapping offsets, gaps and trailing bytes', () => {
    const overlap = file({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, f32([1, 2, 3]));
    refused(overlap, /tensors "a" \(bytes 0–8\) and "b" \(bytes 4–12\) overlap/);
    const gap = file({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } }, f32([1, 2, 3]));
    refused(gap, /bytes 4–8 of the tensor data belong to no tensor/);
    refused(file({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, f32([1, 2])), /4 bytes follow the last tensor/);
  });

  it('refuses a truncated body or header', () => {
    refused(file({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, f32([1, 2])), /truncated: the header describes 16 bytes of tensor data but only 8 follow/);
    const whole = file({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, f32([1]));
    refused(whole.subarray(0, 20), /truncated: the header claims \d+ bytes but only 12 follow/);
  });

  it('refuses NaN and infinite values, and F64 values beyond float32', () => {
    refused(file({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 12] } }, f32([1, NaN, 3])), /tensor w holds NaN at index 1 \(as float32\); a model must hold finite values/);
    refused(file({ w: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, f32([-Infinity])), /holds -Infinity/);
    const big = Buffer.alloc(8);
    big.writeDoubleLE(1e300, 0);
    refused(file({ w: { dtype: 'F64', shape: [1], data_offsets: [0, 8] } }, big), /holds Infinity at index 0/);
  });

  it('refuses a file that claims 10 GB without reading it', () => {
    // A real 34-byte file whose header claims a 50000×50000 F32 tensor (10 GB).
    const path = join(dir, 'huge.safetensors');
    writeFileSync(path, file({ w: { dtype: 'F32', shape: [50_000, 50_000], data_offsets: [0, 10_000_000_000] } }));
    assert.throws(() => readSafetensorsFile(path), /tensor "w" of shape \[50000, 50000\] claims 2500000000 values \(10.0 GB\), more than the limit of 50000000 parameters/);
    // Many tensors under the per-tensor limit that add up past it.
    const many: Record<string, unknown> = {};
    for (let i = 0; i < 3; i++) many[`t${i}`] = { dtype: 'F32', shape: [20_000_000], data_offsets: [i * 80_000_000, (i + 1) * 80_000_000] };
    const path2 = join(dir, 'many.safetensors');
    writeFileSync(path2, file(many));
    assert.throws(() => readSafetensorsFile(path2), /60000000 parameters, more than the limit/);
    // A header length of 2^60.
    const path3 = join(dir, 'claims.safetensors');
    const fd = openSync(path3, 'w');
    const prefix = Buffer.alloc(8);
    prefix.writeBigUInt64LE(1n << 60n);
    writeSync(fd, prefix);
    closeSync(fd);
    assert.throws(() => readSafetensorsFile(path3), /header length is 1152921504606846976 bytes, more than the limit/);
  });

  it('names a missing file', () => {
    assert.throws(() => readSafetensorsFile(join(dir, 'nope.safetensors')), /nope.safetensors: cannot read it: no such file/);
  });
});
