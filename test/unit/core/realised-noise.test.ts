/**
 * Attack on the accounting of adaptive clipping: measure the noise multiplier each query of a
 * private round really has, by running the node's and the coordinator's own noise code many
 * times, and compare the combined figure with the σ the ledger charges for the round.
 *
 * For each query, realised σ = (how far one node's data moves the released value, against the
 * node not contributing) / (std of the released value over many rounds). The shift is measured
 * exactly by running coupled worlds with the same random streams; the std by sampling. Both
 * queries together are one Gaussian mechanism with σ = (σ_Δ⁻² + σ_b⁻²)^(−1/2).
 */
import assert from 'node:assert/strict';
import { clippedForCentralNoise } from '../../../client/core/agent.js';
import { secureInput } from '../../../client/core/secure.js';
import { MemoryLogger } from '../../../shared/logger.js';
import { SeededRandom } from '../../../shared/random.js';
import { fixedPointParams } from '../../../shared/secagg/fixed-point.js';
import type { SecureSetup } from '../../../shared/wire/secagg.js';
import { DEFAULT_ROUND_SETTINGS } from '../../../server/core/coordinator.js';
import { privacyTask, privateRounds, releaseSecureSum } from '../../../server/core/privacy.js';
import type { PrivacyTask, RoundSettings } from '../../../server/core/types.js';
import { collect, D, type Harness, harness, header, pieces } from './fakes.js';

const Z = 1;
const CLIP = 1;
const ADAPTIVE = { targetQuantile: 0.5, learningRate: 0.2 };

/** The target node's data in each world: within the clip norm (bit 1), far outside it (bit 0), or no contribution. */
type World = 'within' | 'clipped' | 'absent';
const WORLDS: readonly World[] = ['within', 'clipped', 'absent'];

function std(xs: readonly number[]): number {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1));
}

function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (v[i] as number) ** 2;
  return Math.sqrt(s);
}

/** The other nodes' updates: small, within the clip norm. */
function otherDelta(k: number, d: number): Float32Array {
  return Float32Array.from({ length: d }, (_, i) => (((i + k) % 5) - 2) / 64);
}

/** The target's update in `world` (undefined: it does not contribute). */
function targetDelta(world: World, d: number): Float32Array | undefined {
  if (world === 'absent') return undefined;
  return world === 'within' ? new Float32Array(d) : Float32Array.from({ length: d }, (_, i) => (i % 2 === 0 ? 40 : -40));
}

/** Realised σ of the round from the two queries' shifts and noise. */
function combined(update: { shift: number; std: number }, bit: { shift: number; std: number }): { sigmaUpdate: number; sigmaBit: number; sigma: number } {
  const sigmaUpdate = update.std / update.shift;
  const sigmaBit = bit.std / bit.shift;
  return { sigmaUpdate, sigmaBit, sigma: (sigmaUpdate ** -2 + sigmaBit ** -2) ** -0.5 };
}

describe('realised noise of private rounds with adaptive clipping (attack on the accounting)', function () {
  this.timeout(120_000);

  describe('secure aggregation: node encoding and coordinator release, masks replaced by their exact cancellation', function () {
    const d = 32;
    const others = 4;
    const settings = (noise: 'distributed' | 'central'): RoundSettings => ({
      ...DEFAULT_ROUND_SETTINGS,
      minNodes: others + 1,
      secureAggregation: true,
      noiseMultiplier: Z,
      clipNorm: CLIP,
      noise,
      adaptiveClip: ADAPTIVE,
    });

    /** One secure round: every contributor's real secureInput, summed mod 2³², then the coordinator's real release. */
    function round(world: World, privacy: PrivacyTask, seed: number): { update: Float32Array; bits: number } {
      const sigma = Math.max(privacy.noiseMultiplier, privacy.clipBitNoiseMultiplier ?? 0);
      const noiseBound = privacy.noise === 'distributed' ? (8 * sigma * CLIP) / Math.sqrt(privacy.minSurvivors) : 0;
      const fp = fixedPointParams({ clipNorm: CLIP, noiseBound, maxSummands: others + 1 });
      const setup = {
        config: { vectorLength: d + 1, minSurvivors: privacy.minSurvivors, fixedPoint: { clipNorm: fp.clipNorm, noiseBound: fp.noiseBound, maxSummands: fp.maxSummands, scale: fp.scale } },
      } as unknown as SecureSetup;
      const sum = new Uint32Array(d + 1);
      const inputs = Array.from({ length: others }, (_, k) => otherDelta(k, d));
      const target = targetDelta(world, d);
      if (target) inputs.push(target);
      inputs.forEach((delta, k) => {
        // Each node has its own random stream; the same in every world, so only the target's data differs.
        const encoded = secureInput(delta.slice(), setup, privacy, new SeededRandom(seed * 97 + k), new MemoryLogger());
        for (let i = 0; i < sum.length; i++) sum[i] = ((sum[i] as number) + (encoded[i] as number)) >>> 0;
      });
      const released = releaseSecureSum(sum, fp, d, privacy, new SeededRandom(seed * 97 + 1000));
      assert.ok(released.noisedCentredBits !== undefined);
      return { update: Float32Array.from(released.sum), bits: released.noisedCentredBits };
    }

    for (const noise of ['distributed', 'central'] as const) {
      it(`${noise} noise: the realised σ of update and clip bit together is the σ charged`, function () {
        const s = settings(noise);
        const privacy = privacyTask(s, others + 1);
        assert.ok(privacy?.clipBitNoiseMultiplier !== undefined);
        // Shifts, with central noise so that coupled random streams cancel the noise exactly
        // (the node's encoding of its update and bit is the same code in both modes).
        const central = privacyTask(settings('central'), others + 1) as PrivacyTask;
        const shifts = { update: 0, bit: 0 };
        for (const seed of [1, 2, 3]) {
          const r = Object.fromEntries(WORLDS.map((w) => [w, round(w, central, seed)])) as Record<World, { update: Float32Array; bits: number }>;
          shifts.update = Math.max(shifts.update, norm(r.clipped.update.map((x, i) => x - (r.absent.update[i] as number))));
          shifts.bit = Math.max(shifts.bit, Math.abs(r.within.bits - r.absent.bits), Math.abs(r.clipped.bits - r.absent.bits));
        }
        // Noise: the std of each released coordinate over many rounds of this mode.
        const trials = 2000;
        const bits: number[] = [];
        const coords: number[][] = Array.from({ length: d }, () => []);
        for (let t = 0; t < trials; t++) {
          const r = round('within', privacy, 10_000 + t);
          bits.push(r.bits);
          r.update.forEach((x, i) => coords[i]?.push(x));
        }
        const updateStd = Math.sqrt(coords.reduce((a, c) => a + std(c) ** 2, 0) / d);
        const realised = combined({ shift: shifts.update, std: updateStd }, { shift: shifts.bit, std: std(bits) });
        const charged = s.noiseMultiplier;
        assert.ok(
          Math.abs(realised.sigma / charged - 1) < 0.04,
          `realised σ ${realised.sigma.toFixed(4)} (update ${realised.sigmaUpdate.toFixed(4)}, bit ${realised.sigmaBit.toFixed(4)}, bit shift ${shifts.bit.toFixed(3)}) against ${charged} charged`,
        );
      });
    }
  });

  describe('plain rounds, central noise: real coordinator rounds with the node\'s own clipping code', function () {
    const others = 3;
    const settings = { minNodes: others, noiseMultiplier: Z, clipNorm: CLIP, noise: 'central' as const, adaptiveClip: ADAPTIVE };

    /** One real round in `world`; returns the released sum (model step × participants), the noised centred-bit sum and the ledger's σ. */
    async function round(world: World, seed: number): Promise<{ sum: Float64Array; bits: number; charged: number }> {
      const h: Harness = harness({ samplingRng: new SeededRandom(seed) });
      const names = ['target', ...Array.from({ length: others }, (_, k) => `n${k}`)];
      const sessions = names.map((n) => h.connect(n));
      const before = h.coordinator.weights;
      const done = collect(h.coordinator.launch({ rounds: 1, settings }).events);
      const log = new MemoryLogger();
      for (const [k, s] of sessions.entries()) {
        const b = await s.next();
        const privacy = b.task.privacy as PrivacyTask;
        const delta = k === 0 ? targetDelta(world, D) : otherDelta(k, D);
        if (!delta) {
          h.coordinator.decline(s.name, b.task.round, 'train', 'not in this world');
          continue;
        }
        const update = clippedForCentralNoise({ delta, numExamples: 10, trainLoss: 0 }, privacy, log);
        const receiver = await h.coordinator.openUpdate(s.name, header(b.task.round, update.delta, 10, { withinClip: update.withinClip === true }), new AbortController().signal);
        for (const p of pieces(update.delta)) receiver.write(p);
        receiver.finish();
      }
      for (const s of sessions) {
        const b = await s.next();
        assert.equal(b.task.kind, 'evaluate');
        h.coordinator.submitEvaluation(s.name, { round: b.task.round, numExamples: 10, accuracy: 0.5, loss: 1 });
      }
      const events = await done;
      const end = events[events.length - 1];
      assert.equal(end?.state, 'completed', end?.reason);
      const participants = end?.participants ?? 0;
      const after = h.coordinator.weights;
      const sum = Float64Array.from(after, (w, i) => (w - (before[i] as number)) * participants);
      const line = h.log.lines.find((l) => l.msg === 'adaptive clipping: clip norm for the next round');
      const next = line?.fields.nextClipNorm as number;
      // Invert C' = C·exp(−η(S/E + 1/2 − γ)) for the released noised sum S of centred bits (E = q·connected).
      const expected = names.length;
      const bits = expected * (-Math.log(next / CLIP) / ADAPTIVE.learningRate + ADAPTIVE.targetQuantile - 0.5);
      const charged = privateRounds(h.coordinator.accountant.entries())[0]?.noiseMultiplier as number;
      await h.coordinator.close();
      return { sum, bits, charged };
    }

    it('the realised σ of update and clip bit together is the σ the ledger charges', async function () {
      const shifts = { update: 0, bit: 0 };
      for (const seed of [1, 2, 3]) {
        const within = await round('within', seed);
        const clipped = await round('clipped', seed);
        const absent = await round('absent', seed);
        shifts.update = Math.max(shifts.update, norm(clipped.sum.map((x, i) => x - (absent.sum[i] as number))));
        shifts.bit = Math.max(shifts.bit, Math.abs(within.bits - absent.bits), Math.abs(clipped.bits - absent.bits));
      }
      const trials = 600;
      const bits: number[] = [];
      const coords: number[][] = Array.from({ length: D }, () => []);
      let charged = 0;
      for (let t = 0; t < trials; t++) {
        const r = await round('within', 10_000 + t);
        bits.push(r.bits);
        r.sum.forEach((x, i) => coords[i]?.push(x));
        charged = r.charged;
      }
      const updateStd = Math.sqrt(coords.reduce((a, c) => a + std(c) ** 2, 0) / D);
      const realised = combined({ shift: shifts.update, std: updateStd }, { shift: shifts.bit, std: std(bits) });
      assert.equal(charged, Z);
      assert.ok(
        Math.abs(realised.sigma / charged - 1) < 0.05,
        `realised σ ${realised.sigma.toFixed(4)} (update ${realised.sigmaUpdate.toFixed(4)}, bit ${realised.sigmaBit.toFixed(4)}, bit shift ${shifts.bit.toFixed(3)}) against ${charged} charged`,
      );
    });
  });
});
