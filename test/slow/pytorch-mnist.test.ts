/**
 * examples/pytorch-mnist end to end, as processes over real TLS: three sites' MNIST digits
 * exported to files, the initial model written by the training script itself, a
 * `cohort coordinator --model init.safetensors`, three `cohort node --trainer "python3
 * train.py"` daemons, `cohort round launch`. Plain, with secure aggregation, and under a
 * privacy budget. Slow (PyTorch): `npm run test:slow`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COHORT_BIN, federationCerts, type ProcessFederation, processFederation, python, pythonHas, REPO, run } from '../helpers/trainer-processes.js';

const EXAMPLE = join(REPO, 'examples', 'pytorch-mnist');
const SITES = ['hospital-a', 'hospital-b', 'hospital-c'];

describe('examples/pytorch-mnist: three PyTorch sites over TLS (slow)', function () {
  this.timeout(600_000);
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const cohort = (args: string[]) => run(process.execPath, [COHORT_BIN, ...args], { cwd: dir, env });

  before(async function () {
    if (!pythonHas('torch', 'numpy', 'google.protobuf')) throw new Error(`${python()} lacks torch, numpy or protobuf: apt-get install python3-torch python3-numpy python3-protobuf (.ci/run does)`);
    dir = mkdtempSync(join(tmpdir(), 'cohort-pytorch-'));
    env = { ...process.env, PYTHONPATH: join(REPO, 'sdk', 'python') };
    await federationCerts(dir, SITES, env);
    for (const [i, s] of SITES.entries()) assert.equal((await cohort(['data', 'export', `mnist:${i + 1}/3`, '--out', s])).code, 0);
    const init = await run(python(), [join(EXAMPLE, 'train.py'), '--data', SITES[0] as string], { cwd: dir, env: { ...env, COHORT_INIT_MODEL: 'init.safetensors' } });
    assert.equal(init.code, 0, init.err);
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  function federation(name: string, coordinatorArgs: string[], launchArgs: string[]): Promise<ProcessFederation> {
    const sites = SITES.map((s) => ({ name: s, trainer: `${python()} ${join(EXAMPLE, 'train.py')} --data ${s}` }));
    return processFederation({ dir, env, name, model: 'init.safetensors', sites, coordinatorArgs, launchArgs: ['--rounds', '5', ...launchArgs] });
  }

  it('reaches at least 0.96 federated accuracy within 5 rounds, and the exported model loads in PyTorch', async function () {
    const f = await federation('plain', [], []);
    try {
      const accuracies = f.doc.rounds.map((r) => r.accuracy ?? 0);
      process.stdout.write(`      plain: ${accuracies.map((a) => a.toFixed(4)).join(' ')}\n`);
      assert.ok(f.doc.rounds.every((r) => r.status === 'completed' && r.participants === 3));
      assert.ok(Math.max(...accuracies) >= 0.96, `accuracy ${accuracies.join(', ')}`);
      const exported = await cohort(['models', 'export', '5', '--format', 'safetensors', '--out', 'round5.safetensors', '--coordinator', f.address, '--certs', 'certs', '--name', 'alice']);
      assert.equal(exported.code, 0, exported.err);
      const check = await run(python(), ['-c', LOAD_IN_TORCH], { cwd: dir, env: { ...env, PYTHONPATH: `${join(REPO, 'sdk', 'python')}:${EXAMPLE}` } });
      assert.equal(check.code, 0, check.err);
      const [keys, accuracy] = check.out.trim().split(' ');
      assert.equal(keys, 'matched');
      assert.ok(Number(accuracy) >= 0.94, `round 5 model on site b's held-out digits: ${accuracy}`);
    } finally {
      await f.stop();
    }
  });

  it('also with secure aggregation', async function () {
    const f = await federation('secure', [], ['--secure-aggregation', '--clip', '50']);
    try {
      const accuracies = f.doc.rounds.map((r) => r.accuracy ?? 0);
      process.stdout.write(`      secure aggregation: ${accuracies.map((a) => a.toFixed(4)).join(' ')}\n`);
      assert.ok(f.doc.rounds.every((r) => r.status === 'completed' && r.participants === 3));
      assert.ok(Math.max(...accuracies) >= 0.96, `accuracy ${accuracies.join(', ')}`);
    } finally {
      await f.stop();
    }
  });

  it('also under a privacy budget: every round charged, the budget enforced', async function () {
    const f = await federation('private', ['--epsilon-budget', '30000'], ['--noise-multiplier', '0.01', '--clip', '5']);
    try {
      const accuracies = f.doc.rounds.map((r) => r.accuracy ?? 0);
      const epsilons = f.doc.rounds.map((r) => r.epsilon ?? NaN);
      process.stdout.write(`      private (σ 0.01, C 5): ${accuracies.map((a) => a.toFixed(4)).join(' ')}; ε ${epsilons.map((e) => e.toFixed(0)).join(' ')}\n`);
      assert.ok(f.doc.rounds.every((r) => r.status === 'completed' && r.participants === 3));
      assert.ok(epsilons.every((e, i) => e > 0 && (i === 0 || e > (epsilons[i - 1] as number))), 'ε grows with every round');
      assert.ok((epsilons[4] as number) <= 30000);
      const refused = await cohort(['round', 'launch', '--rounds', '2', '--json', '--noise-multiplier', '0.01', '--clip', '5', '--coordinator', f.address, '--certs', 'certs', '--name', 'alice']);
      assert.equal(refused.code, 3, 'the next rounds would pass the budget');
    } finally {
      await f.stop();
    }
  });
});

/** Load the exported model with PyTorch into the example's Net; print "matched ACCURACY" on site b's held-out split. */
const LOAD_IN_TORCH = `
import torch
from cohort_trainer import load_model
from torch.utils.data import DataLoader
from train import Net, load_data, test
arrays, meta = load_model("round5.safetensors")
assert meta["cohort.round"] == "5", meta
net = Net()
result = net.load_state_dict({k: torch.from_numpy(v) for k, v in arrays.items()})
_, held_out = load_data("hospital-b")
print("matched" if not result.missing_keys and not result.unexpected_keys else "mismatch", test(net, DataLoader(held_out, batch_size=256))[1])
`;
