/**
 * Signatures that authenticate SecAgg keys, masking reports and survivor lists with each
 * node's certificate key, so the coordinator cannot substitute keys or forge a view
 * (Bonawitz et al. 2017, §6, active adversary). Every signed byte string starts with a
 * domain label and covers the round digest (the whole configuration), and all but the
 * advertisement cover the digest of the key directory the signer was shown, so nothing
 * signed under one configuration, directory or round counts under another. Signing and
 * verification are injected; `keyObjectSigner`/`publicKeyVerifier` back them with
 * node:crypto keys. The byte layouts are the wire contract (proto/cohort/v1/cohort.proto).
 */
import { constants, createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { compareIds, encodeFields, f64be, sortIds } from './bytes.js';
import type { SecAggConfig } from './messages.js';

/** Signs with this node's certificate key. */
export interface SecAggSigner {
  sign(data: Uint8Array): Uint8Array;
}

/** Verifies that `nodeId`'s certificate key signed `data`. Must return false, not throw, on a bad signature. */
export interface SecAggVerifier {
  verify(nodeId: string, data: Uint8Array, signature: Uint8Array): boolean;
}

function sha256(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest());
}

/**
 * SHA-256 of everything the nodes of a round must agree on before stage 1: round id,
 * participants (sorted), k, t, m, d, graph seed and the fixed-point encoding.
 */
export function roundDigest(config: SecAggConfig): Uint8Array {
  const { roundId, participants, k, t, minSurvivors, vectorLength, graphSeed, fixedPoint: fp } = config;
  return sha256(
    encodeFields(
      'cohort-secagg-round',
      roundId,
      participants.length,
      ...sortIds(participants),
      k,
      t,
      minSurvivors,
      vectorLength,
      graphSeed,
      f64be(fp.clipNorm),
      f64be(fp.noiseBound),
      fp.maxSummands,
      f64be(fp.scale),
    ),
  );
}

/** One advertisement as the directory digest sees it. */
export interface DirectoryEntry {
  readonly sender: string;
  readonly cPublicKey: Uint8Array;
  readonly sPublicKey: Uint8Array;
}

/** SHA-256 of a key directory: each node's id and two public keys, in canonical id order. */
export function directoryDigest(adverts: readonly DirectoryEntry[]): Uint8Array {
  const sorted = [...adverts].sort((a, b) => compareIds(a.sender, b.sender));
  return sha256(encodeFields('cohort-secagg-directory', sorted.length, ...sorted.flatMap((a) => [a.sender, a.cPublicKey, a.sPublicKey])));
}

/** The bytes a node signs to vouch for its two public keys in a round. */
export function advertisementData(round: Uint8Array, nodeId: string, cPublicKey: Uint8Array, sPublicKey: Uint8Array): Uint8Array {
  return encodeFields('cohort-secagg-advertise', round, nodeId, cPublicKey, sPublicKey);
}

/** The bytes a node signs, before masking, to state which of its neighbours it does not mask with (sorted). */
export function maskingData(round: Uint8Array, directory: Uint8Array, nodeId: string, missingNeighbours: readonly string[]): Uint8Array {
  return encodeFields('cohort-secagg-masking', round, directory, nodeId, missingNeighbours.length, ...missingNeighbours);
}

/** The bytes a node signs to confirm the survivor list of a round (sorted). */
export function survivorListData(round: Uint8Array, directory: Uint8Array, survivors: readonly string[]): Uint8Array {
  return encodeFields('cohort-secagg-survivors', round, directory, survivors.length, ...survivors);
}

/**
 * Distinct signatures a survivor list needs: more than half of the round's participants.
 * An honest node signs one list, so two different lists can never both reach this.
 */
export function signatureQuorum(participants: number): number {
  return Math.floor(participants / 2) + 1;
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
