/** Settings that bound one node's influence: defaults, and each bad value refused with a message naming it. */
import assert from 'node:assert/strict';
import { coordinatorConfig } from '../../../cli/commands/coordinator.js';
import { DEFAULT_MAX_WEIGHT_SHARE, DEFAULT_TRIM_FRACTION } from '../../../server/core/aggregators.js';
import { DEFAULT_PROGRESS_TIMEOUT_MS, DEFAULT_ROUND_SETTINGS, validateSettings } from '../../../server/core/coordinator.js';
import type { RoundSettings } from '../../../server/core/types.js';
import { CohortError } from '../../../shared/errors.js';

const base = { host: '127.0.0.1', port: 0, certs: 'certs', dataDir: 'data', logLevel: 'silent' };

function refused(settings: Partial<RoundSettings>, pattern: RegExp): void {
  assert.throws(
    () => validateSettings({ ...DEFAULT_ROUND_SETTINGS, ...settings }),
    (e: unknown) => e instanceof CohortError && e.code === 'invalid_argument' && pattern.test(e.message),
  );
}

describe('influence and progress settings', () => {
  it('default to fedavg with a 0.2 share cap, a norm bound of 10 and a 10 s progress timeout', () => {
    const config = coordinatorConfig(base);
    assert.equal(config.defaults.aggregator, 'fedavg');
    assert.equal(config.defaults.maxWeightShare, DEFAULT_MAX_WEIGHT_SHARE);
    assert.equal(config.defaults.maxWeightShare, 0.2);
    assert.equal(config.defaults.trimFraction, DEFAULT_TRIM_FRACTION);
    assert.equal(config.defaults.clipNorm, 10);
    assert.equal(config.progressTimeoutMs, DEFAULT_PROGRESS_TIMEOUT_MS);
  });

  it('take the coordinator flags', () => {
    const config = coordinatorConfig({ ...base, aggregator: 'trimmed-mean', trimFraction: 0.2, maxWeightShare: 0.5, progressTimeout: 2.5 });
    assert.equal(config.defaults.aggregator, 'trimmed-mean');
    assert.equal(config.defaults.trimFraction, 0.2);
    assert.equal(config.defaults.maxWeightShare, 0.5);
    assert.equal(config.progressTimeoutMs, 2500);
  });

  it('refuse robust aggregators where updates are not in the clear, and out-of-range values, naming the option', () => {
    refused({ aggregator: 'bogus' as RoundSettings['aggregator'] }, /aggregator must be fedavg, trimmed-mean or median, got bogus/);
    refused({ aggregator: 'median', secureAggregation: true }, /aggregator median needs every update in the clear/);
    refused({ aggregator: 'trimmed-mean', noiseMultiplier: 1 }, /aggregator trimmed-mean needs every update in the clear/);
    refused({ trimFraction: 0.5 }, /trim fraction must be in \[0, 0\.5\), got 0\.5/);
    refused({ maxWeightShare: 0 }, /max weight share must be in \(0, 1\], got 0/);
    refused({ maxWeightShare: 1.5 }, /max weight share must be in \(0, 1\], got 1\.5/);
    refused({ clipNorm: 0 }, /clip must be a positive number \(it bounds every update's norm\), got 0/);
    refused({ minNodes: 3, targetUpdates: 2 }, /target updates must be an integer of at least min-nodes \(3\), got 2/);
    refused({ targetUpdates: 2.5 }, /target updates must be an integer of at least min-nodes \(2\), got 2\.5/);
    refused({ targetUpdates: 4, secureAggregation: true }, /--target-updates is for plain rounds/);
    refused({ targetUpdates: 4, noiseMultiplier: 1 }, /--target-updates is for plain rounds/);
    assert.doesNotThrow(() => validateSettings({ ...DEFAULT_ROUND_SETTINGS, targetUpdates: 2 }));
    assert.throws(() => coordinatorConfig({ ...base, progressTimeout: 0 }), (e: unknown) => e instanceof CohortError && e.code === 'usage' && /--progress-timeout must be a number from 0.001 to 3,600 seconds/.test(e.message));
    assert.throws(() => coordinatorConfig({ ...base, aggregator: 'median', noiseMultiplier: 1 }), (e: unknown) => e instanceof CohortError && e.code === 'usage' && /in the clear/.test(e.message));
  });
});
