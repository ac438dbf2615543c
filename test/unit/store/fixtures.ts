/** Shared fixtures of the store tests: temp dirs, deterministic weights, rounds and ledger entries. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RoundEvent } from '../../../server/core/types.js';
import type { CoordinatorStore, RoundEntry, RoundEntryInput } from '../../../server/store/index.js';
import { SeededRandom } from '../../../shared/random.js';

/** Temp directories removed by `cleanup`. */
export class TempDirs {
  private readonly dirs: string[] = [];

  /** A fresh empty directory. */
  make(prefix = 'cohort-store-'): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    this.dirs.push(dir);
    return dir;
  }

  /** Remove every directory made so far. */
  cleanup(): void {
    for (const d of this.dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  }
}

/**
 * `n` float32 values from random bit patterns (seeded), so that -0, subnormals and extreme
 * exponents occur; NaN and infinity patterns are pulled back to finite ones.
 */
export function weightsFor(seed: number, n: number): Float32Array {
  const bits = new Uint32Array(n);
  new SeededRandom(seed).fillBytes(new Uint8Array(bits.buffer));
  for (let i = 0; i < n; i++) {
    const b = bits[i] as number;
    if (((b >>> 23) & 0xff) === 0xff) bits[i] = b & ~(1 << 23);
  }
  bits[0] = 0x80000000; // -0
  if (n > 1) bits[1] = 0x00000001; // smallest subnormal
  return new Float32Array(bits.buffer);
}

/** The final event of a round that ended in `state`. */
export function eventFor(round: number, state: RoundEvent['state'] = 'completed', extra: Partial<RoundEvent> = {}): RoundEvent {
  return {
    round,
    state,
    selected: 4,
    participants: state === 'completed' ? 3 : 0,
    evaluated: state === 'completed' ? 3 : 0,
    ...(state === 'completed' ? { accuracy: 0.5 + round / 100, loss: 1 / round } : { reason: `round ${round} ${state} in a test` }),
    seconds: 1,
    startedAtMs: 1_700_000_000_000 + round,
    index: 1,
    of: 1,
    ...extra,
  };
}

/** A plausible ledger entry for `round` (epsilon grows with the round). */
export function entryFor(round: number, extra: Partial<RoundEntryInput> = {}): RoundEntryInput {
  return {
    round,
    sampleRate: 0.5,
    noiseMultiplier: 1.1,
    clipNorm: 1,
    minSurvivors: 2,
    survivors: 3,
    epsilonAfter: 0.25 * round,
    delta: 1e-5,
    accountant: 'rdp',
    noise: 'distributed',
    ...extra,
  };
}

/** The store's round entries (released models), in order. */
export function roundEntries(store: CoordinatorStore): RoundEntry[] {
  return store.ledger().filter((e): e is RoundEntry => e.kind === 'round');
}

export { coded } from '../../helpers/errors.js';
