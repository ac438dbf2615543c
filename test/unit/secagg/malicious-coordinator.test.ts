/**
 * Finding 1 of issue 10: a coordinator that controls every message, with all nodes honest
 * and every signature valid, must learn no single node's input and no sum over fewer than
 * min_survivors inputs. Each strategy below is run against real node state machines over
 * a grid of (n, k, t): the defaults `chooseParameters` gives and the smallest overrides
 * the CLI accepts. After every run the adversary tries to compute every sum it could
 * (`smallestSumContaining` for each node) and the victim's input. The positive controls
 * show the same machinery does recover what it should: the released sum of an honest
 * round, and the victim's input once colluding nodes (which the guarantee excludes)
 * supply the missing majority.
 */
import assert from 'node:assert/strict';
import { SeededRandom } from '../../../shared/random.js';
import { sortIds } from '../../../shared/secagg/bytes.js';
import { buildNeighbourGraph, chooseParameters } from '../../../shared/secagg/graph.js';
import type { SecAggConfig } from '../../../shared/secagg/messages.js';
import { signatureQuorum } from '../../../shared/secagg/signing.js';
import { MaliciousCoordinator, planCollusion, planEquivocation, runEquivocation, type EquivocationPlan } from './adversary.js';
import { makeConfig, nodeIds } from './fixtures.js';

const D = 8;

interface Point {
  readonly n: number;
  readonly k: number;
  readonly t: number;
  readonly why: string;
  /** The old rule (t signatures per list) let the reviewer's two-list attack through here, so a plan must be found. */
  readonly reviewer: boolean;
}

function defaults(n: number, reviewer: boolean): Point {
  const p = chooseParameters(n, 0.1);
  return { n, k: p.k, t: p.t, why: `defaults for n = ${n}${p.completeGraph ? ' (complete graph)' : ''}`, reviewer };
}

const GRID: readonly Point[] = [
  defaults(10, true),
  defaults(12, true),
  defaults(60, true),
  defaults(100, true),
  { n: 10, k: 4, t: 3, why: '--neighbours 4 --threshold 3', reviewer: true },
  { n: 20, k: 6, t: 4, why: '--neighbours 6 --threshold 4', reviewer: true },
  { n: 2, k: 1, t: 1, why: 'smallest n', reviewer: false },
  { n: 3, k: 2, t: 2, why: 'n = 3, complete', reviewer: false },
  { n: 5, k: 4, t: 3, why: 'n = 5, complete', reviewer: false },
  { n: 6, k: 2, t: 2, why: 'smallest sparse override (--neighbours 2 --threshold 2)', reviewer: false },
];

function inputsFor(ids: readonly string[], seed: number): Map<string, Uint32Array> {
  const rng = new SeededRandom(seed);
  return new Map(ids.map((id) => [id, Uint32Array.from({ length: D }, () => rng.nextInt(2 ** 32))]));
}

function configFor(p: Point, m: number, extra: Partial<SecAggConfig> = {}): SecAggConfig {
  return makeConfig(nodeIds(p.n), p.k, p.t, D, { minSurvivors: Math.min(m, p.n), ...extra });
}

function equal(a: Uint32Array | undefined, b: Uint32Array): boolean {
  return a !== undefined && a.length === b.length && a.every((w, i) => w === b[i]);
}

/** The victim's input stays hidden, and so does every sum over fewer than m inputs. */
function assertNothingLeaks(adv: MaliciousCoordinator, victim: string | undefined, what: string): void {
  const m = adv.config.minSurvivors;
  if (victim !== undefined) {
    assert.ok(!equal(adv.attemptInput(victim), adv.truth([victim])), `${what}: the coordinator recovered ${victim}'s input. Nodes refused: ${adv.refusalSummary() || 'nothing'}`);
  }
  for (const v of adv.ids) {
    const set = adv.smallestSumContaining(v);
    if (set === undefined || set.length >= m) continue;
    const sum = adv.attemptSum(set);
    assert.ok(!equal(sum, adv.truth(set)), `${what}: the coordinator recovered the sum over ${set.join(', ')} (${set.length} < m = ${m}). Nodes refused: ${adv.refusalSummary() || 'nothing'}`);
  }
}

/** Some node refused for the reason given: the attack got as far as the rule that stops it. */
function assertRefusedFor(adv: MaliciousCoordinator, reason: RegExp): void {
  assert.ok(
    adv.refusals.some((r) => reason.test(r.reason)),
    `no node refused with ${String(reason)}; refusals: ${adv.refusalSummary() || 'none'}`,
  );
}

/** A plan for the two-list attack under the old quorum (or `quorum`), trying the first victims in order. */
function findPlan(p: Point, config: SecAggConfig, quorum: number, opts: { tries?: number; withhold?: boolean; shape?: 'any' | 'full' } = {}): EquivocationPlan | undefined {
  const graph = buildNeighbourGraph(config.participants, config.k, config.graphSeed);
  for (const victim of graph.ids.slice(0, 3)) {
    const plan = planEquivocation(graph, victim, p.t, config.minSurvivors, quorum, { ...opts, tries: opts.tries ?? (p.reviewer ? 1000 : 200) });
    if (plan) return plan;
  }
  return undefined;
}

/** A plan with every box delivered (only the signature rules stand in the way) when one exists, else the reviewer's. */
function bestPlan(p: Point, config: SecAggConfig, quorum: number, tries?: number): EquivocationPlan | undefined {
  const opts = tries !== undefined ? { tries } : {};
  return findPlan(p, config, quorum, { ...opts, withhold: false }) ?? findPlan(p, config, quorum, opts);
}

describe('secagg: a malicious coordinator with honest nodes (issue 10, finding 1)', function () {
  this.timeout(300_000);

  it('positive control: the adversary’s arithmetic recovers exactly the sum an honest round releases', () => {
    const p = defaults(12, false);
    const config = configFor(p, 5);
    const adv = new MaliciousCoordinator(config, inputsFor(config.participants, 1));
    adv.advertiseAll();
    adv.sendDirectory();
    const dropped = new Set(['node-03', 'node-08']); // they share keys, then never mask
    adv.deliverAll(adv.ids.filter((v) => !dropped.has(v)));
    const survivors = adv.ids.filter((v) => !dropped.has(v));
    adv.confirm(survivors, survivors);
    adv.unmask(survivors, survivors);
    assert.deepEqual(adv.refusals, []);
    // Every node's smallest computable sum is the whole survivor set, and it is right.
    for (const v of survivors) assert.deepEqual(adv.smallestSumContaining(v), survivors);
    assert.deepEqual(adv.attemptSum(survivors), adv.truth(survivors));
    assert.equal(adv.attemptInput('node-00'), undefined);
  });

  for (const p of GRID) {
    describe(`n = ${p.n}, k = ${p.k}, t = ${p.t} (${p.why})`, () => {
      it('equivocating survivor lists with withheld share boxes (the reviewer’s attack) reveals nothing', function () {
        const config = configFor(p, 2);
        const plan = findPlan(p, config, p.t);
        if (p.reviewer) assert.ok(plan, 'no plan found: the attack test would be vacuous here');
        if (plan === undefined) return this.skip(); // two groups of t holders cannot both exist here
        const adv = new MaliciousCoordinator(config, inputsFor(config.participants, 2));
        runEquivocation(adv, plan);
        assertNothingLeaks(adv, plan.victim, 'equivocation');
        assertRefusedFor(adv, /did not mask with survivor|more than half/);
      });

      it('equivocating survivor lists with every share box delivered reveals nothing (the majority rule alone)', function () {
        const config = configFor(p, 2);
        const plan = findPlan(p, config, p.t, { withhold: false });
        // Where even t signatures per list cannot do it without withholding (the sparse defaults), there is nothing to test.
        if (plan === undefined) return this.skip();
        const adv = new MaliciousCoordinator(config, inputsFor(config.participants, 2));
        runEquivocation(adv, plan);
        assertNothingLeaks(adv, plan.victim, 'equivocation without withholding');
        assertRefusedFor(adv, /more than half/);
      });

      if (p.reviewer) {
        it('positive control: with a few colluding nodes (outside the claim) the same two-list attack recovers the input', () => {
          const config = configFor(p, 2);
          const graph = buildNeighbourGraph(config.participants, config.k, config.graphSeed);
          const plan = planCollusion(graph, graph.ids[0] as string, p.t, 2, signatureQuorum(p.n));
          assert.ok(plan, 'no collusion plan found');
          const adv = new MaliciousCoordinator(config, inputsFor(config.participants, 2));
          runEquivocation(adv, plan, (i) => plan.colluders.map((z) => adv.colludingSignature(z, (plan.groups[i] as { list: readonly string[] }).list)));
          for (const z of plan.colluders) adv.collude(z);
          assert.deepEqual(adv.attemptInput(plan.victim), adv.truth([plan.victim]), `not recovered with ${plan.colluders.length} colluders; refusals: ${adv.refusalSummary()}`);
        });
      }

      it('replaying signatures from earlier runs of the same round id reveals nothing', function () {
        const config = configFor(p, 2);
        const plan = bestPlan(p, config, 1);
        if (p.reviewer) assert.ok(plan, 'no plan found: the attack test would be vacuous here');
        if (plan === undefined) return this.skip();
        const inputs = inputsFor(config.participants, 3);
        // Earlier runs of the same configuration: every node signs one of the lists the attack needs.
        const replayed = plan.groups.map((g, i) => {
          const earlier = new MaliciousCoordinator(config, inputs, { salt: 100 + i });
          earlier.advertiseAll();
          earlier.sendDirectory();
          earlier.deliverAll();
          earlier.confirm(earlier.ids, g.list);
          assert.equal(earlier.confirmations.size, g.list.length, earlier.refusalSummary());
          return [...earlier.confirmations].map(([sender, c]) => ({ sender, signature: c.signature }));
        });
        const adv = new MaliciousCoordinator(config, inputs, { salt: 7 });
        runEquivocation(adv, plan, (i) => replayed[i] ?? []);
        assertNothingLeaks(adv, plan.victim, 'replay');
        assertRefusedFor(adv, /does not verify over the survivor list, round and key directory|did not mask with survivor/);
      });

      it('showing the two groups different configurations, on the graph seed the coordinator likes best, reveals nothing', function () {
        // Grind the seed: keep the one whose plan needs the smallest groups.
        let best: { seed: Uint8Array; plan: EquivocationPlan } | undefined;
        const size = (q: EquivocationPlan): number => Math.max(...q.groups.map((g) => g.signers.length));
        for (let s = 0; s < 8; s++) {
          const config = configFor(p, 2, { graphSeed: new Uint8Array(32).fill(s) });
          const plan = bestPlan(p, config, p.t, 100);
          if (plan && (best === undefined || size(plan) < size(best.plan))) best = { seed: config.graphSeed, plan };
        }
        if (p.reviewer) assert.ok(best, 'no seed gives a plan: the attack test would be vacuous here');
        if (best === undefined) return this.skip();
        const { plan } = best;
        // The second group is told m = 2, the first the floor its list just meets: two configurations.
        const real = configFor(p, (plan.groups[0] as { list: readonly string[] }).list.length, { graphSeed: best.seed });
        const lax = { ...real, minSurvivors: 2 };
        const second = new Set(plan.groups[1]?.signers ?? []);
        const adv = new MaliciousCoordinator(real, inputsFor(real.participants, 4), { configFor: (id) => (second.has(id) ? lax : real) });
        runEquivocation(adv, plan);
        assertNothingLeaks(adv, plan.victim, 'config equivocation');
        // Adverts are signed over the round digest: the two groups cannot even agree on a key directory.
        assertRefusedFor(adv, /advertisement of node-\d+ is not signed by its certificate key/);
      });

      it('withholding share boxes across a cut to split the sum reveals no partial sum', () => {
        const m = Math.min(p.n, Math.max(2, Math.floor(p.n / 2) + 2));
        const config = configFor(p, m);
        const adv = new MaliciousCoordinator(config, inputsFor(config.participants, 5));
        // One side: a breadth-first ball around node-00 of fewer than m nodes.
        const side = new Set<string>();
        const queue = [adv.graph.ids[0] as string];
        while (queue.length > 0 && side.size < Math.max(1, Math.min(m - 1, p.n - 1))) {
          const u = queue.shift() as string;
          if (side.has(u)) continue;
          side.add(u);
          queue.push(...adv.graph.neighbours(u));
        }
        adv.advertiseAll();
        adv.sendDirectory();
        for (const id of adv.ids) adv.deliver(id, adv.graph.neighbours(id).filter((u) => side.has(u) === side.has(id)));
        const maskedAll = adv.ids.filter((v) => adv.masked.has(v));
        // Everyone who masked is shown the whole list; then one side is shown just itself.
        const signers = adv.confirm(maskedAll, maskedAll);
        const sideList = sortIds([...side].filter((v) => adv.masked.has(v)));
        const sideSigners = adv.confirm(sideList, sideList);
        adv.unmask(signers, maskedAll);
        adv.unmask(sideSigners, sideList);
        assertNothingLeaks(adv, undefined, 'split by withheld boxes');
      });

      it('claiming a node dropped after receiving its masked input reveals nothing', () => {
        const config = configFor(p, 2);
        const adv = new MaliciousCoordinator(config, inputsFor(config.participants, 6));
        const victim = adv.graph.ids[0] as string;
        adv.advertiseAll();
        adv.sendDirectory();
        adv.deliverAll();
        // Half the nodes are told the victim dropped (they reveal its key), half that it survived.
        const all = [...adv.ids];
        const without = all.filter((v) => v !== victim);
        const nbrs = adv.graph.neighbours(victim);
        const told = new Set([...nbrs.slice(0, Math.ceil(nbrs.length / 2)), ...without.filter((v) => !nbrs.includes(v)).filter((_, i) => i % 2 === 0)]);
        const a = all.filter((v) => told.has(v));
        const b = all.filter((v) => !told.has(v));
        adv.confirm(a, without);
        adv.confirm(b, all);
        adv.unmask(a, without);
        adv.unmask(b, all);
        assertNothingLeaks(adv, victim, 'dropped after masking');
      });

      it('reordering, misrouting or replaying share boxes reveals nothing', () => {
        const config = configFor(p, 2);
        const inputs = inputsFor(config.participants, 7);
        const earlier = new MaliciousCoordinator(config, inputs, { salt: 200 });
        earlier.advertiseAll();
        earlier.sendDirectory();
        const adv = new MaliciousCoordinator(config, inputs, { salt: 8 });
        adv.advertiseAll();
        adv.sendDirectory();
        const victim = adv.graph.ids[0] as string;
        const nbrs = adv.graph.neighbours(victim);
        // A box addressed to another node, and a box from an earlier run, are refused outright.
        const other = nbrs[0] as string;
        const sender = adv.graph.neighbours(other).find((u) => u !== victim && adv.graph.isNeighbour(u, victim));
        if (sender !== undefined) {
          const stolen = adv.boxes.get(sender)?.get(other) as Uint8Array;
          const r = adv.clients.get(victim)?.handle({ type: 'share_delivery', roundId: config.roundId, stage: 3, shares: [{ sender, ciphertext: stolen }] });
          assert.equal(r?.ok, false);
        }
        const old = earlier.boxes.get(other)?.get(victim) as Uint8Array;
        const replay = adv.clients.get(victim)?.handle({ type: 'share_delivery', roundId: config.roundId, stage: 3, shares: [{ sender: other, ciphertext: old }] });
        assert.equal(replay?.ok, false);
        // Boxes in reverse order change nothing; the victim then masks with all neighbours.
        for (const id of adv.ids) adv.deliver(id, adv.graph.neighbours(id), id === victim ? 'reversed' : 'sorted');
        const all = [...adv.ids];
        const without = sortIds(all.filter((v) => v !== victim));
        const half = Math.ceil(all.length / 2);
        adv.confirm(all.slice(0, half), all);
        adv.confirm(all.slice(half), without);
        adv.unmask(all.slice(0, half), all);
        adv.unmask(all.slice(half), without);
        assertNothingLeaks(adv, victim, 'reordered boxes');
      });
    });
  }
});
