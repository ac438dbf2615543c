import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../helpers/readme.js';

describe('README cross-references', () => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const headings = new Set([...readme.matchAll(/^#{1,6} (.+)$/gm)].map((m) => (m[1] as string).trim()));

  it('every \'see "SECTION"\' names a section that exists', () => {
    const references = [...readme.matchAll(/\b[Ss]ee\s+"([^"]+)"/g)].map((m) => (m[1] as string).replace(/\s+/g, ' '));
    assert.ok(references.length >= 2, `references found: ${references.join(', ')}`);
    const dangling = references.filter((r) => !headings.has(r));
    assert.deepEqual(dangling, [], `README points to sections that do not exist: ${dangling.join(', ')}`);
  });
});
