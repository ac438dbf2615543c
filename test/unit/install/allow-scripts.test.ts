/**
 * `npm ci` with npm ≥ 11 skips the install scripts of dependencies that package.json's
 * `allowScripts` does not mention and ends with a warning listing them, which a newcomer
 * cannot judge. Every package the lockfile marks as having an install script must
 * therefore be decided in `allowScripts`: true where the script is needed (better-sqlite3
 * fetches or builds its native module), false where it is not (protobufjs's postinstall
 * only checks its dependents' version scheme).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = new URL('../../../../', import.meta.url);

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(fileURLToPath(new URL(file, ROOT)), 'utf8'));
}

describe('npm install scripts (package.json allowScripts)', function () {
  const pkg = readJson('package.json') as { allowScripts?: Record<string, boolean> };
  const lock = readJson('package-lock.json') as { packages: Record<string, { hasInstallScript?: boolean }> };
  const withScripts = Object.entries(lock.packages)
    .filter(([path, p]) => path !== '' && p.hasInstallScript === true)
    .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));

  it('finds the packages with install scripts in the lockfile', function () {
    assert.ok(withScripts.includes('better-sqlite3'), `lockfile packages with install scripts: ${withScripts.join(', ')}`);
  });

  it('decides every one of them in allowScripts, so npm ci prints no install-scripts warning', function () {
    const decided = pkg.allowScripts ?? {};
    const open = withScripts.filter((name) => typeof decided[name] !== 'boolean');
    assert.deepEqual(open, [], `add these to allowScripts in package.json (true only if the script is needed): ${open.join(', ')}`);
  });

  it('runs the native build of better-sqlite3 and not the protobufjs version check', function () {
    assert.equal(pkg.allowScripts?.['better-sqlite3'], true);
    assert.equal(pkg.allowScripts?.['protobufjs'], false);
  });
});
