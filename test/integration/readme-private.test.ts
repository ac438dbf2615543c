/**
 * README, "A private run, step by step": every marked command runs exactly as printed (real
 * `cohort` binary, a coordinator with a budget and three nodes with budgets of their own in
 * the background), and what the section says of the run holds: the plan's verdict, what
 * the budget affords, every round charged on the coordinator and on each node.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, Walkthrough } from '../helpers/readme.js';

describe('README walk-through: "A private run, step by step" (real binaries, as printed)', function () {
  this.timeout(600_000);
  let walkthrough: Walkthrough;

  before(async function () {
    walkthrough = new Walkthrough(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8'), 'private', { ports: [7443] });
    await walkthrough.run();
  });

  after(async function () {
    const stopped = await walkthrough?.stop();
    for (const s of stopped ?? []) assert.equal(s.finished.code, 0, `${s.command} ended ${s.finished.code ?? s.finished.signal}:\n${s.finished.stderr}`);
  });

  it('plans σ = 2.0165 for ε = 8 and says three nodes are too few', function () {
    const plan = walkthrough.result(/privacy plan/).stdout;
    assert.match(plan, /σ = 2\.0165/);
    assert.match(plan, /Verdict: too small for node-level DP/);
  });

  it('says before round 1 that the budget affords 10 of the 12 rounds, runs those with every node, and refuses the rest', function () {
    const launch = walkthrough.result(/round launch/);
    assert.equal(launch.code, 3);
    assert.match(launch.stderr, /affords 10 of the 12 requested rounds/);
    const rounds = launch.stdout.split('\n').filter((l) => /^round \d+ \(\d+\/\d+\)/.test(l));
    assert.equal(rounds.length, 10, launch.stdout);
    for (const r of rounds) assert.match(r, /participants 3\/3/);
    assert.match(launch.stderr, /2 of the 12 requested round\(s\) refused/);
  });

  it('reports ten private rounds within the budget, with both figures', function () {
    const report = walkthrough.result(/budget report/).stdout;
    assert.match(report, /budget/i);
    const spent = /spent[^0-9]*([0-9.]+)/i.exec(report);
    assert.ok(spent && Number(spent[1]) <= 8, report);
  });

  it('each node charged every round it took part in to its own budget, and none declined', function () {
    for (const name of ['hospital-a', 'hospital-b', 'hospital-c']) {
      const node = walkthrough.process(new RegExp(`--name ${name} `));
      const charged = node.stderr.match(/round charged to this node's privacy budget/g) ?? [];
      assert.equal(charged.length, 10, `${name}:\n${node.stderr.slice(-3000)}`);
      assert.doesNotMatch(node.stderr, /declining/);
    }
  });
});
