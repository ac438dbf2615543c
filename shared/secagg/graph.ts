/**
 * The sparse neighbour graph of SecAgg+ (Bell et al., CCS 2020, §3 and §5): a Harary
 * graph H(k, n) — node at position i is joined to positions i±1 … i±k/2 (mod n) — over a
 * random permutation of the round's nodes, drawn from a seed fixed in the round's
 * configuration before any key is advertised, so every node recomputes the same graph
 * and the coordinator cannot pick the graph after seeing the keys. Each node then
 * shares its secrets with, and masks against, only its k neighbours.
 */
import { createHash } from 'node:crypto';
import { CohortError } from '../errors.js';
import { encodeFields, sortIds } from './bytes.js';
import { SEED_BYTES, wordStream } from './prg.js';

/** The neighbour relation of one round. */
export interface NeighbourGraph {
  /** All nodes, in canonical (sorted) order. */
  readonly ids: readonly string[];
  /** Neighbours per node (n − 1 when the graph is complete). */
  readonly degree: number;
  readonly complete: boolean;
  /** Sorted neighbours of `id` (empty for a node not in the graph). */
  neighbours(id: string): readonly string[];
  isNeighbour(a: string, b: string): boolean;
  has(id: string): boolean;
  /** The Shamir x-coordinate of `id`'s shares: its 1-based index in `ids`. */
  xOf(id: string): number;
}

function uniformBelow(next: () => number, n: number): number {
  const limit = 2 ** 32 - (2 ** 32 % n);
  for (;;) {
    const w = next();
    if (w < limit) return w % n;
  }
}

/**
 * Build the graph over `ids` (any order; duplicates refused). With k ≥ n − 1 the graph is
 * complete (classic SecAgg); otherwise k must be even (a k-regular Harary circulant).
 */
export function buildNeighbourGraph(ids: readonly string[], k: number, seed: Uint8Array): NeighbourGraph {
  const sorted = sortIds(ids);
  const n = sorted.length;
  if (new Set(sorted).size !== n) throw new CohortError('invalid_argument', 'neighbour graph: duplicate node ids');
  if (!Number.isInteger(k) || k < 1) throw new CohortError('invalid_argument', `neighbour graph: k must be an integer ≥ 1, got ${k}`);
  if (!(seed instanceof Uint8Array) || seed.length !== SEED_BYTES) throw new CohortError('invalid_argument', `neighbour graph: seed must be ${SEED_BYTES} bytes`);
  const complete = k >= n - 1;
  if (!complete && k % 2 !== 0) throw new CohortError('invalid_argument', `neighbour graph: k = ${k} must be even when smaller than n − 1 = ${n - 1}`);
  const index = new Map(sorted.map((id, i) => [id, i]));
  const adjacency = new Map<string, Set<string>>();
  if (complete) {
    for (const id of sorted) adjacency.set(id, new Set(sorted.filter((o) => o !== id)));
  } else {
    // Fisher–Yates over the sorted ids with a PRG keyed by a domain-separated hash of the seed.
    const next = wordStream(createHash('sha256').update(encodeFields('cohort-secagg-graph', seed)).digest());
    const order = [...sorted];
    for (let i = n - 1; i > 0; i--) {
      const j = uniformBelow(next, i + 1);
      const tmp = order[i] as string;
      order[i] = order[j] as string;
      order[j] = tmp;
    }
    for (let p = 0; p < n; p++) {
      const set = new Set<string>();
      for (let off = 1; off <= k / 2; off++) {
        set.add(order[(p + off) % n] as string);
        set.add(order[(p - off + n) % n] as string);
      }
      adjacency.set(order[p] as string, set);
    }
  }
  const lists = new Map([...adjacency].map(([id, set]) => [id, sortIds(set)]));
  return {
    ids: sorted,
    degree: complete ? n - 1 : k,
    complete,
    neighbours: (id) => lists.get(id) ?? [],
    isNeighbour: (a, b) => adjacency.get(a)?.has(b) ?? false,
    has: (id) => index.has(id),
    xOf: (id) => {
      const i = index.get(id);
      if (i === undefined) throw new CohortError('invalid_argument', `node ${id} is not in the neighbour graph`);
      return i + 1;
    },
  };
}

/** Parameters for one round of SecAgg+ and the bounds they were chosen against. */
export interface SecAggParameters {
  readonly n: number;
  /** Neighbours per node. */
  readonly k: number;
  /** Shamir threshold: shares any t neighbours hold reconstruct a secret. */
  readonly t: number;
  /** True when k = n − 1 (every node is every other's neighbour: classic SecAgg). */
  readonly completeGraph: boolean;
  /** Union bound on P[some node keeps fewer than t neighbours, or the survivors' graph splits] at the expected dropout rate. */
  readonly failureBound: number;
  /** Bound on P[corrupt neighbours reach 2t − k, or dropped and corrupt nodes split the honest survivors]. */
  readonly securityBound: number;
  /** Both bounds are within the targets 2^-correctnessBits and 2^-securityBits. */
  readonly meetsTargets: boolean;
}

/** Options of `chooseParameters`. */
export interface ChooseParametersOptions {
  /** Fraction γ of nodes assumed to collude with the coordinator (default 0: honest-but-curious coordinator). */
  corruptFraction?: number;
  /** σ: security failures at most 2^-σ (default 40, as in Bell et al.). */
  securityBits?: number;
  /** η: rounds that fail for too many dropouts at most 2^-η (default 20). */
  correctnessBits?: number;
  /** Operator overrides, validated with `validateParameters`. */
  k?: number;
  t?: number;
}

let logFactorialTable = new Float64Array([0, 0]);

function logFactorial(n: number): number {
  if (n >= logFactorialTable.length) {
    const grown = new Float64Array(Math.max(n + 1, 2 * logFactorialTable.length));
    grown.set(logFactorialTable);
    for (let i = logFactorialTable.length; i < grown.length; i++) grown[i] = (grown[i - 1] as number) + Math.log(i);
    logFactorialTable = grown;
  }
  return logFactorialTable[n] as number;
}

/** tails[j] = P[Bin(k, p) ≥ j] for j = 0 … k + 1, each binomial term computed in log space. */
function upperTails(k: number, p: number): Float64Array {
  const tails = new Float64Array(k + 2);
  if (p <= 0) {
    tails[0] = 1;
    return tails;
  }
  if (p >= 1) {
    tails.fill(1, 0, k + 1);
    return tails;
  }
  const lp = Math.log(p);
  const lq = Math.log1p(-p);
  for (let i = k; i >= 0; i--) {
    const term = Math.exp(logFactorial(k) - logFactorial(i) - logFactorial(k - i) + i * lp + (k - i) * lq);
    tails[i] = Math.min(1, (tails[i + 1] as number) + term);
  }
  return tails;
}

/** P[Bin(k, p) ≥ j]. */
export function binomialUpperTail(k: number, p: number, j: number): number {
  if (j <= 0) return 1;
  if (j > k) return 0;
  return upperTails(k, p)[j] as number;
}

/**
 * Check an operator's (k, t) for n nodes. Enforced: 1 ≤ k ≤ n − 1 with k even unless the
 * graph is complete (a k-regular Harary graph needs that); t ≤ k (otherwise no secret can
 * ever be reconstructed); and 2t > k, so no two disjoint groups of t neighbours of a node
 * exist (Bonawitz et al. §4, Bell et al. §3). That alone does not stop a coordinator that
 * shows different groups different survivor lists (it can take one node's self mask from
 * one group and its partners' keys from another): the majority rule on survivor lists
 * (`signatureQuorum`) does; 2t > k limits what colluding neighbours could reconstruct.
 */
export function validateParameters(n: number, k: number, t: number): void {
  if (!Number.isInteger(n) || n < 2) throw new CohortError('invalid_argument', `secure aggregation needs at least 2 nodes, got ${n}`);
  if (!Number.isInteger(k) || k < 1 || k > n - 1) throw new CohortError('invalid_argument', `k (neighbours per node) must be an integer in [1, ${n - 1}], got ${k}`);
  if (k < n - 1 && k % 2 !== 0) throw new CohortError('invalid_argument', `k = ${k} must be even (a k-regular Harary graph) unless it is n − 1 = ${n - 1}`);
  if (!Number.isInteger(t) || t > k) throw new CohortError('invalid_argument', `threshold t must be an integer ≤ k = ${k}, got ${t}`);
  if (2 * t <= k) {
    throw new CohortError('invalid_argument', `threshold t = ${t} must exceed k/2 = ${k / 2}, or a coordinator showing different views could collect both shares of one node`);
  }
}

/**
 * Choose (k, t) for n nodes following Bell et al. §3–5: the smallest even k, from a floor
 * of 2⌈log2 n⌉ (k = O(log n), so one unexpected dropout does not sink a round), for
 * which, with t the smallest threshold with 2t > k plus a margin for γ·k corrupt
 * neighbours: (1) every node keeps at least t surviving neighbours and the survivors'
 * graph stays connected (both are checked at run time; failing them aborts the round),
 * except with probability 2^-η at dropout rate δ; (2) corrupt neighbours alone reach
 * 2t − k only with probability 2^-σ, and dropped plus corrupt nodes split the honest
 * survivors (which the run-time check cannot see) only with probability 2^-σ. A Harary
 * graph splits only if two runs of k/2 consecutive positions are all removed, hence the
 * n²/2·p^k terms. When no k < n − 1 qualifies, the complete graph is used and
 * `meetsTargets` says whether it meets the targets.
 */
export function chooseParameters(n: number, expectedDropoutRate: number, options: ChooseParametersOptions = {}): SecAggParameters {
  if (!Number.isInteger(n) || n < 2) throw new CohortError('invalid_argument', `secure aggregation needs at least 2 nodes, got ${n}`);
  const delta = expectedDropoutRate;
  if (typeof delta !== 'number' || !(delta >= 0 && delta < 1)) throw new CohortError('invalid_argument', `expected dropout rate must be in [0, 1), got ${String(delta)}`);
  const gamma = options.corruptFraction ?? 0;
  if (typeof gamma !== 'number' || !(gamma >= 0 && gamma < 1)) throw new CohortError('invalid_argument', `corrupt fraction must be in [0, 1), got ${String(gamma)}`);
  const sigma = options.securityBits ?? 40;
  const eta = options.correctnessBits ?? 20;
  for (const [label, v] of [['securityBits', sigma], ['correctnessBits', eta]] as const) {
    if (!Number.isFinite(v) || v <= 0 || v > 128) throw new CohortError('invalid_argument', `${label} must be in (0, 128], got ${v}`);
  }
  const securityTarget = 2 ** -sigma;
  const correctnessTarget = 2 ** -eta;

  const thresholdFor = (k: number): number | undefined => {
    const corrupt = upperTails(k, gamma);
    for (let t = Math.floor(k / 2) + 1; t <= k; t++) {
      if (n * (corrupt[2 * t - k] as number) <= securityTarget) return t;
    }
    return undefined;
  };
  const evaluate = (k: number, t: number): SecAggParameters => {
    const completeGraph = k >= n - 1;
    const splitBy = (p: number): number => (completeGraph || p === 0 ? 0 : ((n * n) / 2) * p ** k);
    const failureBound = Math.min(1, n * (1 - (upperTails(k, 1 - delta)[t] as number)) + splitBy(delta));
    const securityBound = Math.min(1, n * (upperTails(k, gamma)[2 * t - k] as number) + (gamma > 0 ? splitBy(delta + gamma) : 0));
    return { n, k, t, completeGraph, failureBound, securityBound, meetsTargets: failureBound <= correctnessTarget && securityBound <= securityTarget };
  };

  if (options.k !== undefined) {
    const t = options.t ?? thresholdFor(options.k) ?? Math.floor(options.k / 2) + 1;
    validateParameters(n, options.k, t);
    return evaluate(options.k, t);
  }
  let chosen: SecAggParameters | undefined;
  const floor = 2 * Math.ceil(Math.log2(n));
  for (let k = floor; k < n - 1 && chosen === undefined; k += 2) {
    const t = thresholdFor(k);
    if (t === undefined) continue;
    const p = evaluate(k, t);
    if (p.meetsTargets) chosen = p;
  }
  if (chosen === undefined) {
    const k = n - 1;
    chosen = evaluate(k, thresholdFor(k) ?? Math.floor(k / 2) + 1);
  }
  if (options.t !== undefined) {
    validateParameters(n, chosen.k, options.t);
    return evaluate(chosen.k, options.t);
  }
  return chosen;
}

/** True when the subgraph induced on `members` is connected (vacuously for 0 or 1 members). */
export function inducedConnected(graph: NeighbourGraph, members: readonly string[]): boolean {
  const set = new Set(members);
  const first = members[0];
  if (first === undefined) return true;
  const seen = new Set([first]);
  const stack = [first];
  for (let id = stack.pop(); id !== undefined; id = stack.pop()) {
    for (const nb of graph.neighbours(id)) {
      if (set.has(nb) && !seen.has(nb)) {
        seen.add(nb);
        stack.push(nb);
      }
    }
  }
  return seen.size === set.size;
}
