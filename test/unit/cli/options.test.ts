import assert from 'node:assert/strict';
import { describeRange, intOption, numberOption } from '../../../cli/options.js';
import { CohortError } from '../../../shared/errors.js';

describe('CLI option values: what an option accepts, in words', () => {
  it('describes ranges the way a person would say them', () => {
    const cases: Array<[number, number, boolean, string]> = [
      [Number.MIN_VALUE, Infinity, false, 'a positive number'],
      [Number.MIN_VALUE, 1e6, false, 'a positive number up to 1,000,000'],
      [Number.MIN_VALUE, 0.5, false, 'a positive number up to 0.5'],
      [0, 1, false, 'a number from 0 to 1'],
      [0.001, 86400, false, 'a number from 0.001 to 86,400'],
      [0, Infinity, false, 'a number, 0 or more'],
      [-Infinity, Infinity, false, 'a number'],
      [1, Number.MAX_SAFE_INTEGER, true, 'a positive whole number'],
      [1, 100_000, true, 'a positive whole number up to 100,000'],
      [0, 65535, true, 'a whole number from 0 to 65,535'],
      [0, Number.MAX_SAFE_INTEGER, true, 'a whole number, 0 or more'],
      [2, 255, true, 'a whole number from 2 to 255'],
    ];
    for (const [min, max, integer, text] of cases) assert.equal(describeRange(min, max, integer), text, `${min}..${max}`);
  });

  it('names the option and the value in the usage error, never 5e-324', () => {
    const usageError = (message: string) => (err: unknown) => err instanceof CohortError && err.code === 'usage' && err.message === message;
    assert.throws(() => numberOption('--clip', Number.MIN_VALUE, 1e6)('0'), usageError('--clip must be a positive number up to 1,000,000, got "0"'));
    assert.throws(() => numberOption('--clip', Number.MIN_VALUE, 1e6)('abc'), usageError('--clip must be a positive number up to 1,000,000, got "abc"'));
    assert.throws(() => intOption('--epochs', 1, 1000)('2.5'), usageError('--epochs must be a positive whole number up to 1,000, got "2.5"'));
    assert.equal(numberOption('--clip', Number.MIN_VALUE, 1e6)('1e-3'), 0.001);
    assert.equal(intOption('--port', 0, 65535)('0'), 0);
  });
});
