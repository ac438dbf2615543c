/**
 * examples/numpy-tabular end to end, as processes over real TLS: three hospitals'
 * discharge tables (CSV), a numpy trainer at each site, the initial model written by the
 * trainer script. Also one federation mixing numpy and TypeScript trainers of the same
 * tensors. Slow only because it needs Python: `npm run test:slow`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { federationCerts, processFederation, python, pythonHas, REPO, run } from '../helpers/trainer-processes.js';

const EXAMPLE = join(REPO, 'examples', 'numpy-tabular');
const TS_TRAINER = join(REPO, 'dist', 'examples', 'typescript-trainer', 'trainer.js');
const SITES = ['hospital-a', 'hospital-b', 'hospital-c'];
/** Predicting "not readmitted" for everyone is right for 63% of the held-out patients. */
const MAJORITY = 0.63;

describe('examples/numpy-tabular: three hospitals\' CSV files (slow)', function () {
  this.timeout(300_000);
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const csv = (site: string): string => join(EXAMPLE, 'data', `${site}.csv`);

  before(async function () {
    if (!pythonHas('numpy', 'google.protobuf')) throw new Error(`${python()} lacks numpy or protobuf: apt-get install python3-numpy python3-protobuf (.ci/run does)`);
    dir = mkdtempSync(join(tmpdir(), 'cohort-tabular-'));
    env = { ...process.env, PYTHONPATH: join(REPO, 'sdk', 'python') };
    await federationCerts(dir, SITES, env);
    const init = await run(python(), [join(EXAMPLE, 'train.py'), '--data', csv('hospital-a')], { cwd: dir, env: { ...env, COHORT_INIT_MODEL: 'init.safetensors' } });
    assert.equal(init.code, 0, init.err);
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('learns to predict readmission well above the majority rate', async function () {
    const sites = SITES.map((s) => ({ name: s, trainer: `${python()} ${join(EXAMPLE, 'train.py')} --data ${csv(s)}` }));
    const f = await processFederation({ dir, env, name: 'numpy', model: 'init.safetensors', sites, launchArgs: ['--rounds', '5'] });
    await f.stop();
    const accuracies = f.doc.rounds.map((r) => r.accuracy ?? 0);
    process.stdout.write(`      numpy trainers: ${accuracies.map((a) => a.toFixed(4)).join(' ')}\n`);
    assert.ok(f.doc.rounds.every((r) => r.status === 'completed' && r.participants === 3));
    assert.ok((f.doc.final.accuracy ?? 0) >= MAJORITY + 0.06, `final accuracy ${f.doc.final.accuracy}`);
  });

  it('federates numpy and TypeScript trainers of the same tensors together', async function () {
    const sites = [
      { name: 'hospital-a', trainer: `${python()} ${join(EXAMPLE, 'train.py')} --data ${csv('hospital-a')}` },
      { name: 'hospital-b', trainer: `"${process.execPath}" ${TS_TRAINER} --data ${csv('hospital-b')}` },
      { name: 'hospital-c', trainer: `${python()} ${join(EXAMPLE, 'train.py')} --data ${csv('hospital-c')}` },
    ];
    const f = await processFederation({ dir, env, name: 'mixed', model: 'init.safetensors', sites, launchArgs: ['--rounds', '5'] });
    await f.stop();
    assert.ok(f.doc.rounds.every((r) => r.status === 'completed' && r.participants === 3));
    assert.ok((f.doc.final.accuracy ?? 0) >= MAJORITY + 0.06, `final accuracy ${f.doc.final.accuracy}`);
  });
});
