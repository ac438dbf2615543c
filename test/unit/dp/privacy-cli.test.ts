import assert from 'node:assert/strict';
import type { CliIo } from '../../../cli/io.js';
import { runCli } from '../../../cli/main.js';
import { ManualClock } from '../../../shared/clock.js';
import { epsilonRdp } from '../../../shared/dp/rdp.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function cohort(...argv: string[]): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    out: (s) => void out.push(s),
    err: (s) => void err.push(s),
    isTty: false,
    clock: new ManualClock(0),
    shutdown: new AbortController().signal,
  };
  const code = await runCli(argv, io);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

const MNIST = ['--noise-multiplier', '1.1', '--sample-rate', '0.004266666666666667', '--steps', '14063', '--delta', '1e-5'];

describe('cli: cohort privacy', function () {
  this.timeout(60_000);

  it('epsilon --json prints exactly {epsilon, delta, accountant}', async function () {
    const r = await cohort('privacy', 'epsilon', ...MNIST, '--json');
    assert.equal(r.code, 0, r.stderr);
    const obj = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(obj).sort(), ['accountant', 'delta', 'epsilon']);
    assert.equal(obj.accountant, 'rdp');
    assert.equal(obj.delta, 1e-5);
    assert.equal(obj.epsilon, epsilonRdp({ q: 0.004266666666666667, sigma: 1.1, steps: 14063, delta: 1e-5 }).epsilon);
  });

  it('epsilon --accountant pld uses the PLD accountant', async function () {
    const r = await cohort('privacy', 'epsilon', ...MNIST, '--accountant', 'pld', '--json');
    assert.equal(r.code, 0, r.stderr);
    const obj = JSON.parse(r.stdout) as { epsilon: number; accountant: string };
    assert.equal(obj.accountant, 'pld');
    assert.ok(Math.abs(obj.epsilon - 2.3818) < 0.01);
  });

  it('epsilon without --json prints a sentence', async function () {
    const r = await cohort('privacy', 'epsilon', ...MNIST);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^14063 rounds .* satisfy \(ε = 2\.597, δ = 0\.00001\)-differential privacy \(RDP accountant, best order [\d.]+\)\.\n$/);
  });

  it('noise --json prints exactly {noiseMultiplier}, and noise inverts epsilon', async function () {
    const r = await cohort('privacy', 'noise', '--target-epsilon', '1', '--sample-rate', '0.01', '--steps', '1000', '--delta', '1e-5', '--json');
    assert.equal(r.code, 0, r.stderr);
    const obj = JSON.parse(r.stdout) as { noiseMultiplier: number };
    assert.deepEqual(Object.keys(obj), ['noiseMultiplier']);
    const back = await cohort('privacy', 'epsilon', '--noise-multiplier', String(obj.noiseMultiplier), '--sample-rate', '0.01', '--steps', '1000', '--delta', '1e-5', '--json');
    assert.ok((JSON.parse(back.stdout) as { epsilon: number }).epsilon <= 1);
  });

  it('noise without --json says what the number means', async function () {
    const r = await cohort('privacy', 'noise', '--target-epsilon', '1', '--sample-rate', '0.01', '--steps', '1000', '--delta', '1e-5');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Noise multiplier [\d.]+ \(the smallest reaching the target, rounded up to 0\.0001\) gives ε = [\d.]+ ≤ 1 /);
  });

  it('bad values exit 2 with a message naming the option', async function () {
    const cases: [string[], string][] = [
      [['epsilon', '--noise-multiplier', '1', '--sample-rate', '0', '--steps', '10', '--delta', '1e-5'], '--sample-rate'],
      [['epsilon', '--noise-multiplier', '1', '--sample-rate', '1.5', '--steps', '10', '--delta', '1e-5'], '--sample-rate'],
      [['epsilon', '--noise-multiplier', '0', '--sample-rate', '0.1', '--steps', '10', '--delta', '1e-5'], '--noise-multiplier'],
      [['epsilon', '--noise-multiplier', 'abc', '--sample-rate', '0.1', '--steps', '10', '--delta', '1e-5'], '--noise-multiplier'],
      [['epsilon', '--noise-multiplier', '1', '--sample-rate', '0.1', '--steps', '0', '--delta', '1e-5'], '--steps'],
      [['epsilon', '--noise-multiplier', '1', '--sample-rate', '0.1', '--steps', '2.5', '--delta', '1e-5'], '--steps'],
      [['epsilon', '--noise-multiplier', '1', '--sample-rate', '0.1', '--steps', '10', '--delta', '1'], '--delta'],
      [['epsilon', '--noise-multiplier', '1', '--sample-rate', '0.1', '--steps', '10', '--delta', '0'], '--delta'],
      [['epsilon', '--noise-multiplier', '1', '--sample-rate', '0.1', '--steps', '10', '--delta', '1e-5', '--accountant', 'moments'], '--accountant'],
      [['noise', '--target-epsilon', '-1', '--sample-rate', '0.1', '--steps', '10', '--delta', '1e-5'], '--target-epsilon'],
      [['noise', '--target-epsilon', 'x', '--sample-rate', '0.1', '--steps', '10', '--delta', '1e-5'], '--target-epsilon'],
    ];
    for (const [args, option] of cases) {
      const r = await cohort('privacy', ...args);
      assert.equal(r.code, 2, `${args.join(' ')} → ${r.code}`);
      assert.ok(r.stderr.includes(option), `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, '');
    }
  });

  it('δ defaults to 1e-5 like everywhere else; a missing required option and an impossible target exit 2', async function () {
    const noDelta = await cohort('privacy', 'epsilon', '--noise-multiplier', '1', '--sample-rate', '0.1', '--steps', '10', '--json');
    assert.equal(noDelta.code, 0, noDelta.stderr);
    assert.equal((JSON.parse(noDelta.stdout) as { delta: number }).delta, 1e-5);
    const missing = await cohort('privacy', 'epsilon', '--noise-multiplier', '1', '--sample-rate', '0.1', '--delta', '1e-5');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--steps/);
    const impossible = await cohort('privacy', 'noise', '--target-epsilon', '1e-9', '--sample-rate', '1', '--steps', '10', '--delta', '1e-5');
    assert.equal(impossible.code, 2);
    assert.match(impossible.stderr, /unreachable/);
  });
});
