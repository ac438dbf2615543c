/**
 * `cohort round launch` under a budget over real TLS: before round 1 it says how many of the
 * requested rounds the budget affords, runs only those, prints one line per round that ran
 * (refused rounds print no line each and take no round numbers) and exits 3 for the rest.
 */
import assert from 'node:assert/strict';
import { runCli } from '../../cli/main.js';
import { epsilonRdp } from '../../shared/dp/rdp.js';
import { MemoryLogger } from '../../shared/logger.js';
import type { StartedCoordinator } from '../../server/main.js';
import { type RunningNode, startTestCoordinator, startTestNode, TestPki } from '../helpers/federation.js';
import { ConstantWork } from '../helpers/work.js';
import { recordingIo } from '../helpers/io.js';

const SIGMA = 4;
const two = epsilonRdp({ q: 1, sigma: SIGMA, steps: 2, delta: 1e-5 }).epsilon;
const three = epsilonRdp({ q: 1, sigma: SIGMA, steps: 3, delta: 1e-5 }).epsilon;

describe('cohort round launch under a privacy budget (integration)', function () {
  let pki: TestPki;
  let coordinator: StartedCoordinator;
  let nodes: RunningNode[];

  before(async function () {
    pki = new TestPki();
    pki.issue('op', 'operator');
    for (const n of ['a', 'b']) pki.issue(n, 'node');
    coordinator = await startTestCoordinator(pki, {
      log: new MemoryLogger(),
      model: { kind: 'logreg', features: 4, classes: 2 },
      settings: { minNodes: 2 },
      privacy: { epsilon: (two + three) / 2, delta: 1e-5 },
    });
    nodes = ['a', 'b'].map((n) => startTestNode(pki, coordinator.port, n, new ConstantWork()));
    await Promise.all(nodes.map((n) => n.daemon.when('connected')));
  });

  after(async function () {
    await Promise.all(nodes.map((n) => n.stop()));
    await coordinator.close();
    pki.remove();
  });

  async function cohort(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
    const rec = recordingIo();
    const code = await runCli([...argv, '--coordinator', `127.0.0.1:${coordinator.port}`, '--certs', pki.dir, '--name', 'op'], rec.io);
    return { code, out: rec.out(), err: rec.err() };
  }

  it('says before round 1 that 2 of 10 rounds fit, runs those two, and exits 3 for the other eight in one message', async function () {
    const r = await cohort('round', 'launch', '--rounds', '10', '--noise-multiplier', String(SIGMA));
    assert.equal(r.code, 3, r.err);
    const plan = r.err.split('\n')[0] ?? '';
    assert.match(plan, /^privacy budget ε = [\d.]+, 0 spent: it affords 2 of the 10 requested rounds \(ε [\d.]+ after them\); queued 2 from round 1, the other 8 are refused and take no round numbers$/);
    const lines = r.out.trim().split('\n');
    assert.equal(lines.length, 2, r.out);
    assert.match(lines[0] ?? '', /^round 1 \(1\/2\) +accuracy/);
    assert.match(lines[1] ?? '', /^round 2 \(2\/2\) +accuracy/);
    assert.match(r.err, /cohort: 8 of the 10 requested round\(s\) refused: the privacy budget affords only 2\n$/);
    assert.equal(r.err.match(/refused/g)?.length, 2, 'one plan line and one closing message, not a line per refused round');
  });

  it('refuses a launch the budget cannot pay for at all, and the next affordable round takes the next number', async function () {
    const none = await cohort('round', 'launch', '--rounds', '3', '--noise-multiplier', String(SIGMA), '--json');
    assert.equal(none.code, 3);
    assert.match(none.err, /privacy budget exceeded: budget ε = .*spent .*this round would bring it to/);
    const set = await cohort('budget', 'set', '--epsilon', '100', '--reason', 'second study approved');
    assert.equal(set.code, 0, set.err);
    const next = await cohort('round', 'launch', '--rounds', '1', '--noise-multiplier', String(SIGMA), '--json');
    assert.equal(next.code, 0, next.err);
    const json = JSON.parse(next.out) as { rounds: { round: number; status: string }[]; plan: { requested: number; affordable: number; budget: number } };
    assert.deepEqual(json.rounds.map((x) => [x.round, x.status]), [[3, 'completed']]);
    assert.deepEqual([json.plan.requested, json.plan.affordable, json.plan.budget], [1, 1, 100]);
  });
});
