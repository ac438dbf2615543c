/**
 * The node side of SecAgg+ as a pure state machine (no transport). The gRPC layer feeds
 * it the coordinator's messages and sends back what it returns; every refusal is a
 * `Result` error, logged, and — unless the round can no longer succeed — leaves the
 * state unchanged, so a replayed or forged message cannot move the node forward.
 *
 * The node's security rests on three refusals (Bonawitz et al. 2017 §4, Bell et al. 2020 §3):
 * it signs at most one survivor list; it answers at most one unmask request, and only
 * one consistent with the list it signed and carrying valid signatures of at least t
 * nodes over it; and it never reveals both the self-mask share and the key share of
 * the same peer.
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
import { advertisementData, survivorListData, type SecAggSigner, type SecAggVerifier } from './signing.js';

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

interface Shared {
  readonly keys: Keys;
  readonly peers: ReadonlyMap<string, PeerKeys>;
  readonly graph: NeighbourGraph;
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
  | { readonly name: 'masked'; readonly graph: NeighbourGraph; readonly held: ReadonlyMap<string, ShareBundle> }
  | { readonly name: 'signed'; readonly graph: NeighbourGraph; readonly held: ReadonlyMap<string, ShareBundle>; readonly survivors: readonly string[] }
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

  constructor(
    readonly nodeId: string,
    readonly config: SecAggConfig,
    private readonly deps: SecAggClientDeps,
  ) {
    checkConfig(config);
    if (!config.participants.includes(nodeId)) throw new CohortError('invalid_argument', `node ${nodeId} is not a participant of round ${config.roundId}`);
    this.log = deps.logger.child({ component: 'secagg-client', round: config.roundId, node: nodeId });
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
      const signature = this.deps.signer.sign(advertisementData(roundId, this.nodeId, keys.c.publicKey, keys.s.publicKey));
      this.state = { name: 'advertised', keys };
      return { type: 'advertise_keys', roundId, stage: 1, sender: this.nodeId, cPublicKey: keys.c.publicKey, sPublicKey: keys.s.publicKey, signature };
    });
  }

  /**
   * Handle a coordinator message. Returns the reply to send (none after `share_delivery`:
   * the next step is `maskInput`). Messages for another round or stage are refused.
   */
  handle(raw: unknown): Result<ClientMessage | undefined> {
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
        return this.run(msg.type, () => {
          this.onShareDelivery(msg);
          return undefined;
        });
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
      this.state = { name: 'masked', graph: st.graph, held: st.held };
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
      if (!this.deps.verifier.verify(a.sender, advertisementData(roundId, a.sender, a.cPublicKey, a.sPublicKey), a.signature)) {
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
    this.state = { name: 'keys_shared', keys: st.keys, peers, graph, selfMaskSeed, encKeys };
    return { type: 'share_keys', roundId, stage: 2, sender: this.nodeId, shares };
  }

  private onShareDelivery(msg: ShareDelivery): void {
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
    this.state = { ...st, name: 'shares_received', held };
  }

  private onSurvivorList(msg: SurvivorList): ConsistencySignature {
    const st = this.expect('masked');
    const { roundId, minSurvivors } = this.config;
    const survivors = msg.survivors;
    for (let i = 1; i < survivors.length; i++) {
      if (compareIds(survivors[i - 1] as string, survivors[i] as string) >= 0) throw new CohortError('invalid_argument', 'survivor list must be sorted');
    }
    if (!survivors.includes(this.nodeId)) throw new CohortError('invalid_argument', 'survivor list omits this node');
    for (const v of survivors) {
      if (!st.graph.has(v)) throw new CohortError('invalid_argument', `survivor ${v} never advertised keys`);
      if (st.graph.isNeighbour(this.nodeId, v) && !st.held.has(v)) throw new CohortError('invalid_argument', `survivor ${v} never shared keys with this node`);
    }
    if (survivors.length < minSurvivors) throw new RoundOver(`only ${survivors.length} survivors, fewer than the ${minSurvivors} required`);
    // Separate components would each have their sum revealed once self masks are removed.
    if (!inducedConnected(st.graph, survivors)) throw new RoundOver('the survivors’ neighbour graph is split: unmasking would reveal partial sums');
    const signature = this.deps.signer.sign(survivorListData(roundId, survivors));
    this.state = { name: 'signed', graph: st.graph, held: st.held, survivors: [...survivors] };
    return { type: 'consistency_signature', roundId, stage: 4, sender: this.nodeId, signature };
  }

  private onUnmaskRequest(msg: UnmaskRequest): UnmaskResponse {
    const st = this.expect('signed');
    const { roundId, t } = this.config;
    const signed = st.survivors;
    if (msg.survivors.length !== signed.length || msg.survivors.some((v, i) => v !== signed[i])) {
      throw new CohortError('permission_denied', 'the survivor list differs from the one this node signed');
    }
    const data = survivorListData(roundId, signed);
    const signers = new Set<string>();
    for (const { sender, signature } of msg.signatures) {
      if (signers.has(sender)) throw new CohortError('invalid_argument', `two consistency signatures of ${sender}`);
      if (!signed.includes(sender) || !this.deps.verifier.verify(sender, data, signature)) {
        throw new CohortError('permission_denied', `the consistency signature of ${sender} does not verify over the survivor list`);
      }
      signers.add(sender);
    }
    if (signers.size < t) throw new CohortError('permission_denied', `only ${signers.size} nodes confirmed the survivor list, fewer than the threshold ${t}`);
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
