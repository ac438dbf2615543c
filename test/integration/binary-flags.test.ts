import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cohortNodeFlags } from '../../bench/helpers/children.js';
import { COHORT_BIN, run } from '../helpers/processes.js';

describe('the cohort binary', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cohort-bin-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('started as npx and a PATH install start it (its #! line), runs node with the flags on that line', async () => {
    // Preloaded into the process the #! line starts: it reports the flags node really got.
    const probe = join(dir, 'probe.cjs');
    writeFileSync(probe, "process.stderr.write('execArgv=' + JSON.stringify(process.execArgv) + '\\n');\n");
    const r = await run(COHORT_BIN, ['--version'], { cwd: dir, env: { ...process.env, NODE_OPTIONS: `--require ${probe}` } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^cohort \d+\.\d+\.\d+/);
    const seen = /^execArgv=(.*)$/m.exec(r.stderr);
    assert.ok(seen, r.stderr);
    assert.deepEqual(JSON.parse(seen[1] as string), ['--initial-heap-size=64']);
  });

  it('its node flags are the ones benchmark children run with, and this node accepts them', async () => {
    const flags = cohortNodeFlags();
    // The GC setting the round figures were measured with (bin/cohort.js says why).
    assert.deepEqual(flags, ['--initial-heap-size=64']);
    const r = await run(process.execPath, [...flags, COHORT_BIN, '--version'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
  });
});
