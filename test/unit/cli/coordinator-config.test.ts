import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { coordinatorConfig } from '../../../cli/commands/coordinator.js';
import { CohortError } from '../../../shared/errors.js';

describe('cohort coordinator: the declared feature range', () => {
  let dir: string;
  const base = { host: '127.0.0.1', port: 0, certs: 'certs', dataDir: 'data', logLevel: 'info' };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cohort-config-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function configFile(doc: object): string {
    const path = join(dir, `c${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(path, JSON.stringify(doc));
    return path;
  }

  it('is [0, 1] unless declared', () => {
    assert.deepEqual(coordinatorConfig(base).featureRange, { min: 0, max: 1 });
  });

  it('comes from --feature-range, or from the config file as "MIN,MAX" or [MIN, MAX]; the flag wins', () => {
    assert.deepEqual(coordinatorConfig({ ...base, featureRange: '-3,3' }).featureRange, { min: -3, max: 3 });
    assert.deepEqual(coordinatorConfig({ ...base, config: configFile({ featureRange: [0, 255] }) }).featureRange, { min: 0, max: 255 });
    assert.deepEqual(coordinatorConfig({ ...base, config: configFile({ featureRange: '0,10' }) }).featureRange, { min: 0, max: 10 });
    assert.deepEqual(coordinatorConfig({ ...base, featureRange: '0,2', config: configFile({ featureRange: '0,10' }) }).featureRange, { min: 0, max: 2 });
  });

  it('refuses a reversed or malformed range as bad usage', () => {
    for (const featureRange of ['1,0', 'x', '0;1']) {
      assert.throws(
        () => coordinatorConfig({ ...base, featureRange }),
        (err: unknown) => err instanceof CohortError && err.code === 'usage' && /feature-range must be two numbers MIN,MAX/.test(err.message),
        featureRange,
      );
    }
  });

  it('words a bad config-file value like the flag it stands for', () => {
    const cases: Array<[object, string]> = [
      [{ uploadSlots: 100 }, '--upload-slots must be a positive whole number up to 64, got 100'],
      [{ delta: 1 }, '--delta must be a number between 0 and 1 (neither 0 nor 1), got 1'],
      [{ metricsPort: 70000 }, '--metrics-port must be a whole number from 0 to 65,535, got 70000'],
      [{ regressionMargin: 2 }, '--regression-margin must be a number from 0 to 1, got 2'],
    ];
    for (const [doc, message] of cases) {
      assert.throws(
        () => coordinatorConfig({ ...base, config: configFile(doc) }),
        (err: unknown) => err instanceof CohortError && err.code === 'usage' && err.message === message,
        JSON.stringify(doc),
      );
    }
  });
});
