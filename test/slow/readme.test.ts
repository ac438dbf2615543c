/**
 * The README's "Your own model" walk-through, run as written: every `sh` and `python`
 * block of that section, in order, in a fresh directory that sees the checkout's
 * `examples/` and `sdk/` (symlinks). This is a minimal extractor of its own; the README
 * walk-through harness of another branch (test/helpers/readme.ts) is to replace it.
 *
 * Rules: a `sh` line is one command run with /bin/sh (lines starting with # are comments);
 * `npx cohort` is this checkout's bin/cohort.js; `export NAME=VALUE` sets NAME for the
 * commands after it ($PWD is the directory); `cohort coordinator` and `cohort node` run in
 * the background, each until its ready line; every other command must exit 0. A `python`
 * block runs as one script. The one change: the coordinator gets `--port 0` and later
 * commands its real address instead of 127.0.0.1:7443. Python is the one with PyTorch
 * (python() first on PATH).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { COHORT_BIN, type Daemon, daemon, python, pythonHas, REPO, run } from '../helpers/trainer-processes.js';

/** The fenced blocks of the README section titled `title`, in order. */
function sectionBlocks(title: string): Array<{ lang: string; code: string }> {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const start = readme.indexOf(`\n## ${title}\n`);
  assert.ok(start >= 0, `README has a section "${title}"`);
  const end = readme.indexOf('\n## ', start + 4);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1] ?? '', code: m[2] ?? '' }));
}

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
  let dir: string;
  const daemons: Daemon[] = [];

  before(function () {
    if (!pythonHas('torch', 'numpy', 'google.protobuf')) throw new Error(`${python()} lacks torch, numpy or protobuf (.ci/run installs them)`);
    dir = mkdtempSync(join(tmpdir(), 'cohort-readme-'));
    symlinkSync(join(REPO, 'examples'), join(dir, 'examples'));
    symlinkSync(join(REPO, 'sdk'), join(dir, 'sdk'));
  });

  after(async function () {
    await Promise.all(daemons.map((d) => d.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('states the size of the change to the PyTorch script truthfully', function () {
    const read = (f: string): string[] => readFileSync(join(REPO, 'examples', 'pytorch-mnist', f), 'utf8').split('\n');
    const measured = diffLines(read('train_local.py'), read('train.py'));
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    const stated = /\(`diff -u train_local\.py train\.py`\) is (\d+) lines of diff/.exec(readme);
    assert.equal(Number(stated?.[1]), measured);
  });

  it('goes from the script to a federation that trains, and exports a model PyTorch loads', async function () {
    const blocks = sectionBlocks('Your own model').filter((b) => b.lang === 'sh' || b.lang === 'python');
    assert.ok(blocks.length >= 6);
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${dirname(python())}:${process.env['PATH'] ?? ''}` };
    let address = '127.0.0.1:7443';
    const outputs: string[] = [];
    const shell = (line: string): string => line.replaceAll('npx cohort', `"${process.execPath}" "${COHORT_BIN}"`).replaceAll('127.0.0.1:7443', address);
    for (const block of blocks) {
      if (block.lang === 'python') {
        const file = join(dir, `block-${outputs.length}.py`);
        writeFileSync(file, block.code);
        const r = await run(python(), [file], { cwd: dir, env });
        assert.equal(r.code, 0, `python block:\n${block.code}\n${r.err}`);
        outputs.push(r.out);
        continue;
      }
      for (const raw of block.code.split('\n')) {
        const line = raw.trim();
        if (line === '' || line.startsWith('#')) continue;
        const exported = /^export ([A-Z_]+)=(.*)$/.exec(line);
        if (exported) {
          env[exported[1] as string] = (exported[2] as string).replaceAll('$PWD', dir);
          continue;
        }
        if (line.startsWith('npx cohort coordinator')) {
          // `exec`: the daemon replaces the shell, so stopping it stops the daemon, not only the shell.
          const d = daemon('/bin/sh', ['-c', `exec ${shell(line)} --port 0`], /listening on (127\.0\.0\.1:\d+)/, { cwd: dir, env });
          daemons.push(d);
          address = (await d.ready)[1] as string;
          continue;
        }
        if (line.startsWith('npx cohort node')) {
          const d = daemon('/bin/sh', ['-c', `exec ${shell(line)}`], /connected to coordinator/, { cwd: dir, env });
          daemons.push(d);
          await d.ready;
          continue;
        }
        const r = await run('/bin/sh', ['-c', shell(line)], { cwd: dir, env });
        assert.equal(r.code, 0, `${line}\n${r.err}`);
        outputs.push(r.out);
      }
    }
    const rounds = outputs.join('').split('\n').filter((l) => /^round \d+ \(\d+\/5\)/.test(l));
    process.stdout.write(`${rounds.map((l) => `      ${l}`).join('\n')}\n`);
    assert.equal(rounds.length, 5);
    for (const l of rounds) assert.match(l, /participants 3\/3/);
    const accuracies = rounds.map((l) => Number(/accuracy ([\d.]+)/.exec(l)?.[1]));
    assert.ok(Math.max(...accuracies) >= 0.96, `accuracy ${accuracies.join(', ')}`);
    assert.match(outputs[outputs.length - 1] ?? '', /^5 [0-9a-f]{64} 8 tensors\n$/);
  });
});
