/** Shared fixtures for the secagg tests: node ids, signing keys, configs and a driver for hand-scripted rounds. */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SeededRandom } from '../../../shared/random.js';
import { silentLogger, type Logger } from '../../../shared/logger.js';
import { SecAggClient } from '../../../shared/secagg/client.js';
import { fixedPointParams } from '../../../shared/secagg/fixed-point.js';
import type { ClientMessage, SecAggConfig } from '../../../shared/secagg/messages.js';
import { SecAggServer, type Outgoing, type ServerStep } from '../../../shared/secagg/server.js';
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

/**
 * A verifier knowing every id in `ids`. In-process rounds verify the same n² signatures
 * once per node, so results are memoised on the exact (node, data, signature) bytes —
 * verification is a pure function, so this changes speed only.
 */
export function verifierFor(ids: readonly string[]): SecAggVerifier {
  const inner = publicKeyVerifier(new Map(ids.map((id) => [id, signingKeys(id).publicKey])));
  const memo = new Map<string, boolean>();
  return {
    verify(nodeId, data, signature) {
      const key = `${nodeId}\u0000${Buffer.from(data).toString('base64')}\u0000${Buffer.from(signature).toString('base64')}`;
      let result = memo.get(key);
      if (result === undefined) {
        result = inner.verify(nodeId, data, signature);
        memo.set(key, result);
      }
      return result;
    },
  };
}

/** A round config with a fixed graph seed and the encoding for clip norm 1 over these participants. */
export function makeConfig(ids: readonly string[], k: number, t: number, d: number, extra: Partial<SecAggConfig> = {}): SecAggConfig {
  const { clipNorm, noiseBound, maxSummands, scale } = fixedPointParams({ clipNorm: 1, noiseBound: 0, maxSummands: ids.length });
  return { roundId: 'round-1', participants: ids, k, t, minSurvivors: 2, vectorLength: d, graphSeed: new Uint8Array(32).fill(3), fixedPoint: { clipNorm, noiseBound, maxSummands, scale }, ...extra };
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

/** Run an honest round up to the coordinator's messages of `stage` (2–5) and return them undelivered. */
export function driveTo(party: Party, inputs: (id: string) => Uint32Array, stage: 2 | 3 | 4 | 5, drop: ReadonlySet<string> = new Set()): Outgoing[] {
  const { server, clients } = party;
  for (const [id, c] of clients) if (!drop.has(id)) must(server.receive(id, must(c.advertise())));
  let step = must(server.closeStage());
  for (;;) {
    if (step.kind !== 'send') throw new Error(`round ended early: ${step.kind === 'aborted' ? step.reason : step.kind}`);
    if (step.stage === stage) return [...step.messages];
    for (const { to, message } of step.messages) {
      if (drop.has(to)) continue;
      for (const reply of answer(clients.get(to) as SecAggClient, message, inputs(to))) must(server.receive(to, reply));
    }
    step = must(server.closeStage());
  }
}

/** A client's replies to one coordinator message: after a share delivery, its masking report and then its masked input. */
export function answer(c: SecAggClient, message: unknown, input: Uint32Array): ClientMessage[] {
  const reply = must(c.handle(message));
  return reply.type === 'masking_report' ? [reply, must(c.maskInput(input))] : [reply];
}

/** Deliver `messages` to their clients and the replies to the server, then close the stage. */
export function deliverAll(party: Party, messages: readonly Outgoing[], inputs: (id: string) => Uint32Array): ServerStep {
  for (const { to, message } of messages) {
    for (const reply of answer(party.clients.get(to) as SecAggClient, message, inputs(to))) must(party.server.receive(to, reply));
  }
  return must(party.server.closeStage());
}
