/**
 * The newest revocation list a node has seen, kept in its data dir as revocations.json
 * (the file form of shared/pki/revocations.ts): after a restart the node still refuses a
 * coordinator that presents an older list.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CohortError } from '../../shared/errors.js';
import { atomicWriteFile } from '../../shared/durable/atomic.js';
import { decodeRevocationFile, encodeRevocationFile, REVOCATIONS_FILE } from '../../shared/pki/revocations.js';
import type { RevocationMemory } from '../core/secure.js';

/** The revocation list file of the node data dir `dataDir` (which must exist). */
export function revocationFile(dataDir: string): RevocationMemory {
  const path = join(dataDir, REVOCATIONS_FILE);
  return {
    load() {
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw new CohortError('failed_precondition', `${path} could not be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { cause: err });
      }
      return decodeRevocationFile(text, path);
    },
    save(signed) {
      atomicWriteFile(path, Buffer.from(encodeRevocationFile(signed), 'utf8'), 0o644);
    },
  };
}
