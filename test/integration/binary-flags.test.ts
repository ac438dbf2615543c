import { strict as assert } from 'node:assert';
import { tmpdir } from 'node:os';
import { cohortNodeFlags } from '../../bench/helpers/children.js';
import { COHORT_BIN, run } from '../helpers/processes.js';

describe('the cohort binary', () => {
  it('runs through its #! line, as npx and a PATH install start it', async () => {
    const r = await run(COHORT_BIN, ['--version'], { cwd: tmpdir() });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^cohort \d+\.\d+\.\d+/);
  });

  it('its node flags are the ones benchmark children run with, and this node accepts them', async () => {
    const flags = cohortNodeFlags();
    // The GC setting the round figures were measured with (bin/cohort.js says why).
    assert.deepEqual(flags, ['--initial-heap-size=64']);
    const r = await run(process.execPath, [...flags, COHORT_BIN, '--version'], { cwd: tmpdir() });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
  });
});
