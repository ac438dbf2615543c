/**
 * examples/typescript-trainer end to end, as processes over real TLS: a `cohort
 * coordinator --model init.safetensors` (the operator's file of zeros), three `cohort node
 * --trainer "node trainer.js --data FILE.csv"` daemons, `cohort round launch`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseManifest } from '../../shared/model/manifest.js';
import { encodeSafetensors } from '../../shared/model/safetensors.js';
import { federationCerts, processFederation, REPO } from '../helpers/trainer-processes.js';

const TRAINER = join(REPO, 'dist', 'examples', 'typescript-trainer', 'trainer.js');
const DATA = join(REPO, 'examples', 'numpy-tabular', 'data');

describe('examples/typescript-trainer: TypeScript trainer processes over TLS (integration)', function () {
  this.timeout(120_000);
  let dir: string;

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), 'cohort-ts-trainer-'));
    await federationCerts(dir, ['hospital-a', 'hospital-b', 'hospital-c']);
    const manifest = parseManifest([{ name: 'linear.weight', shape: [2, 8] }, { name: 'linear.bias', shape: [2] }], 'test');
    writeFileSync(join(dir, 'init.safetensors'), encodeSafetensors(manifest, new Float32Array(manifest.numParameters)));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('trains the readmission model to well above the majority rate (0.63) in 5 rounds', async function () {
    const sites = ['hospital-a', 'hospital-b', 'hospital-c'].map((s) => ({ name: s, trainer: `"${process.execPath}" ${TRAINER} --data ${join(DATA, `${s}.csv`)}` }));
    const f = await processFederation({ dir, env: process.env, name: 'ts', model: 'init.safetensors', sites, launchArgs: ['--rounds', '5'] });
    await f.stop();
    assert.ok(f.doc.rounds.every((r) => r.status === 'completed' && r.participants === 3), JSON.stringify(f.doc.rounds));
    process.stdout.write(`      TypeScript trainers: ${f.doc.rounds.map((r) => (r.accuracy ?? 0).toFixed(4)).join(' ')}\n`);
    assert.ok((f.doc.final.accuracy ?? 0) >= 0.71, `final accuracy ${f.doc.final.accuracy}`);
  });
});
