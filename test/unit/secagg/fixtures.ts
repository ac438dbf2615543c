/** Shared fixtures for the secagg tests: node ids, signing keys, configs and a driver for hand-scripted rounds. */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SeededRandom } from '../../../shared/random.js';
import { silentLogger, type Logger } from '../../../shared/logger.js';
import { SecAggClient } from '../../../shared/secagg/client.js';
import type { SecAggConfig } from '../../../shared/secagg/messages.js';
import { SecAggServer } from '../../../shared/secagg/server.js';
import { keyObjectSigner, publicKeyVerifier, type SecAggSigner, type SecAggVerifier } from '../../../shared/secagg/signing.js';

/** Node ids node-00 … node-(n−1), already in canonical order. */
export function nodeIds(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `node-${String(i).padStart(2, '0')}`);
}

const edKeys = new Map<string, { privateKey: KeyObject; publicKey: KeyObject }>();

/** An Ed25519 key pair per node id (fast to make; RSA is exercised in its own tests). */
export function signingKeys(id: string): { privateKey: KeyObject; publicKey: KeyObject } {
  let kp = edKeys.get(id);
  if (kp === undefined) {
    kp = generateKeyPairSync('ed25519');
    edKeys.set(id, kp);
  }
  return kp;
}

/** A signer for `id`. */
export function signerFor(id: string): SecAggSigner {
  return keyObjectSigner(signingKeys(id).privateKey);
}

/** A verifier knowing every id in `ids`. */
export function verifierFor(ids: readonly string[]): SecAggVerifier {
  return publicKeyVerifier(new Map(ids.map((id) => [id, signingKeys(id).publicKey])));
}

/** A round config with a fixed graph seed. */
export function makeConfig(ids: readonly string[], k: number, t: number, d: number, extra: Partial<SecAggConfig> = {}): SecAggConfig {
  return { roundId: 'round-1', participants: ids, k, t, minSurvivors: 2, vectorLength: d, graphSeed: new Uint8Array(32).fill(3), ...extra };
}

/** A deterministic per-node randomness source. */
export function rngFor(id: string, salt = 0): SeededRandom {
  let h = salt >>> 0;
  for (const ch of id) h = (Math.imul(h, 31) + ch.charCodeAt(0)) >>> 0;
  return new SeededRandom(h);
}

/** All parties of one round, for tests that script the messages by hand. */
export interface Party {
  readonly server: SecAggServer;
  readonly clients: Map<string, SecAggClient>;
}

/** Build a server and one client per participant. */
export function makeParty(config: SecAggConfig, logger: Logger = silentLogger, salt = 0): Party {
  const verifier = verifierFor(config.participants);
  const server = new SecAggServer(config, { verifier, logger });
  const clients = new Map(config.participants.map((id) => [id, new SecAggClient(id, config, { signer: signerFor(id), verifier, rng: rngFor(id, salt), logger })]));
  return { server, clients };
}

/** Unwrap a result, failing the test with its error. */
export function must<T>(r: { ok: true; value: T } | { ok: false; error: Error }): T {
  if (!r.ok) throw r.error;
  return r.value;
}
