/** Who is on the other end of a mutual-TLS connection, read from the peer's certificate. */
import { CohortError } from '../errors.js';
import { isNameSyntaxValid, isRole, type Role } from './names.js';
import { normaliseSerial } from './serial.js';

/** The subset of Node's `tls.PeerCertificate` that identifies a holder. */
export interface PeerCertificateLike {
  readonly subject?: { readonly CN?: string | string[]; readonly OU?: string | string[] } | null;
  readonly serialNumber?: string;
}

/** A certificate holder as the federation knows it. */
export interface PeerIdentity {
  readonly name: string;
  readonly role: Role;
  /** Lower-case hex without leading zeros, comparable with the CA index. */
  readonly serial: string;
}

/**
 * Read name (CN), role (OU) and serial from a peer certificate that TLS has already
 * verified against the federation CA. Anything missing, repeated or malformed is
 * refused: a certificate naming two CNs or two roles must not be guessed at.
 */
export function identityFromPeer(peer: PeerCertificateLike | null | undefined): PeerIdentity {
  if (peer === null || typeof peer !== 'object' || peer.subject === null || typeof peer.subject !== 'object') {
    throw new CohortError('unauthenticated', 'no client certificate presented');
  }
  const name = single(peer.subject.CN);
  if (!isNameSyntaxValid(name)) throw new CohortError('unauthenticated', 'client certificate has no valid holder name (CN)');
  const role = single(peer.subject.OU);
  if (!isRole(role)) throw new CohortError('unauthenticated', 'client certificate has no valid role (OU)');
  const serial = typeof peer.serialNumber === 'string' ? normaliseSerial(peer.serialNumber) : undefined;
  if (serial === undefined) throw new CohortError('unauthenticated', 'client certificate has no valid serial number');
  return { name, role, serial };
}

function single(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
