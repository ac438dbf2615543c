/** Checking a certificate outside TLS, e.g. a peer's certificate that vouches for its SecAgg keys. */
import { X509Certificate } from 'node:crypto';
import { CohortError } from '../errors.js';
import { identityFromPeer, type PeerIdentity } from './identity.js';

/** A verified holder and the public key its certificate binds to it. */
export interface VerifiedCertificate extends PeerIdentity {
  /** SPKI PEM. */
  readonly publicKeyPem: string;
}

/**
 * Verify that `certPem` was signed by the CA in `caPem`, is a holder (not a CA)
 * certificate, that both are valid at `now`, and that it names a holder and a role.
 * Failures carry fixed messages: they say what failed, never key material.
 */
export function verifyCertificate(certPem: string, caPem: string, now: Date): VerifiedCertificate {
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) throw new CohortError('invalid_argument', 'now must be a valid Date');
  const ca = parse(caPem, 'invalid_argument', 'the CA certificate could not be read');
  if (!ca.ca) throw new CohortError('invalid_argument', 'the CA certificate is not a CA');
  const cert = parse(certPem, 'unauthenticated', 'certificate could not be read');
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) {
    throw new CohortError('unauthenticated', 'certificate was not issued by the federation CA');
  }
  if (cert.ca) throw new CohortError('unauthenticated', 'a CA certificate cannot identify a holder');
  const t = now.getTime();
  checkWindow(ca, t, 'the federation CA certificate');
  checkWindow(cert, t, 'certificate');
  const identity = identityFromPeer(cert.toLegacyObject());
  const publicKeyPem = cert.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return { ...identity, publicKeyPem };
}

function parse(pem: string, code: 'invalid_argument' | 'unauthenticated', message: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (err) {
    throw new CohortError(code, message, { cause: err });
  }
}

function checkWindow(cert: X509Certificate, t: number, what: string): void {
  const from = Date.parse(cert.validFrom);
  const to = Date.parse(cert.validTo);
  if (Number.isNaN(from) || Number.isNaN(to)) throw new CohortError('unauthenticated', `${what} has an unreadable validity period`);
  if (t < from) throw new CohortError('unauthenticated', `${what} is not yet valid`);
  // notAfter is inclusive (RFC 5280 §4.1.2.5).
  if (t > to) throw new CohortError('unauthenticated', `${what} has expired`);
}
