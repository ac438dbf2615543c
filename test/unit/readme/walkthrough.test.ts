import assert from 'node:assert/strict';
import { readWalkthrough, shape, Walkthrough, words } from '../../helpers/readme.js';

const DOC = [
  '# Title',
  '',
  '<!-- walkthrough demo run -->',
  '```sh',
  'npx cohort ca init --dir certs   # the CA',
  "npx cohort node --name 'a b' \\",
  '  --label "x # y"',
  '',
  '```',
  'text',
  '<!-- walkthrough other run -->',
  '```sh',
  'echo other',
  '```',
  '<!-- walkthrough demo start until="listening on" -->',
  '```sh',
  'npx cohort coordinator --port 7443',
  '```',
  '<!-- walkthrough demo output -->',
  '```',
  'round 1  accuracy 0.75',
  '```',
  '<!-- walkthrough demo file=examples/x.json -->',
  '```json',
  '{}',
  '```',
  '<!-- walkthrough demo run exit=2 -->',
  '```sh',
  'npx cohort --nope',
  '```',
].join('\n');

describe('README walk-through markers (test/helpers/readme.ts)', () => {
  it('reads the blocks of one walk-through in order, with their commands and options', () => {
    const steps = readWalkthrough(DOC, 'demo');
    assert.deepEqual(
      steps.map((s) => [s.kind, s.line, s.commands.map((c) => c.words)]),
      [
        [
          'run',
          3,
          [
            ['npx', 'cohort', 'ca', 'init', '--dir', 'certs'],
            ['npx', 'cohort', 'node', '--name', 'a b', '--label', 'x # y'],
          ],
        ],
        ['start', 15, [['npx', 'cohort', 'coordinator', '--port', '7443']]],
        ['output', 19, []],
        ['file', 23, []],
        ['run', 27, [['npx', 'cohort', '--nope']]],
      ],
    );
    assert.deepEqual(steps[1]?.until, /listening on/);
    assert.equal(steps[2]?.text, 'round 1  accuracy 0.75');
    assert.equal(steps[3]?.file, 'examples/x.json');
    assert.equal(steps[4]?.exit, 2);
    assert.equal(steps[0]?.commands[1]?.line, 6);
  });

  it('refuses what needs a shell, naming the line', () => {
    for (const bad of ['a | b', 'a > f', 'a && b', 'echo $HOME', 'a; b', 'echo `x`']) assert.throws(() => words(bad, 'README line 9'), /README line 9: ".*" needs a shell/, bad);
    assert.deepEqual(words('a "b | c" \'$d\'', 'x'), ['a', 'b | c', '$d']);
    assert.throws(() => words('a "b', 'README line 3'), /unterminated " quote/);
  });

  it('runs exports, per-command variables, $PWD and Python blocks as a shell would (and nothing else of a shell)', async () => {
    const doc = [
      '<!-- walkthrough env run -->',
      '```sh',
      'export GREETING=hello WHERE=$PWD/sub',
      'NAME=world node -e "console.log(process.env.GREETING, process.env.NAME, process.env.WHERE === process.cwd() + \'/sub\')"',
      'node -e "console.log(process.env.NAME === undefined)"',
      '```',
      '<!-- walkthrough env python -->',
      '```python',
      'import os',
      'print(os.environ["GREETING"], os.path.basename(os.getcwd()).startswith("cohort-walkthrough-env-"))',
      '```',
    ].join('\n');
    const w = new Walkthrough(doc, 'env', { env: { ...process.env, PATH: `/usr/bin:${process.env['PATH'] ?? ''}` } });
    try {
      await w.run();
      assert.deepEqual(
        w.results.map((r) => r.stdout),
        ['hello world true\n', 'true\n', 'hello True\n'],
      );
    } finally {
      await w.stop();
    }
    assert.throws(() => words('echo $PWDX', 'README line 2'), /needs a shell/);
    assert.deepEqual(words('a=$PWD/x', 'x').length, 1);
  });

  it('refuses a marker without a code block, a start without until, and a walk-through with no blocks', () => {
    assert.throws(() => readWalkthrough('<!-- walkthrough w run -->\ntext', 'w'), /line 1: a walkthrough marker must be followed by a fenced code block/);
    assert.throws(() => readWalkthrough('<!-- walkthrough w start -->\n```\nx\n```', 'w'), /needs until="PATTERN"/);
    assert.throws(() => readWalkthrough(DOC, 'missing'), /no block of walkthrough "missing"/);
  });

  it('compares output with digits blurred', () => {
    assert.equal(shape('round 1 (1/3)  accuracy 0.7556  0.46 s\n'), shape('round 2 (2/3)  accuracy 0.8012  1.05 s'));
    assert.notEqual(shape('participants 3/3'), shape('participants 3/3  x'));
  });
});
