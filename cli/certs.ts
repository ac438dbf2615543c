/** The certificate files a command is pointed at with --certs and --name. */
import { CohortError } from '../shared/errors.js';
import { loadTlsMaterial, type TlsMaterial } from '../shared/pki/ca-dir.js';

/**
 * Load `DIR/NAME.crt`, its key and `DIR/ca.crt`. They are the user's input, so a missing,
 * unreadable or mismatched file is bad usage (exit 2), with the message that says which
 * file and how to make it.
 */
export function loadCertificates(dir: string, name: string): TlsMaterial {
  try {
    return loadTlsMaterial(dir, name);
  } catch (err) {
    if (err instanceof CohortError && err.code === 'failed_precondition') throw new CohortError('usage', err.message, { cause: err });
    throw err;
  }
}
