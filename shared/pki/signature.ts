/**
 * Signatures with a holder's certificate key (RSA-PSS, SHA-256, 32-byte salt), so that
 * nodes can vouch for their secure-aggregation keys and the coordinator cannot forge them.
 */
import { X509Certificate, constants, createPrivateKey, sign, verify, type KeyObject } from 'node:crypto';
import { CohortError } from '../errors.js';

const PSS = { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST } as const;

/** Sign `data` with the PEM private key `keyPem`. */
export function signWithKey(keyPem: string, data: Uint8Array): Buffer {
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem);
  } catch (err) {
    throw new CohortError('invalid_argument', 'private key could not be read', { cause: err });
  }
  if (key.asymmetricKeyType !== 'rsa') throw new CohortError('invalid_argument', 'private key is not an RSA key');
  return sign('sha256', data, { key, ...PSS });
}

/**
 * True when `signature` over `data` verifies with the public key of `certPem`. This
 * checks the signature only; check the certificate itself with `verifyCertificate`.
 */
export function verifySignature(certPem: string, data: Uint8Array, signature: Uint8Array): boolean {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch (err) {
    throw new CohortError('unauthenticated', 'certificate could not be read', { cause: err });
  }
  if (cert.publicKey.asymmetricKeyType !== 'rsa') return false;
  try {
    return verify('sha256', data, { key: cert.publicKey, ...PSS }, signature);
  } catch {
    // Malformed signatures (wrong length etc.) are just invalid.
    return false;
  }
}
