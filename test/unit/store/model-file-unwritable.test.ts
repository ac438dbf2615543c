/**
 * model.bin when the data dir cannot take it: the node keeps training on the model it
 * holds, logs why the copy was not kept, and keeps the next version once it can.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelCache } from '../../../client/core/models.js';
import { MODEL_FILE, modelFile } from '../../../client/store/model-file.js';
import { MemoryLogger } from '../../../shared/logger.js';
import { versionOf } from '../../../shared/model/version.js';

describe('model.bin: a data dir that cannot be written', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cohort-model-unwritable-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a failed save is logged, never thrown; the model stays held, and the next version is kept once the dir can take it', async () => {
    const log = new MemoryLogger();
    // A directory where the temp file goes: the write fails whoever runs the test (root included).
    const obstacle = join(dir, `${MODEL_FILE}.tmp`);
    mkdirSync(obstacle);
    const cache = new ModelCache(modelFile(dir, log), log);
    const w1 = Float32Array.from({ length: 37 }, (_, i) => Math.sin(i));
    const v1 = versionOf(4, w1);
    cache.install(v1, w1.slice());
    await cache.flush();
    assert.ok(cache.held?.sha256.equals(v1.sha256));
    assert.deepEqual(cache.weightsOf(v1), w1);
    assert.equal(existsSync(join(dir, MODEL_FILE)), false);
    const warned = log.lines.filter((l) => l.level === 'warn' && l.msg === 'could not keep the model in the data dir; a restart will fetch it again');
    assert.equal(warned.length, 1);
    assert.match(String(warned[0]?.fields['err']), /EISDIR/);

    rmSync(obstacle, { recursive: true });
    const w2 = Float32Array.from(w1, (x) => x + 1);
    const v2 = versionOf(5, w2);
    cache.install(v2, w2.slice());
    await cache.flush();
    const reopened = new ModelCache(modelFile(dir, log), log);
    assert.equal(reopened.held?.round, 5);
    assert.deepEqual(reopened.weightsOf(v2), w2);
  });
});
