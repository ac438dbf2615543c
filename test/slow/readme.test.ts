/**
 * The README's "Your own model" walk-through, run as written with the README walk-through
 * harness (test/helpers/readme.ts): every marked `sh` and `python` block of that section,
 * in order, in a fresh directory that sees the checkout's `examples/` and `sdk/`. Python is
 * the one with PyTorch (python() first on PATH); the one change is a free port for 7443.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO_ROOT, Walkthrough } from '../helpers/readme.js';
import { python, pythonHas } from '../helpers/trainer-processes.js';

/** Lines of diff between two files (added plus removed), by longest common subsequence. */
function diffLines(a: string[], b: string[]): number {
  const lcs = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  }
  return a.length + b.length - 2 * lcs[0]![0]!;
}

describe('README "Your own model", run as written (slow)', function () {
  this.timeout(900_000);
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  let walkthrough: Walkthrough | undefined;

  after(async function () {
    const stopped = (await walkthrough?.stop()) ?? [];
    for (const s of stopped) assert.equal(s.finished.code, 0, `${s.command} ended ${s.finished.code ?? s.finished.signal}:\n${s.finished.stderr.slice(-3000)}`);
  });

  it('states the size of the change to the PyTorch script truthfully', function () {
    const read = (f: string): string[] => readFileSync(join(REPO_ROOT, 'examples', 'pytorch-mnist', f), 'utf8').split('\n');
    const measured = diffLines(read('train_local.py'), read('train.py'));
    const stated = /\(`diff -u train_local\.py train\.py`\) is (\d+) lines of diff/.exec(readme);
    assert.equal(Number(stated?.[1]), measured);
  });

  it('goes from the script to a federation that trains, and exports a model PyTorch loads', async function () {
    if (!pythonHas('torch', 'numpy', 'google.protobuf')) throw new Error(`${python()} lacks torch, numpy or protobuf (.ci/run installs them)`);
    const env = { ...process.env, PATH: `${dirname(python())}:${process.env['PATH'] ?? ''}` };
    walkthrough = new Walkthrough(readme, 'own-model', { ports: [7443], links: ['examples', 'sdk'], env });
    await walkthrough.run();
    const launched = walkthrough.result(/round launch/).stdout;
    const rounds = launched.split('\n').filter((l) => /^round \d+ \(\d+\/5\)/.test(l));
    process.stdout.write(`${rounds.map((l) => `      ${l}`).join('\n')}\n`);
    assert.equal(rounds.length, 5, launched);
    for (const l of rounds) assert.match(l, /participants 3\/3/);
    const accuracies = rounds.map((l) => Number(/accuracy ([\d.]+)/.exec(l)?.[1]));
    assert.ok(Math.max(...accuracies) >= 0.96, `accuracy ${accuracies.join(', ')}`);
    assert.match(walkthrough.result(/python3 \(README/).stdout, /^5 [0-9a-f]{64} 8 tensors\n$/);
  });
});
