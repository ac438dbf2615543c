/** `cohort privacy plan`: σ for a target ε, ε after each round, the noise against the mean update, and a verdict. */
import assert from 'node:assert/strict';
import { runCli } from '../../../cli/main.js';
import { privacyPlan } from '../../../shared/dp/plan.js';
import { noiseForEpsilon } from '../../../shared/dp/noise-search.js';
import { epsilonRdp } from '../../../shared/dp/rdp.js';
import { recordingIo } from '../../helpers/io.js';

async function cohort(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const rec = recordingIo();
  const code = await runCli(argv, rec.io);
  return { code, out: rec.out(), err: rec.err() };
}

describe('privacy plan', function () {
  it('finds σ for the target, and gives ε after every round with and without sampling amplification', function () {
    const p = privacyPlan({ nodes: 1000, sampleRate: 0.1, rounds: 40, clipNorm: 5, targetEpsilon: 8, delta: 1e-5, parameters: 7850 });
    assert.equal(p.noiseMultiplier, noiseForEpsilon({ targetEpsilon: 8, q: 0.1, steps: 40, delta: 1e-5 }).noiseMultiplier);
    assert.equal(p.epsilonAfter.length, 40);
    for (const t of [1, 17, 40]) {
      assert.equal(p.epsilonAfter[t - 1], epsilonRdp({ q: 0.1, sigma: p.noiseMultiplier, steps: t, delta: 1e-5 }).epsilon);
      assert.equal(p.epsilonUnamplifiedAfter[t - 1], epsilonRdp({ q: 1, sigma: p.noiseMultiplier, steps: t, delta: 1e-5 }).epsilon);
    }
    assert.ok((p.epsilonAfter[39] as number) <= 8);
    assert.ok(p.epsilonAfter.every((e, i) => i === 0 || e >= (p.epsilonAfter[i - 1] as number)));
    assert.ok(p.epsilonUnamplifiedAfter.every((e, i) => e >= (p.epsilonAfter[i] as number)));
    assert.equal(p.expectedParticipants, 100);
    assert.equal(p.noiseStdMean, (p.noiseMultiplier * 5) / 100);
    assert.equal(p.noiseToUpdate, (p.noiseMultiplier * Math.sqrt(7850)) / 100);
  });

  it('says plainly that three hospitals are too small for node-level DP on MNIST, and a large federation is workable', function () {
    const small = privacyPlan({ nodes: 3, sampleRate: 1, rounds: 10, clipNorm: 5, targetEpsilon: 8, delta: 1e-5, parameters: 7850 });
    assert.equal(small.verdict, 'too-small');
    assert.ok(small.noiseToUpdate > 50);
    const large = privacyPlan({ nodes: 100_000, sampleRate: 0.1, rounds: 10, clipNorm: 5, targetEpsilon: 8, delta: 1e-5, parameters: 7850 });
    assert.equal(large.verdict, 'workable');
  });

  it('prints σ, the rounds, the ratio with its assumption and the verdict; --json has every round', async function () {
    const t = await cohort('privacy', 'plan', '--nodes', '3', '--rounds', '10', '--clip', '5', '--target-epsilon', '8');
    assert.equal(t.code, 0, t.err);
    const sigma = noiseForEpsilon({ targetEpsilon: 8, q: 1, steps: 10, delta: 1e-5 }).noiseMultiplier;
    assert.match(t.out, new RegExp(`Noise multiplier σ = ${String(sigma).replace('.', '\\.')} `));
    assert.match(t.out, /target ε = 8 at δ =\s1e-5, 7850 model parameters/);
    assert.equal(t.out.match(/^ +\d+ +[\d.]+ +[\d.]+$/gm)?.length, 10);
    assert.match(t.out, /This assumes every node sends an\supdate of norm C/);
    assert.match(t.out, /Verdict: too small for node-level DP\./);
    const j = await cohort('privacy', 'plan', '--nodes', '200', '--sample-rate', '0.5', '--rounds', '100', '--target-epsilon', '4', '--model', 'mlp', '--hidden', '16', '--json');
    assert.equal(j.code, 0, j.err);
    const o = JSON.parse(j.out) as { perRound: unknown[]; parameters: number; delta: number; verdict: string; noiseMultiplier: number; assumption: string };
    assert.equal(o.perRound.length, 100);
    assert.equal(o.parameters, 784 * 16 + 16 + 16 * 10 + 10);
    assert.equal(o.delta, 1e-5);
    assert.ok(['workable', 'noisy', 'too-small'].includes(o.verdict));
    assert.match(o.assumption, /best case/);
  });

  it('refuses what it cannot plan, naming the option (exit 2)', async function () {
    for (const [argv, said] of [
      [['--nodes', '0', '--rounds', '10', '--target-epsilon', '8'], /--nodes/],
      [['--nodes', '3', '--rounds', '10', '--target-epsilon', '1e-9'], /unreachable/],
      [['--nodes', '3', '--rounds', '10', '--target-epsilon', '0x8'], /--target-epsilon/],
      [['--nodes', '3', '--rounds', '10'], /--target-epsilon/],
    ] as const) {
      const r = await cohort('privacy', 'plan', ...argv);
      assert.equal(r.code, 2, `${argv.join(' ')}: ${r.err}`);
      assert.match(r.err, said);
    }
  });
});
