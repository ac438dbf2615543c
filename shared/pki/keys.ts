/** RSA key pairs from Node's native generator (forge's pure-JS keygen takes seconds). */
import { generateKeyPairSync } from 'node:crypto';

/** Modulus size of the federation CA's key. */
export const CA_KEY_BITS = 3072;
/** Modulus size of holders' keys. */
export const LEAF_KEY_BITS = 2048;

/** A PEM key pair: SPKI public key and unencrypted PKCS#8 private key. */
export interface RsaKeyPair {
  readonly publicKeyPem: string;
  readonly privateKeyPem: string;
}

/** Generate an RSA key pair with public exponent 65537. */
export function generateRsaKeyPair(bits: number): RsaKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: bits,
    publicExponent: 0x10001,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { publicKeyPem: publicKey, privateKeyPem: privateKey };
}
