import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryLogger } from '../../../shared/logger.js';
import { versionOf } from '../../../shared/model/version.js';
import { decodeModelFile, encodeModelFile, MODEL_FILE, modelFile } from '../../../client/store/model-file.js';
import { ModelCache } from '../../../client/core/models.js';

describe('model.bin: the node\'s kept model', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cohort-model-file-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const weights = Float32Array.from({ length: 37 }, (_, i) => Math.sin(i));
  const model = { version: versionOf(12, weights), weights };

  it('round-trips a model, version and weights bit for bit', () => {
    const back = decodeModelFile(encodeModelFile(model));
    assert.ok(typeof back !== 'string');
    assert.equal(back.version.round, 12);
    assert.ok(back.version.sha256.equals(model.version.sha256));
    assert.deepEqual(back.weights, weights);
  });

  it('refuses a file that is not one, is cut short, or whose weights do not match their hash', () => {
    const good = encodeModelFile(model);
    assert.equal(decodeModelFile(Buffer.from('hello world')), 'not a Cohort model file');
    assert.match(decodeModelFile(good.subarray(0, good.length - 4)) as string, /should hold 37 values but has 144 bytes/);
    for (const at of [20, 60, good.length - 1]) {
      const bad = Buffer.from(good);
      bad[at] = (bad[at] as number) ^ 1;
      assert.equal(decodeModelFile(bad), 'its weights do not match their sha256 (damaged)', `byte ${at}`);
    }
  });

  it('a cache over the file keeps what it installs; a damaged file is dropped with a warning and not announced', async () => {
    const log = new MemoryLogger();
    const cache = new ModelCache(modelFile(dir, log), log);
    assert.equal(cache.held, undefined);
    cache.install(model.version, weights.slice());
    await cache.flush();
    const reopened = new ModelCache(modelFile(dir, log), log);
    assert.ok(reopened.held?.sha256.equals(model.version.sha256));
    assert.deepEqual(reopened.weightsOf(model.version), weights);

    const path = join(dir, MODEL_FILE);
    const bytes = readFileSync(path);
    bytes[bytes.length - 2] = (bytes[bytes.length - 2] as number) ^ 0x10;
    writeFileSync(path, bytes);
    const damaged = new ModelCache(modelFile(dir, log), log);
    assert.equal(damaged.held, undefined);
    assert.ok(log.lines.some((l) => l.level === 'warn' && l.msg === 'kept model is unusable; fetching the whole model' && l.fields['reason'] === 'its weights do not match their sha256 (damaged)'));
  });

  it('refuses to install weights that do not hash to the version named, and keeps what it held', () => {
    const log = new MemoryLogger();
    const cache = new ModelCache(undefined, log);
    cache.install(model.version, weights.slice());
    const other = weights.slice();
    other[0] = 42;
    assert.throws(() => cache.install(versionOf(13, weights), other), /hashes to [0-9a-f]{12}: not the weights named/);
    assert.ok(cache.held?.sha256.equals(model.version.sha256));
    assert.equal(cache.stats.mismatches, 1);
  });
});
