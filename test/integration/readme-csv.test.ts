/**
 * README, "Your table, your model": the marked commands run exactly as printed (real
 * `cohort` binary, background coordinator and nodes, in a fresh directory standing in
 * for a checkout with examples/), and the output and config file shown are what they are.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, Walkthrough } from '../helpers/readme.js';

describe('README walk-through: "Your table, your model" (real binaries, as printed)', function () {
  let walkthrough: Walkthrough;

  before(function () {
    walkthrough = new Walkthrough(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8'), 'csv', { ports: [7443], links: ['examples'] });
  });

  after(async function () {
    const stopped = await walkthrough.stop();
    // Every background process was still up at the end, and SIGTERM stopped it cleanly.
    for (const s of stopped) assert.equal(s.finished.code, 0, `${s.command} ended ${s.finished.code ?? s.finished.signal}:\n${s.finished.stderr}`);
  });

  it('runs every marked command in order; the output and the config shown match (port 7443 replaced by a free port)', async function () {
    await walkthrough.run();
    const used = walkthrough.substitutions.get(7443);
    assert.ok(used !== undefined && used !== 7443);
    assert.ok(walkthrough.result(/coordinator 127\.0\.0\.1:7443/).argv.includes(`127.0.0.1:${used}`));
  });

  it('trains a model clearly better than always predicting the majority class (0.61 of the held-out rows) in three rounds', function () {
    const out = walkthrough.result(/round launch/).stdout;
    const accuracies = [...out.matchAll(/accuracy (\d\.\d+)/g)].map((m) => Number(m[1]));
    assert.equal(accuracies.length, 3, out);
    assert.ok((accuracies.at(-1) as number) >= 0.75, out);
  });

  it('each node found its table fits the model and gave no scaling warning', function () {
    for (const name of ['hospital-a', 'hospital-b', 'hospital-c']) {
      const node = walkthrough.process(new RegExp(`--name ${name} `));
      assert.match(node.stderr, /local data fits the coordinator's model/);
      assert.doesNotMatch(node.stderr, /"level":(40|50)/, `${name} logged a warning or an error:\n${node.stderr}`);
    }
  });
});
