/**
 * Signatures that authenticate SecAgg keys and survivor lists with each node's
 * certificate key, so the coordinator cannot substitute keys or forge a view
 * (Bonawitz et al. 2017, §6, active adversary). Signing and verification are injected;
 * `keyObjectSigner`/`publicKeyVerifier` back them with node:crypto keys.
 */
import { constants, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { encodeFields } from './bytes.js';

/** Signs with this node's certificate key. */
export interface SecAggSigner {
  sign(data: Uint8Array): Uint8Array;
}

/** Verifies that `nodeId`'s certificate key signed `data`. Must return false, not throw, on a bad signature. */
export interface SecAggVerifier {
  verify(nodeId: string, data: Uint8Array, signature: Uint8Array): boolean;
}

/** The bytes a node signs to vouch for its two public keys in a round. */
export function advertisementData(roundId: string, nodeId: string, cPublicKey: Uint8Array, sPublicKey: Uint8Array): Uint8Array {
  return encodeFields('cohort-secagg-advertise', roundId, nodeId, cPublicKey, sPublicKey);
}

/** The bytes a node signs to confirm the survivor list of a round (consistency check). */
export function survivorListData(roundId: string, survivors: readonly string[]): Uint8Array {
  return encodeFields('cohort-secagg-survivors', roundId, survivors.length, ...survivors);
}

// The same RSA-PSS parameters as shared/pki, so either side can verify the other.
const PSS = { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST } as const;

function signWith(key: KeyObject, data: Uint8Array): Uint8Array {
  if (key.asymmetricKeyType === 'rsa') return new Uint8Array(sign('sha256', data, { key, ...PSS }));
  if (key.asymmetricKeyType === 'ed25519' || key.asymmetricKeyType === 'ed448') return new Uint8Array(sign(null, data, key));
  return new Uint8Array(sign('sha256', data, key));
}

function verifyWith(key: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    if (key.asymmetricKeyType === 'rsa') return verify('sha256', data, { key, ...PSS }, signature);
    if (key.asymmetricKeyType === 'ed25519' || key.asymmetricKeyType === 'ed448') return verify(null, data, key, signature);
    return verify('sha256', data, key, signature);
  } catch {
    return false; // malformed signature bytes are simply invalid
  }
}

/** A signer from a private key (PEM or KeyObject): RSA-PSS/SHA-256 for RSA, EdDSA for Ed25519. */
export function keyObjectSigner(privateKey: KeyObject | string): SecAggSigner {
  const key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey;
  return { sign: (data) => signWith(key, data) };
}

/** A verifier from each node's public key (KeyObject, public-key PEM, or X.509 certificate PEM); unknown nodes fail. */
export function publicKeyVerifier(keys: ReadonlyMap<string, KeyObject | string>): SecAggVerifier {
  const parsed = new Map<string, KeyObject>();
  for (const [id, k] of keys) parsed.set(id, typeof k === 'string' ? createPublicKey(k) : k);
  return {
    verify(nodeId, data, signature) {
      const key = parsed.get(nodeId);
      return key !== undefined && verifyWith(key, data, signature);
    },
  };
}
