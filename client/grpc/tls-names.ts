/**
 * What a client says when it cannot connect: the coordinator's certificate does not name
 * the host it dialled (the two fixes, with the names on both sides), and grpc-js's
 * connection errors without their "No connection established ... Resolution note:" wrapping.
 */
import { isIP } from 'node:net';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';

// Added by `cohort ca init` / `ca issue coordinator` unless --no-localhost, so a suggested --san need not repeat them.
const LOOPBACK = new Set(['localhost', '127.0.0.1']);
const MISMATCH = "the coordinator's certificate does not name";

/**
 * `checkServerIdentity` for client credentials: Node's check, with an error that names
 * the host checked (the dialled host, or --server-name), the certificate's names, and the fixes.
 */
export function checkCoordinatorName(host: string, cert: PeerCertificate): Error | undefined {
  const err = checkServerIdentity(host, cert);
  return err ? new Error(nameMismatch(host, certificateNames(cert))) : undefined;
}

/** The DNS names and IP addresses in a certificate's subjectAltName, in order. */
export function certificateNames(cert: Pick<PeerCertificate, 'subjectaltname'>): string[] {
  return (cert.subjectaltname ?? '')
    .split(',')
    .map((s) => s.trim())
    .map((s) => (s.startsWith('DNS:') ? s.slice(4) : s.startsWith('IP Address:') ? s.slice(11) : ''))
    .filter((s) => s !== '');
}

/** The explanation of a name mismatch between the host a client checked and the certificate's names. */
export function nameMismatch(host: string, names: readonly string[]): string {
  const sans = [...new Set([...names.filter((n) => !LOOPBACK.has(n)), host])];
  // "localhost" would pass the check too, but is no advice for a node on another host.
  const dns = names.find((n) => isIP(n) === 0 && !LOOPBACK.has(n));
  return (
    `${MISMATCH} "${host}", the host this client connects to; it names ${names.length > 0 ? names.join(', ') : 'no host at all'}. ` +
    `Either issue the coordinator a certificate that names it (on the CA workstation: cohort ca issue coordinator --role coordinator --san ${sans.join(',')}; ` +
    `then copy coordinator.crt and coordinator.key to the coordinator's certs dir and restart it), ` +
    (dns ? `or connect with --server-name ${dns} (a name the certificate has)` : 'or connect to one of the addresses the certificate names')
  );
}

/** True when `reason` is the explanation `checkCoordinatorName` gives. */
export function isNameMismatch(reason: string): boolean {
  return reason.includes(MISMATCH);
}

/**
 * grpc-js reports a failed connection as "No connection established. Last error: E.
 * Resolution note: N" (N is often empty); this returns E without its "Error [CODE]: "
 * prefix, followed by N when there is one. Other details come back unchanged.
 */
export function connectionFailure(details: string): string {
  const m = /^No connection established\. Last error: ([\s\S]*?)\. Resolution note: ?([\s\S]*)$/.exec(details);
  if (!m) return details;
  const last = (m[1] ?? '').replace(/^Error(?: \[[A-Z0-9_]+\])?: /, '');
  const note = (m[2] ?? '').trim();
  return note ? `${last} (${note})` : last;
}
