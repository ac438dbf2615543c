/** Numbers on the command line are plain decimals: no hex, octal, binary, Infinity or empty strings. */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { coordinatorConfig } from '../../../cli/commands/coordinator.js';
import { intOption, numberOption, parseDecimal } from '../../../cli/options.js';
import { CohortError } from '../../../shared/errors.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../cli/main.js';
import { recordingIo } from '../../helpers/io.js';

async function cohort(...argv: string[]): Promise<{ code: number; stderr: string }> {
  const rec = recordingIo();
  const code = await runCli(argv, rec.io);
  return { code, stderr: rec.err() };
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

describe('cli/options: plain decimals only', function () {
  it('accepts exactly the plain decimal forms, with the value Number() gives them', function () {
    const decimalish = fc.stringMatching(/^[ +\-0-9.eExXbBoOaAfFI]{0,12}$/);
    fc.assert(
      fc.property(fc.oneof(decimalish, fc.string(), fc.double({ noNaN: true }).map(String)), (v) => {
        const n = parseDecimal(v);
        const t = v.trim();
        if (DECIMAL.test(t) && Number.isFinite(Number(t))) assert.equal(n, Number(t), JSON.stringify(v));
        else assert.equal(n, undefined, JSON.stringify(v));
      }),
      { seed: 11, numRuns: 2000 },
    );
  });

  for (const bad of ['0x10', '0X10', '0o7', '0b1', 'Infinity', '-Infinity', '', ' ', '1_000', '1e', '.', '+', '1.2.3', 'NaN', '١٢']) {
    it(`refuses ${JSON.stringify(bad)} as a number or integer (usage)`, function () {
      for (const parse of [numberOption('--noise-multiplier', 0, 1e4), intOption('--rounds', 1, 100)]) {
        assert.throws(
          () => parse(bad),
          (e: unknown) => e instanceof CohortError && e.code === 'usage' && e.message.includes(`"${bad}"`),
        );
      }
    });
  }

  it('still takes the forms people write: 1, 1.5, .5, 1e-5, 2E3, +3, -0.25', function () {
    const parse = numberOption('--x');
    assert.deepEqual(['1', '1.5', '.5', '1e-5', '2E3', '+3', '-0.25', ' 7 '].map(parse), [1, 1.5, 0.5, 1e-5, 2000, 3, -0.25, 7]);
    assert.equal(intOption('--n')('12'), 12);
    assert.throws(() => intOption('--n')('1.5'), /whole number/);
  });

  it('refuses --noise-multiplier 0x10 on every command that takes it (exit 2), where 0x10 used to mean 16', async function () {
    for (const argv of [
      ['round', 'launch', '--noise-multiplier', '0x10'],
      ['coordinator', '--noise-multiplier', '0x10'],
      ['privacy', 'epsilon', '--noise-multiplier', '0x10', '--sample-rate', '1', '--steps', '1', '--delta', '1e-5'],
      ['privacy', 'noise', '--target-epsilon', '0x10', '--sample-rate', '1', '--steps', '1', '--delta', '1e-5'],
      ['demo', '--noise-multiplier', '0x10'],
    ]) {
      const r = await cohort(...argv);
      assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /0x10/);
    }
  });

  it('refuses hex strings in a --config file too, and takes decimal strings and JSON numbers', function () {
    const dir = mkdtempSync(join(tmpdir(), 'cohort-config-'));
    try {
      const config = (body: object): Parameters<typeof coordinatorConfig>[0] => {
        const file = join(dir, 'c.json');
        writeFileSync(file, JSON.stringify(body));
        return { host: '127.0.0.1', port: 0, certs: 'certs', dataDir: 'd', logLevel: 'info', config: file };
      };
      for (const bad of [{ noiseMultiplier: '0x10' }, { minNodes: '0x3' }, { epsilonBudget: 'Infinity' }, { delta: '' }, { clip: true }]) {
        assert.throws(
          () => coordinatorConfig(config(bad)),
          (e: unknown) => e instanceof CohortError && e.code === 'usage' && /plain decimal/.test(e.message),
          JSON.stringify(bad),
        );
      }
      assert.equal(coordinatorConfig(config({ noiseMultiplier: '1.5', minNodes: 3 })).defaults.noiseMultiplier, 1.5);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
