import assert from 'node:assert/strict';
import { basename, join, resolve, sep } from 'node:path';
import fc from 'fast-check';
import { CohortError } from '../../../shared/errors.js';
import { validateName } from '../../../shared/pki/index.js';
import { validateHolder } from '../../../shared/pki/names.js';

function isUsageError(err: unknown): boolean {
  return err instanceof CohortError && err.code === 'usage';
}

describe('pki: holder names', function () {
  it('accepts ordinary names', function () {
    for (const name of ['hospital-a', 'a', '0', 'site_7.eu-west', 'x'.repeat(63), 'ca2', 'coordinator-b', 'a.b']) {
      assert.equal(validateName(name), name);
    }
  });

  it('refuses path tricks, odd characters and reserved names with a usage error', function () {
    const bad = [
      '',
      '.',
      '..',
      '../x',
      'a/../b',
      'a..b',
      '/etc/passwd',
      'a/b',
      'a\\b',
      '.hidden',
      '-flag',
      '_x',
      'Hospital',
      'a b',
      'a\0b',
      'a\nb',
      'x'.repeat(64),
      'ca',
      'coordinator',
      'index',
      'revoked',
      'café',
    ];
    for (const name of bad) assert.throws(() => validateName(name), isUsageError, JSON.stringify(name));
    assert.throws(() => validateName('ca'), /reserved/);
  });

  it('never lets an accepted name leave the directory or hide a file (property)', function () {
    const nameChars = fc.constantFrom(...'abz09._-/\\ A\0%'.split(''));
    const arbitraryName = fc.oneof(fc.string({ maxLength: 70 }), fc.string({ unit: nameChars, maxLength: 70 }));
    const dir = resolve('/srv/certs');
    fc.assert(
      fc.property(arbitraryName, (name) => {
        let accepted: boolean;
        try {
          validateName(name);
          accepted = true;
        } catch (err) {
          assert.ok(isUsageError(err));
          accepted = false;
        }
        if (!accepted) return;
        assert.match(name, /^[a-z0-9][a-z0-9._-]{0,62}$/);
        for (const file of [`${name}.crt`, `${name}.key`]) {
          const path = join(dir, file);
          assert.equal(basename(path), file);
          assert.ok(path.startsWith(dir + sep));
        }
      }),
      { seed: 42, numRuns: 2000 },
    );
  });

  it('keeps the name and the role "coordinator" together', function () {
    validateHolder('coordinator', 'coordinator');
    validateHolder('hospital-a', 'node');
    assert.throws(() => validateHolder('coordinator', 'node'), isUsageError);
    assert.throws(() => validateHolder('evil', 'coordinator'), isUsageError);
    assert.throws(() => validateHolder('x', 'root' as 'node'), /use one of node, operator, auditor, coordinator/);
  });
});
