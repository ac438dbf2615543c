/** Who is calling: identity from the verified client certificate, role and revocation checked on every call. */
import type { PeerCertificate } from 'node:tls';
import { CohortError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { identityFromPeer, type PeerIdentity } from '../../shared/pki/identity.js';
import type { Role } from '../../shared/pki/names.js';
import type { SignedRevocations } from '../../shared/pki/revocations.js';

/** The per-call policy: revocation (reloaded as the certs dir changes) and rate limits. */
export interface CallPolicy {
  isRevoked(serial: string): boolean;
  /** The CA-signed revocation list in force, passed on to nodes so they can check peers themselves. */
  revocations(): SignedRevocations;
  /** Take one call of `method` from `caller` out of its rate limit; false when exhausted. */
  allow(caller: string, method: string): boolean;
}

/** Something with an auth context: any grpc-js server call. */
interface CallWithAuth {
  getAuthContext(): { sslPeerCertificate?: PeerCertificate } | null | undefined;
  getPeer(): string;
}

/**
 * Identify the caller and check it may make this call. TLS has already verified the
 * chain and validity; here we read name/role/serial, refuse revoked serials and wrong
 * roles, and log every refusal with who and why.
 */
export function authorize(call: CallWithAuth, method: string, roles: readonly Role[], policy: CallPolicy, log: Logger): PeerIdentity {
  let id: PeerIdentity;
  try {
    id = identityFromPeer(call.getAuthContext()?.sslPeerCertificate);
  } catch (err) {
    log.warn({ method, peer: call.getPeer(), reason: (err as Error).message }, 'call refused: unauthenticated');
    throw err;
  }
  if (policy.isRevoked(id.serial)) {
    log.warn({ method, node: id.name, role: id.role, serial: id.serial }, 'call refused: certificate revoked');
    throw new CohortError('unauthenticated', `the certificate of ${id.name} (serial ${id.serial}) has been revoked`);
  }
  if (!roles.includes(id.role)) {
    log.warn({ method, node: id.name, role: id.role, needs: roles }, 'call refused: wrong role');
    throw new CohortError('permission_denied', `${id.name} has role "${id.role}"; ${method} needs role ${roles.map((r) => `"${r}"`).join(' or ')}`);
  }
  if (!policy.allow(id.name, method)) {
    log.warn({ method, node: id.name }, 'call refused: rate limit');
    throw new CohortError('resource_exhausted', `${id.name} is calling ${method} too often; slow down`);
  }
  return id;
}
