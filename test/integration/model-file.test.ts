/**
 * `cohort coordinator --model FILE` with bad model files: the real binary refuses with exit
 * code 2 and a message naming the problem (one case as a process, the rest in-process);
 * a data dir that holds another model is refused at start; node options that contradict.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../cli/main.js';
import { openStore } from '../../server/store/store.js';
import { systemClock } from '../../shared/clock.js';
import { silentLogger } from '../../shared/logger.js';
import { parseManifest } from '../../shared/model/manifest.js';
import { encodeSafetensors } from '../../shared/model/safetensors.js';
import { TestPki } from '../helpers/federation.js';
import { recordingIo } from '../helpers/io.js';
import { COHORT_BIN, REPO, run } from '../helpers/trainer-processes.js';

function file(header: unknown, body: Uint8Array = new Uint8Array(0)): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([prefix, json, body]);
}

async function cli(args: string[]): Promise<{ code: number; err: string }> {
  const rec = recordingIo();
  const code = await runCli(args, rec.io);
  return { code, err: rec.err() };
}

describe('cohort coordinator --model FILE (integration)', function () {
  let pki: TestPki;
  let dir: string;

  before(() => {
    pki = new TestPki();
    dir = mkdtempSync(join(tmpdir(), 'cohort-model-file-'));
  });
  after(() => {
    pki.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the real binary refuses overlapping offsets with exit code 2, naming the tensors', async function () {
    const path = join(dir, 'overlap.safetensors');
    writeFileSync(path, file({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, new Uint8Array(12)));
    const r = await run(process.execPath, [COHORT_BIN, 'coordinator', '--port', '0', '--certs', pki.dir, '--data-dir', join(dir, 'data-overlap'), '--model', path], { cwd: REPO });
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /^cohort: model file .*overlap\.safetensors: tensors "a" \(bytes 0–8\) and "b" \(bytes 4–12\) overlap\n$/);
  });

  it('refuses a wrong header, a truncated body, NaN values and a 10 GB claim, each by name', async function () {
    const nan = new Float32Array([1, Number.NaN]);
    const cases: Array<[string, Buffer, RegExp]> = [
      ['header.safetensors', Buffer.concat([Buffer.from([15, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('not json at all')]), /the header does not start with "\{"/],
      ['truncated.safetensors', file({ w: { dtype: 'F32', shape: [8], data_offsets: [0, 32] } }, new Uint8Array(8)), /the file is truncated: the header describes 32 bytes of tensor data but only 8 follow/],
      ['nan.safetensors', file({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, new Uint8Array(nan.buffer)), /tensor w holds NaN at index 1 \(as float32\)/],
      ['huge.safetensors', file({ w: { dtype: 'F32', shape: [50_000, 50_000], data_offsets: [0, 10_000_000_000] } }), /claims 2500000000 values \(10\.0 GB\), more than the limit of 50000000 parameters/],
      ['ints.safetensors', file({ n: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(8)), /dtype I64; only floating-point tensors/],
    ];
    for (const [name, bytes, pattern] of cases) {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      const r = await cli(['coordinator', '--port', '0', '--certs', pki.dir, '--data-dir', join(dir, `data-${name}`), '--model', path]);
      assert.equal(r.code, 2, `${name}: ${r.err}`);
      assert.match(r.err, new RegExp(`model file ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `), name);
      assert.match(r.err, pattern, name);
    }
    const missing = await cli(['coordinator', '--port', '0', '--certs', pki.dir, '--model', join(dir, 'nope.safetensors')]);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /nope\.safetensors: cannot read it: no such file/);
    const good = join(dir, 'good.safetensors');
    const m = parseManifest([{ name: 'w', shape: [2] }], 't');
    writeFileSync(good, encodeSafetensors(m, new Float32Array(2)));
    const both = await cli(['coordinator', '--port', '0', '--certs', pki.dir, '--model', good, '--features', '3']);
    assert.equal(both.code, 2);
    assert.match(both.err, /--features, --classes and --hidden describe the built-in models; a model file describes itself/);
  });

  it('refuses a data dir whose checkpoints hold another model, naming both manifests', async function () {
    const dataDir = join(dir, 'data-other');
    const other = parseManifest([{ name: 'x', shape: [4] }], 't');
    const store = openStore(dataDir, { clock: systemClock, log: silentLogger });
    store.recordRoundStart({ round: 1, settings: {} });
    store.commitRound({ round: 1, event: { round: 1, state: 'completed', selected: 1, participants: 1, evaluated: 1, seconds: 1, startedAtMs: 1, index: 1, of: 1 }, weights: new Float32Array(4), manifest: other });
    store.close();
    const path = join(dir, 'four.safetensors');
    const mine = parseManifest([{ name: 'y', shape: [4] }], 't');
    writeFileSync(path, encodeSafetensors(mine, new Float32Array(4)));
    const r = await cli(['coordinator', '--port', '0', '--certs', pki.dir, '--data-dir', dataDir, '--model', path]);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, new RegExp(`round 1\\) has the tensors of manifest ${other.sha256}, but the configured model is manifest ${mine.sha256}: start with the same --model, or a new --data-dir`));
  });

  it('refuses node options that contradict', async function () {
    const base = ['node', '--coordinator', '127.0.0.1:1', '--name', 'n1', '--certs', pki.dir];
    const both = await cli([...base, '--trainer', 'python3 train.py', '--data', 'mnist:1/3']);
    assert.equal(both.code, 2);
    assert.match(both.err, /--trainer and --data do not go together: the trainer reads its own data/);
    const neither = await cli(base);
    assert.equal(neither.code, 2);
    assert.match(neither.err, /--data \(mnist:I\/N, or csv:PATH with --label COLUMN\) or --trainer "COMMAND" is required/);
    const timeout = await cli([...base, '--data', 'mnist:1/3', '--trainer-start-timeout', '5']);
    assert.equal(timeout.code, 2);
    assert.match(timeout.err, /--trainer-start-timeout applies to --trainer only/);
  });
});
