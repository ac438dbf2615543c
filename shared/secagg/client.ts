/**
 * The node side of SecAgg+ as a pure state machine (no transport). The gRPC layer feeds
 * it the coordinator's messages and sends back what it returns; every refusal is a
 * `Result` error, logged, and — unless the round can no longer succeed — leaves the
 * state unchanged, so a replayed or forged message cannot move the node forward.
 *
 * The node's security against a coordinator that controls every message (SECURITY.md,
 * "Secure aggregation") rests on these rules; every signature covers the round digest
 * and the digest of the key directory the node was shown:
 * - it signs one masking report (the neighbours it does not mask with) and one survivor
 *   list, and answers one unmask request: for the list it signed, carrying valid
 *   signatures over it by more than half of the round's participants, so no other list
 *   can ever be confirmed;
 * - it signs a list only if it is on it, the list has at least m members, carries a
 *   valid report of every member, no member's report leaves out another member (inside
 *   the list every neighbour pair masked with each other) and the list's neighbour graph
 *   is connected — then only the sum over the whole list can be unmasked;
 * - it reveals self-mask shares only of nodes on that list and key shares only of nodes
 *   off it, so no node is ever both unmasked and stripped of its pairwise masks.
 */
import { CohortError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { RandomSource } from '../random.js';
import { bytesEqual, compareIds } from './bytes.js';
import { packShares, unpackShares, type ShareBundle } from './envelope.js';
import { buildNeighbourGraph, inducedConnected, type NeighbourGraph } from './graph.js';
import { agreeKey, generateX25519, open, seal, shareAad, type X25519KeyPair } from './keys.js';
import {
  checkConfig,
  parseServerMessage,
  Stage,
  type AdvertiseKeys,
  type ClientMessage,
  type ConsistencySignature,
  type KeyDirectory,
  type MaskedInput,
  type MaskingReport,
  type RevealedShare,
  type SecAggConfig,
  type ShareDelivery,
  type ShareKeys,
  type SurvivorList,
  type UnmaskRequest,
  type UnmaskResponse,
} from './messages.js';
import { addMasks, SEED_BYTES, type MaskTerm } from './prg.js';
import { ok, type Result } from './result.js';
import { encodeShare, shareMany, type ShamirShare } from './shamir.js';
import {
  advertisementData,
  directoryDigest,
  maskingData,
  roundDigest,
  signatureQuorum,
  survivorListData,
  type SecAggSigner,
  type SecAggVerifier,
} from './signing.js';

/** What a node's SecAgg client needs from its composition root. */
export interface SecAggClientDeps {
  /** Signs with this node's certificate key. */
  readonly signer: SecAggSigner;
  /** Verifies other nodes' signatures against their certificates. */
  readonly verifier: SecAggVerifier;
  /** Source for keys, self-mask seeds, Shamir coefficients and nonces (`secureRandom` in production). */
  readonly rng: RandomSource;
  readonly logger: Logger;
}

interface Keys {
  readonly c: X25519KeyPair;
  readonly s: X25519KeyPair;
}

interface PeerKeys {
  readonly cPublicKey: Uint8Array;
  readonly sPublicKey: Uint8Array;
}

/** What the node knows once it has a key directory. */
interface Directory {
  readonly graph: NeighbourGraph;
  /** Digest of the directory this node was shown; covered by its later signatures. */
  readonly directory: Uint8Array;
}

interface Shared extends Directory {
  readonly keys: Keys;
  readonly peers: ReadonlyMap<string, PeerKeys>;
  readonly selfMaskSeed: Uint8Array;
  /** Share-encryption key per neighbour, derived in stage 2 and reused to open stage-3 boxes. */
  readonly encKeys: ReadonlyMap<string, Uint8Array>;
}

/** The node's protocol state; secrets are dropped as soon as no later stage needs them. */
type ClientState =
  | { readonly name: 'created' }
  | { readonly name: 'advertised'; readonly keys: Keys }
  | ({ readonly name: 'keys_shared' } & Shared)
  | ({ readonly name: 'shares_received'; readonly held: ReadonlyMap<string, ShareBundle> } & Shared)
  | ({ readonly name: 'masked'; readonly held: ReadonlyMap<string, ShareBundle> } & Directory)
  | ({ readonly name: 'signed'; readonly held: ReadonlyMap<string, ShareBundle>; readonly survivors: readonly string[] } & Directory)
  | { readonly name: 'done' }
  | { readonly name: 'aborted'; readonly reason: string };

/** Name of a client state. */
export type ClientStageName = ClientState['name'];
type ClientEvent = 'advertise' | ServerMessageType | 'mask_input';
type ServerMessageType = 'key_directory' | 'share_delivery' | 'survivor_list' | 'unmask_request';

/** Allowed transitions: state → event → next state. Anything else is an out-of-order error. */
export const CLIENT_TRANSITIONS: Readonly<Record<ClientStageName, Partial<Record<ClientEvent, ClientStageName>>>> = {
  created: { advertise: 'advertised' },
  advertised: { key_directory: 'keys_shared' },
  keys_shared: { share_delivery: 'shares_received' },
  shares_received: { mask_input: 'masked' },
  masked: { survivor_list: 'signed' },
  signed: { unmask_request: 'done' },
  done: {},
  aborted: {},
};

/** A refusal that ends the round for this node (as opposed to rejecting one message). */
class RoundOver extends Error {}

/** One node's side of one SecAgg+ round. */
export class SecAggClient {
  private state: ClientState = { name: 'created' };
  private readonly log: Logger;
  /** Digest of `config`, covered by every signature this node makes. */
  private readonly round: Uint8Array;

  constructor(
    readonly nodeId: string,
    readonly config: SecAggConfig,
    private readonly deps: SecAggClientDeps,
  ) {
    checkConfig(config);
    if (!config.participants.includes(nodeId)) throw new CohortError('invalid_argument', `node ${nodeId} is not a participant of round ${config.roundId}`);
    this.log = deps.logger.child({ component: 'secagg-client', round: config.roundId, node: nodeId });
    this.round = roundDigest(config);
  }

  /** The current state's name. */
  get stage(): ClientStageName {
    return this.state.name;
  }

  /** Why the round ended for this node, when it was aborted. */
  get abortReason(): string | undefined {
    return this.state.name === 'aborted' ? this.state.reason : undefined;
  }

  /** Stage 1: make the c and s key pairs and sign them. */
  advertise(): Result<AdvertiseKeys> {
    return this.run('advertise', () => {
      const keys: Keys = { c: generateX25519(this.deps.rng), s: generateX25519(this.deps.rng) };
      const { roundId } = this.config;
      const signature = this.deps.signer.sign(advertisementData(this.round, this.nodeId, keys.c.publicKey, keys.s.publicKey));
      this.state = { name: 'advertised', keys };
      return { type: 'advertise_keys', roundId, stage: 1, sender: this.nodeId, cPublicKey: keys.c.publicKey, sPublicKey: keys.s.publicKey, signature };
    });
  }

  /**
   * Handle a coordinator message and return the reply to send. After `share_delivery` the
   * reply is the masking report, and the next step is `maskInput` (the report must reach
   * the coordinator before the masked input). Messages for another round or stage are refused.
   */
  handle(raw: unknown): Result<ClientMessage> {
    const parsed = parseServerMessage(raw);
    if (!parsed.ok) return this.refuse('message', parsed.error);
    const msg = parsed.value;
    if (msg.roundId !== this.config.roundId) {
      return this.refuse(msg.type, new CohortError('invalid_argument', `message for round ${msg.roundId} refused: this is round ${this.config.roundId}`));
    }
    switch (msg.type) {
      case 'key_directory':
        return this.run(msg.type, () => this.onKeyDirectory(msg));
      case 'share_delivery':
        return this.run(msg.type, () => this.onShareDelivery(msg));
      case 'survivor_list':
        return this.run(msg.type, () => this.onSurvivorList(msg));
      case 'unmask_request':
        return this.run(msg.type, () => this.onUnmaskRequest(msg));
    }
  }

  /** Stage 3: y = x + PRG(b) + Σ_{neighbours v that shared keys} ±PRG(s_uv), + when this id < v's. */
  maskInput(input: Uint32Array): Result<MaskedInput> {
    return this.run('mask_input', () => {
      const st = this.expect('shares_received');
      if (!(input instanceof Uint32Array) || input.length !== this.config.vectorLength) {
        throw new CohortError('invalid_argument', `input must be a Uint32Array of ${this.config.vectorLength} words`);
      }
      const { roundId } = this.config;
      const terms: MaskTerm[] = [{ seed: st.selfMaskSeed, sign: 1 }];
      for (const v of st.held.keys()) {
        const peer = st.peers.get(v) as PeerKeys;
        const seed = agreeKey(st.keys.s.privateKey, peer.sPublicKey, { roundId, a: this.nodeId, b: v, purpose: 'mask' });
        terms.push({ seed, sign: compareIds(this.nodeId, v) < 0 ? 1 : -1 });
      }
      const masked = input.slice();
      addMasks(masked, terms);
      this.state = { name: 'masked', graph: st.graph, directory: st.directory, held: st.held };
      return { type: 'masked_input', roundId, stage: 3, sender: this.nodeId, masked };
    });
  }

  /** End the round here (e.g. on a deadline); later messages are refused. */
  abort(reason: string): void {
    if (this.state.name !== 'done') this.state = { name: 'aborted', reason };
  }

  private onKeyDirectory(msg: KeyDirectory): ShareKeys {
    const st = this.expect('advertised');
    const { roundId, participants, k, t, minSurvivors, graphSeed } = this.config;
    const peers = new Map<string, PeerKeys>();
    for (const a of msg.adverts) {
      if (a.roundId !== roundId) throw new CohortError('invalid_argument', `advertisement of ${a.sender} is for round ${a.roundId}`);
      if (!participants.includes(a.sender)) throw new CohortError('invalid_argument', `advertisement of ${a.sender}, who is not a participant`);
      if (peers.has(a.sender)) throw new CohortError('invalid_argument', `two advertisements of ${a.sender}`);
      // A key the coordinator could have substituted would let it unmask this node.
      if (!this.deps.verifier.verify(a.sender, advertisementData(this.round, a.sender, a.cPublicKey, a.sPublicKey), a.signature)) {
        throw new CohortError('unauthenticated', `advertisement of ${a.sender} is not signed by its certificate key`);
      }
      peers.set(a.sender, { cPublicKey: a.cPublicKey, sPublicKey: a.sPublicKey });
    }
    const own = peers.get(this.nodeId);
    if (own === undefined || !bytesEqual(own.cPublicKey, st.keys.c.publicKey) || !bytesEqual(own.sPublicKey, st.keys.s.publicKey)) {
      throw new CohortError('invalid_argument', 'the key directory does not carry this node’s own keys');
    }
    if (peers.size < minSurvivors) throw new RoundOver(`only ${peers.size} nodes advertised keys, fewer than the ${minSurvivors} required`);
    const graph = buildNeighbourGraph([...peers.keys()], k, graphSeed);
    const neighbours = graph.neighbours(this.nodeId);
    if (neighbours.length < t) throw new RoundOver(`this node has ${neighbours.length} neighbours, fewer than the threshold ${t}`);

    const selfMaskSeed = new Uint8Array(SEED_BYTES);
    this.deps.rng.fillBytes(selfMaskSeed);
    const xs = neighbours.map((v) => graph.xOf(v));
    const [selfMaskShares, keyShares] = shareMany([selfMaskSeed, st.keys.s.privateKey], t, xs, this.deps.rng) as [ShamirShare[], ShamirShare[]];
    const encKeys = new Map<string, Uint8Array>();
    const shares = neighbours.map((v, j) => {
      const key = agreeKey(st.keys.c.privateKey, (peers.get(v) as PeerKeys).cPublicKey, { roundId, a: this.nodeId, b: v, purpose: 'enc' });
      encKeys.set(v, key);
      const plaintext = packShares({ selfMask: selfMaskShares[j] as ShamirShare, key: keyShares[j] as ShamirShare });
      return { receiver: v, ciphertext: seal(key, plaintext, shareAad(roundId, this.nodeId, v, Stage.shareKeys), this.deps.rng) };
    });
    const directory = directoryDigest(msg.adverts);
    this.state = { name: 'keys_shared', keys: st.keys, peers, graph, directory, selfMaskSeed, encKeys };
    return { type: 'share_keys', roundId, stage: 2, sender: this.nodeId, shares };
  }

  private onShareDelivery(msg: ShareDelivery): MaskingReport {
    const st = this.expect('keys_shared');
    const { roundId, t } = this.config;
    const x = st.graph.xOf(this.nodeId);
    const held = new Map<string, ShareBundle>();
    for (const { sender, ciphertext } of msg.shares) {
      if (!st.graph.isNeighbour(this.nodeId, sender)) throw new CohortError('invalid_argument', `shares from ${sender}, who is not a neighbour`);
      if (held.has(sender)) throw new CohortError('invalid_argument', `two share boxes from ${sender}`);
      const plaintext = open(st.encKeys.get(sender) as Uint8Array, ciphertext, shareAad(roundId, sender, this.nodeId, Stage.shareKeys));
      if (plaintext === undefined) throw new CohortError('unauthenticated', `shares from ${sender} do not decrypt (another round, another receiver, or tampered)`);
      const bundle = unpackShares(plaintext, x);
      if (bundle === undefined) throw new CohortError('invalid_argument', `shares from ${sender} are malformed`);
      held.set(sender, bundle);
    }
    if (held.size < t) throw new RoundOver(`only ${held.size} neighbours shared keys, fewer than the threshold ${t}`);
    // The one statement of which pairwise masks this node's input will carry.
    const missingNeighbours = st.graph.neighbours(this.nodeId).filter((v) => !held.has(v));
    const signature = this.deps.signer.sign(maskingData(this.round, st.directory, this.nodeId, missingNeighbours));
    this.state = { ...st, name: 'shares_received', held };
    return { type: 'masking_report', roundId, stage: 3, sender: this.nodeId, missingNeighbours, signature };
  }

  private onSurvivorList(msg: SurvivorList): ConsistencySignature {
    const st = this.expect('masked');
    const { roundId, minSurvivors } = this.config;
    const survivors = msg.survivors;
    for (let i = 1; i < survivors.length; i++) {
      if (compareIds(survivors[i - 1] as string, survivors[i] as string) >= 0) throw new CohortError('invalid_argument', 'survivor list must be sorted');
    }
    if (!survivors.includes(this.nodeId)) throw new CohortError('invalid_argument', 'survivor list omits this node');
    for (const v of survivors) if (!st.graph.has(v)) throw new CohortError('invalid_argument', `survivor ${v} is not in this node’s key directory`);
    this.checkReports(st, survivors, msg.reports);
    if (survivors.length < minSurvivors) throw new RoundOver(`only ${survivors.length} survivors, fewer than the ${minSurvivors} required`);
    // Separate components would each have their sum revealed once self masks are removed.
    if (!inducedConnected(st.graph, survivors)) throw new RoundOver('the survivors’ neighbour graph is split: unmasking would reveal partial sums');
    const signature = this.deps.signer.sign(survivorListData(this.round, st.directory, survivors));
    this.state = { name: 'signed', graph: st.graph, directory: st.directory, held: st.held, survivors: [...survivors] };
    return { type: 'consistency_signature', roundId, stage: 4, sender: this.nodeId, signature };
  }

  /**
   * Every survivor's signed masking report, made over this node's directory, and none
   * leaving out another survivor: then every two neighbours on the list masked with each
   * other, so no sum over part of a connected list can be unmasked.
   */
  private checkReports(st: Directory, survivors: readonly string[], reports: SurvivorList['reports']): void {
    const onList = new Set(survivors);
    const seen = new Set<string>();
    for (const { sender, missingNeighbours, signature } of reports) {
      if (!onList.has(sender)) throw new CohortError('invalid_argument', `masking report of ${sender}, who is not a survivor`);
      if (seen.has(sender)) throw new CohortError('invalid_argument', `two masking reports of ${sender}`);
      seen.add(sender);
      for (let i = 0; i < missingNeighbours.length; i++) {
        const v = missingNeighbours[i] as string;
        if (i > 0 && compareIds(missingNeighbours[i - 1] as string, v) >= 0) throw new CohortError('invalid_argument', `masking report of ${sender} is not sorted`);
        if (!st.graph.isNeighbour(sender, v)) throw new CohortError('invalid_argument', `masking report of ${sender} names ${v}, who is not its neighbour`);
      }
      if (!this.deps.verifier.verify(sender, maskingData(this.round, st.directory, sender, missingNeighbours), signature)) {
        throw new CohortError('permission_denied', `the masking report of ${sender} does not verify over this round and key directory`);
      }
      const skipped = missingNeighbours.find((v) => onList.has(v));
      if (skipped !== undefined) throw new CohortError('permission_denied', `survivor ${sender} did not mask with survivor ${skipped}: unmasking would reveal a partial sum`);
    }
    const unreported = survivors.find((v) => !seen.has(v));
    if (unreported !== undefined) throw new CohortError('invalid_argument', `no masking report of survivor ${unreported}`);
  }

  private onUnmaskRequest(msg: UnmaskRequest): UnmaskResponse {
    const st = this.expect('signed');
    const { roundId, participants } = this.config;
    const signed = st.survivors;
    if (msg.survivors.length !== signed.length || msg.survivors.some((v, i) => v !== signed[i])) {
      throw new CohortError('permission_denied', 'the survivor list differs from the one this node signed');
    }
    const data = survivorListData(this.round, st.directory, signed);
    const signers = new Set<string>();
    for (const { sender, signature } of msg.signatures) {
      if (signers.has(sender)) throw new CohortError('invalid_argument', `two consistency signatures of ${sender}`);
      if (!signed.includes(sender) || !this.deps.verifier.verify(sender, data, signature)) {
        throw new CohortError('permission_denied', `the consistency signature of ${sender} does not verify over the survivor list, round and key directory`);
      }
      signers.add(sender);
    }
    // Honest nodes sign one list each, so a majority confirms at most one list per round.
    const quorum = signatureQuorum(participants.length);
    if (signers.size < quorum) {
      throw new CohortError('permission_denied', `only ${signers.size} of the ${participants.length} participants confirmed the survivor list; more than half (${quorum}) must`);
    }
    const survivors = new Set(signed);
    const keyShares: RevealedShare[] = [];
    for (const d of msg.dropouts) {
      // Revealing the key share of a survivor, whose self-mask share is also revealed, would unmask it.
      if (survivors.has(d)) throw new CohortError('permission_denied', `refused: the request would reveal both shares of ${d}`);
      const bundle = st.held.get(d);
      if (bundle === undefined) throw new CohortError('invalid_argument', `no shares of ${d} are held by this node`);
      keyShares.push({ owner: d, share: encodeShare(bundle.key) });
    }
    const selfMaskShares: RevealedShare[] = [];
    for (const [v, bundle] of st.held) if (survivors.has(v)) selfMaskShares.push({ owner: v, share: encodeShare(bundle.selfMask) });
    this.state = { name: 'done' };
    return { type: 'unmask_response', roundId, stage: 5, sender: this.nodeId, selfMaskShares, keyShares };
  }

  private expect<N extends ClientStageName>(name: N): Extract<ClientState, { name: N }> {
    if (this.state.name !== name) throw new CohortError('internal', `secagg client expected state ${name}, is in ${this.state.name}`);
    return this.state as Extract<ClientState, { name: N }>;
  }

  /** Check the transition table, run the step, and turn throws into logged error values. */
  private run<T>(event: ClientEvent, step: () => T): Result<T> {
    const st = this.state;
    if (CLIENT_TRANSITIONS[st.name][event] === undefined) {
      const error =
        st.name === 'aborted'
          ? new CohortError('aborted', `the round was aborted: ${st.reason}`)
          : new CohortError('failed_precondition', `unexpected ${event} in state ${st.name}`);
      return this.refuse(event, error);
    }
    try {
      return ok(step());
    } catch (err) {
      if (err instanceof RoundOver) {
        this.state = { name: 'aborted', reason: err.message };
        return this.refuse(event, new CohortError('aborted', err.message));
      }
      return this.refuse(event, CohortError.from(err));
    }
  }

  private refuse<T>(event: string, error: CohortError): Result<T> {
    this.log.warn({ event, stage: this.state.name, code: error.code, reason: error.message }, 'secagg message refused');
    return { ok: false, error };
  }
}
