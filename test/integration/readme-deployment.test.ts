/**
 * README, "A real deployment, step by step": every marked command runs exactly as printed
 * (real `cohort` binary; the CA, the coordinator host, three sites, an operator and an
 * auditor each in their own directory of one machine; coordinator and node daemons in the
 * background), and what the section promises of each step holds.
 */
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, Walkthrough } from '../helpers/readme.js';

describe('README walk-through: "A real deployment, step by step" (real binaries, as printed)', function () {
  this.timeout(300_000);
  let walkthrough: Walkthrough;

  before(async function () {
    walkthrough = new Walkthrough(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8'), 'deployment', { ports: [7443] });
    await walkthrough.run();
  });

  after(async function () {
    await walkthrough?.stop();
  });

  it('keeps the CA key on the workstation: only the four coordinator files reach its certs dir', function () {
    const dir = walkthrough.cwd;
    assert.equal(statSync(join(dir, 'ca', 'ca.key')).mode & 0o777, 0o600);
    assert.throws(() => statSync(join(dir, 'certs', 'ca.key')));
    const san = walkthrough.result(/ca init/).stdout;
    assert.match(san, /coordinator\.hospital-net\.example, 10\.0\.0\.5, localhost, 127\.0\.0\.1/);
  });

  it('trains three rounds with the three sites, and status and nodes show them', function () {
    const launched = walkthrough.result(/round launch/).stdout;
    const rounds = launched.split('\n').filter((l) => /^round \d+ \(\d\/3\)/.test(l));
    assert.equal(rounds.length, 3, launched);
    for (const r of rounds) assert.match(r, /participants 3\/3/);
    assert.match(walkthrough.result(/ status /).stdout, /3 completed, 0 queued/);
    const nodes = JSON.parse(walkthrough.result(/ nodes --json /).stdout) as { nodes: Array<{ name: string; status: string }> };
    assert.deepEqual(
      nodes.nodes.map((n) => [n.name, n.status]),
      [
        ['hospital-a', 'connected'],
        ['hospital-b', 'connected'],
        ['hospital-c', 'connected'],
      ],
    );
  });

  it("revoking hospital-b stops its daemon with code 3 and a message, once the list is copied to the coordinator", async function () {
    const b = walkthrough.process(/--name hospital-b /);
    const exit = await b.exited;
    assert.equal(exit.code, 3, b.stderr.slice(-2000));
    assert.match(b.stderr, /^cohort: .*revoked/m);
    for (const other of ['hospital-a', 'hospital-c']) assert.ok(walkthrough.process(new RegExp(`--name ${other} `)).running, `${other} stays up`);
  });

  it("gives the auditor a report without a budget (exit 0) listing the releases, and records the operator's budget", function () {
    const text = walkthrough.result(/budget report --coordinator/).stdout;
    assert.match(text, /no privacy budget/i);
    const json = JSON.parse(walkthrough.result(/budget report --json/).stdout) as { rounds: Array<{ round: number; private: boolean; modelSha256: string | null }> };
    assert.deepEqual(
      json.rounds.map((r) => [r.round, r.private]),
      [
        [1, false],
        [2, false],
        [3, false],
      ],
    );
    for (const r of json.rounds) assert.match(r.modelSha256 ?? '', /^[0-9a-f]{64}$/);
    const html = readFileSync(join(walkthrough.cwd, 'budget.html'), 'utf8');
    assert.match(html, /^<!DOCTYPE html>/i);
    assert.match(walkthrough.result(/budget set/).stdout + walkthrough.result(/budget set/).stderr, /10/);
  });
});
