/**
 * A node's part in one secure-aggregation round: clip the update, encode it in fixed
 * point, and run the SecAgg+ client state machine (shared/secagg/client.ts) against
 * the coordinator's messages. Peers' keys are trusted only through certificates this
 * node checks against its own copy of the federation CA.
 */
import { createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';
import { CohortError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { centredClipBit } from '../../shared/dp/adaptive-clip.js';
import { clipL2 } from '../../shared/dp/clip.js';
import { gaussianNoise } from '../../shared/dp/gaussian.js';
import { compareRevocations, type RevocationList, type SignedRevocations, verifyRevocations } from '../../shared/pki/revocations.js';
import { verifyCertificate } from '../../shared/pki/verify.js';
import type { RandomSource } from '../../shared/random.js';
import { SecAggClient } from '../../shared/secagg/client.js';
import { encode, fixedPointParams } from '../../shared/secagg/fixed-point.js';
import type { ClientMessage } from '../../shared/secagg/messages.js';
import { keyObjectSigner, publicKeyVerifier, type SecAggSigner } from '../../shared/secagg/signing.js';
import type { SecureSetup } from '../../shared/wire/secagg.js';
import type { PrivacyTask } from './agent.js';

/** This node's credentials for secure aggregation. */
export interface SecureIdentity {
  readonly name: string;
  /** The node's certificate private key (signs its SecAgg keys and the survivor list). */
  readonly keyPem: string;
  /** The federation CA, to check peers' certificates. */
  readonly caPem: string;
}

/** Where a node keeps the newest revocation list it has seen (its data dir), so a restart does not forget it. */
export interface RevocationMemory {
  load(): SignedRevocations | undefined;
  save(signed: SignedRevocations): void;
}

/**
 * Peer certificates already checked against the CA, so a node does not re-verify every
 * participant's certificate every round (that was most of a secure round's node CPU),
 * this node's own signing key, parsed once, and the newest CA-signed revocation list
 * this node has seen. Entries are keyed by the exact PEM and re-checked for expiry and
 * revocation on every use.
 *
 * Revocation is checked here, by the node, rather than trusted to the coordinator: the
 * list is signed by the CA, only a higher number replaces it, and it is kept on disk, so
 * a coordinator cannot forge one, roll one back, or slip a revoked peer into a round.
 * What it can do is hold a newer list back until the one the node has expires.
 */
export class VerifiedPeers {
  private readonly verified = new Map<string, { name: string; role: string; serial: string; key: KeyObject; notAfter: number; notBefore: number }>();

  private ownSigner: { pem: string; signer: SecAggSigner } | undefined;
  private newest: RevocationList | undefined;
  /** The newest list is not yet in `memory` (its save failed). */
  private unsaved = false;

  /** Throws `failed_precondition` if the stored list is not signed by this CA. */
  constructor(
    private readonly caPem: string,
    private readonly memory?: RevocationMemory,
  ) {
    const stored = memory?.load();
    if (stored) {
      try {
        this.newest = verifyRevocations(stored, caPem);
      } catch (err) {
        throw new CohortError(
          'failed_precondition',
          `the revocation list this node kept is not valid for its ca.crt (${(err as Error).message}); if the federation's CA was replaced, delete the node's stored revocations.json`,
          { cause: err },
        );
      }
    }
  }

  /** The newest revocation list this node has seen, if any. */
  get revocations(): RevocationList | undefined {
    return this.newest;
  }

  /** This node's signer, parsed once from its key. */
  signer(keyPem: string): SecAggSigner {
    if (this.ownSigner?.pem !== keyPem) this.ownSigner = { pem: keyPem, signer: keyObjectSigner(keyPem) };
    return this.ownSigner.signer;
  }

  /**
   * A revocation list the coordinator passed on: checked against the CA and kept (and
   * stored) when newer than the newest seen. Throws `unauthenticated` for a list the CA
   * did not sign and `permission_denied` for an older one or another list under the same number.
   */
  offerRevocations(signed: SignedRevocations): 'newer' | 'same' {
    const offered = verifyRevocations(signed, this.caPem);
    const outcome = compareRevocations(this.newest, offered);
    if (outcome === 'newer') {
      this.newest = offered;
      this.unsaved = this.memory !== undefined;
    }
    // Until the newest list is on disk a restart would forget it: retried with every offer.
    if (this.unsaved && this.memory) {
      try {
        this.memory.save(offered.signed);
      } catch (err) {
        throw new CohortError('failed_precondition', `revocation list #${offered.number} could not be kept in the data dir (${err instanceof Error ? err.message : String(err)}); secure rounds are declined until it can be`, { cause: err });
      }
      this.unsaved = false;
    }
    return outcome;
  }

  /**
   * Check the revocation list that came with a secure round before taking part: it must
   * be there, signed by the CA, no older than the newest seen, and the newest list must
   * not have expired. Throws with the reason otherwise.
   */
  admitRound(signed: SignedRevocations | undefined, now: Date): void {
    if (!signed) throw new CohortError('unauthenticated', 'the coordinator sent no revocation list with this secure round');
    this.offerRevocations(signed);
    this.current(now);
  }

  /** The public key of `name`'s certificate `pem`, or an `unauthenticated` error. */
  key(name: string, pem: string, now: Date): KeyObject {
    let entry = this.verified.get(pem);
    if (!entry) {
      const v = verifyCertificate(pem, this.caPem, now);
      const cert = new X509Certificate(pem);
      entry = { name: v.name, role: v.role, serial: v.serial, key: createPublicKey(v.publicKeyPem), notBefore: Date.parse(cert.validFrom), notAfter: Date.parse(cert.validTo) };
      if (this.verified.size >= MAX_CACHED_PEERS) this.verified.clear();
      this.verified.set(pem, entry);
    }
    if (now.getTime() < entry.notBefore || now.getTime() > entry.notAfter) throw new CohortError('unauthenticated', `the certificate of ${name} is not valid now`);
    // A certificate for another name or role must not vouch for this participant's keys.
    if (entry.name !== name || entry.role !== 'node') throw new CohortError('unauthenticated', `the certificate given for ${name} belongs to ${entry.role} ${entry.name}`);
    const list = this.current(now);
    const revoked = list.entry(entry.serial);
    if (revoked) {
      const why = revoked.reason === 'replaced' ? 'was replaced by a newer certificate, which revokes it' : 'is revoked';
      throw new CohortError('unauthenticated', `the certificate of ${name} (serial ${entry.serial}) ${why} (revocation list #${list.number})`);
    }
    return entry.key;
  }

  /** The newest list, if it has not expired. */
  private current(now: Date): RevocationList {
    const list = this.newest;
    if (!list) throw new CohortError('unauthenticated', 'this node has no revocation list yet, so it cannot tell whether peers are revoked');
    if (list.expired(now)) {
      throw new CohortError(
        'unauthenticated',
        `the newest revocation list this node has seen (#${list.number}) expired at ${list.nextUpdate.toISOString()}; the CA must sign a fresh one ("cohort ca crl") for the coordinator to pass on`,
      );
    }
    return list;
  }
}

const MAX_CACHED_PEERS = 10_000;

/**
 * What this node puts into the secure sum: its update clipped to C (in place), with adaptive
 * clipping the centred clip bit (b − 1/2)·C as one more coordinate, and in distributed-noise
 * rounds its share of the noise; then fixed point. Exported so tests run exactly this code.
 */
export function secureInput(delta: Float32Array, setup: SecureSetup, privacy: PrivacyTask | undefined, rng: RandomSource, log: Logger): Uint32Array {
  const withBit = privacy?.clipBitNoiseMultiplier !== undefined;
  if (delta.length + (withBit ? 1 : 0) !== setup.config.vectorLength) {
    throw new CohortError('invalid_argument', `update has ${delta.length} values, the round expects ${setup.config.vectorLength}${withBit ? ' with the clip bit' : ''}`);
  }
  const fp = fixedPointParams(setup.config.fixedPoint);
  const { clipped } = clipL2(delta, fp.clipNorm);
  log.info({ clipped, clipNorm: fp.clipNorm }, clipped ? 'update clipped for secure aggregation' : 'update within the clip norm');
  // Adaptive clipping's bit goes in as (b − 1/2)·C, inside the same fixed-point range as the update.
  const input = new Float32Array(setup.config.vectorLength);
  input.set(delta);
  if (withBit) input[delta.length] = centredClipBit(!clipped) * fp.clipNorm;
  if (privacy?.noise === 'distributed') {
    // This node's share: any `floor` honest survivors together carry N(0, σ²C²) (PLAN §2.5).
    const own = ownNoise(privacy, setup);
    const noise = new Float32Array(input.length);
    gaussianNoise(noise.subarray(0, delta.length), own.updateStd, rng);
    if (own.bitStd !== undefined) gaussianNoise(noise.subarray(delta.length), own.bitStd, rng);
    for (let i = 0; i < input.length; i++) input[i] = (input[i] as number) + (noise[i] as number);
  }
  return encode(input, fp, rng);
}

/** The noise a node adds itself in a distributed-noise round, and what it buys the node. */
export interface OwnNoise {
  /** Std of this node's share on each update coordinate, and on the clip-bit coordinate. */
  readonly updateStd: number;
  readonly bitStd?: number;
  /** The survivor floor this node enforces: no sum containing its input is unmasked over fewer inputs. */
  readonly floor: number;
  /**
   * The round's noise multiplier as this node can vouch for it: its own shares scaled by
   * √floor (the floor's other survivors adding the same shares), over its own sensitivities
   * (C for the update, C/2 for the centred bit), both queries composed.
   */
  readonly sigma: number;
}

/**
 * This node's noise share, split over the survivor floor it enforces in secure aggregation
 * (not a number the coordinator could set apart from it): a round whose noise is split over
 * more survivors than the floor would leave a sum of `floor` inputs with too little noise.
 */
export function ownNoise(privacy: PrivacyTask, setup: SecureSetup): OwnNoise {
  if (privacy.noise !== 'distributed') throw new CohortError('invalid_argument', 'the round uses central noise: this node adds none of its own');
  const floor = setup.config.minSurvivors;
  if (privacy.minSurvivors !== floor) {
    throw new CohortError(
      'invalid_argument',
      `the round splits its noise over ${privacy.minSurvivors} survivors, but its secure aggregation releases sums of as few as ${floor} inputs: such a sum would carry too little noise`,
    );
  }
  const clip = setup.config.fixedPoint.clipNorm;
  if (privacy.clipNorm !== clip) throw new CohortError('invalid_argument', `privacy clip norm ${privacy.clipNorm} differs from the encoding's ${clip}`);
  const updateStd = (privacy.noiseMultiplier * clip) / Math.sqrt(floor);
  const bitStd = privacy.clipBitNoiseMultiplier !== undefined ? (privacy.clipBitNoiseMultiplier * clip) / Math.sqrt(floor) : undefined;
  const total = Math.sqrt(floor);
  const sigmaUpdate = (updateStd * total) / clip;
  const sigma = bitStd === undefined ? sigmaUpdate : (sigmaUpdate ** -2 + ((bitStd * total) / (clip / 2)) ** -2) ** -0.5;
  return { updateStd, ...(bitStd !== undefined ? { bitStd } : {}), floor, sigma };
}

/** Outbound secure-aggregation calls. */
export interface SecureLink {
  secaggSend(round: number, message: Exclude<ClientMessage, { type: 'masked_input' }>): Promise<void>;
  submitMasked(round: number, masked: Uint32Array): Promise<void>;
}

/** One round's protocol run on this node. */
export class SecureParticipant {
  private readonly client: SecAggClient;
  private readonly input: Uint32Array;

  /**
   * Checks every participant's certificate and prepares the encoded input; throws
   * `unauthenticated` / `invalid_argument` if the setup cannot be trusted or used.
   */
  constructor(
    readonly round: number,
    setup: SecureSetup,
    delta: Float32Array,
    privacy: PrivacyTask | undefined,
    private readonly identity: SecureIdentity,
    private readonly link: SecureLink,
    deps: { readonly rng: RandomSource; readonly now: Date; readonly log: Logger; readonly peers: VerifiedPeers },
  ) {
    const keys = new Map<string, KeyObject>();
    for (const name of setup.config.participants) {
      const pem = setup.certificates.get(name);
      if (!pem) throw new CohortError('unauthenticated', `no certificate for participant ${name}`);
      keys.set(name, deps.peers.key(name, pem, deps.now));
    }
    this.input = secureInput(delta, setup, privacy, deps.rng, deps.log);
    this.client = new SecAggClient(identity.name, setup.config, {
      signer: deps.peers.signer(identity.keyPem),
      verifier: publicKeyVerifier(keys),
      rng: deps.rng,
      logger: deps.log,
    });
  }

  /** Stage 1: advertise this node's signed keys. */
  async start(): Promise<void> {
    const r = this.client.advertise();
    if (!r.ok) throw r.error;
    await this.link.secaggSend(this.round, r.value);
  }

  /**
   * A coordinator message: answer it. The share delivery is answered by the masking
   * report and then the masked input, which the coordinator accepts only after the report.
   */
  async onMessage(message: unknown): Promise<void> {
    const r = this.client.handle(message);
    if (!r.ok) throw r.error;
    const reply = r.value as Exclude<ClientMessage, { type: 'masked_input' }>;
    const sent = this.link.secaggSend(this.round, reply);
    if (reply.type !== 'masking_report') return sent;
    // Mask while the report is on its way.
    const masked = this.client.maskInput(this.input);
    await sent;
    if (!masked.ok) throw masked.error;
    await this.link.submitMasked(this.round, masked.value.masked);
  }

  /** True once this node has nothing more to do in the round. */
  get finished(): boolean {
    return this.client.stage === 'done' || this.client.stage === 'aborted';
  }
}
