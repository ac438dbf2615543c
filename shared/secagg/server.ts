/**
 * The coordinator side of SecAgg+ as a pure state machine (no transport). The gRPC layer
 * passes each node message with the authenticated peer id to `receive`, and calls
 * `closeStage` when `pending()` is empty or the stage's deadline passes; it routes the
 * returned messages and, at the end, gets the sum or an abort reason.
 *
 * It checks what honest nodes will check, so a round that nodes would refuse aborts here
 * with the reason: a masked input needs its sender's masking report first, no survivor's
 * report may leave out another survivor, and the survivor list needs signatures from more
 * than half of the participants (`signatureQuorum`).
 *
 * Memory is O(d): masked inputs are added into one accumulator as they arrive and never
 * kept. Unmasking subtracts the self masks of survivors and cancels the pairwise masks
 * survivors share with dropped neighbours, streaming all masks through the accumulator
 * in one pass. On abort the accumulator is zeroed and nothing is released.
 */
import { CohortError } from '../errors.js';
import type { Logger } from '../logger.js';
import { bytesEqual, compareIds, sortIds } from './bytes.js';
import { SHARE_BOX_BYTES } from './envelope.js';
import { buildNeighbourGraph, inducedConnected, type NeighbourGraph } from './graph.js';
import { agreeKey, X25519_KEY_BYTES, x25519PublicKey } from './keys.js';
import {
  checkConfig,
  parseClientMessage,
  type AdvertiseKeys,
  type ClientMessage,
  type ConsistencySignature,
  type ForwardedReport,
  type MaskedInput,
  type MaskingReport,
  type RevealedShare,
  type SecAggConfig,
  type ServerMessage,
  type ShareKeys,
  type UnmaskResponse,
} from './messages.js';
import { addMasksParallel, MIN_PARALLEL_WORDS, sharedWords, warmMaskWorker } from './parallel.js';
import { SEED_BYTES, type MaskTerm } from './prg.js';
import { fail, ok, type Result } from './result.js';
import { decodeShare, lagrangeAtZero, reconstructWith, type ShamirShare } from './shamir.js';
import { advertisementData, directoryDigest, maskingData, roundDigest, signatureQuorum, survivorListData, type SecAggVerifier } from './signing.js';
import { addWords } from './word-ops.js';

/** What the coordinator's SecAgg server needs from its composition root. */
export interface SecAggServerDeps {
  /** Verifies nodes' signatures against their certificates. */
  readonly verifier: SecAggVerifier;
  readonly logger: Logger;
}

/** A message to route to one node. */
export interface Outgoing {
  readonly to: string;
  readonly message: ServerMessage;
}

/** What closing a stage produced. */
export type ServerStep =
  | { readonly kind: 'send'; readonly stage: number; readonly messages: readonly Outgoing[] }
  /** `sum` is Σ of the survivors' inputs mod 2^32, and nothing else. */
  | { readonly kind: 'completed'; readonly sum: Uint32Array; readonly survivors: readonly string[]; readonly dropouts: readonly string[] }
  | { readonly kind: 'aborted'; readonly reason: string };

interface Keyed {
  readonly adverts: ReadonlyMap<string, AdvertiseKeys>;
  readonly graph: NeighbourGraph;
  /** Digest of the key directory sent to every node. */
  readonly directory: Uint8Array;
}

interface Accumulating extends Keyed {
  /** U2: nodes whose shares were delivered (they mask with each other). */
  readonly u2: ReadonlySet<string>;
  readonly acc: Uint32Array;
  /** Masking reports received, by sender (checked and signed). */
  readonly reports: Map<string, ForwardedReport>;
}

interface Unmasking extends Accumulating {
  /** U3, sorted: nodes whose masked input is in the accumulator. */
  readonly survivors: readonly string[];
  /** U2 \ U3, sorted. */
  readonly dropouts: readonly string[];
}

type ServerState =
  | { readonly name: 'advertise'; readonly adverts: Map<string, AdvertiseKeys> }
  | ({ readonly name: 'share_keys'; readonly boxes: Map<string, ReadonlyMap<string, Uint8Array>> } & Keyed)
  | ({ readonly name: 'masked_input'; readonly received: Set<string> } & Accumulating)
  | ({ readonly name: 'consistency'; readonly signatures: Map<string, Uint8Array> } & Unmasking)
  | ({
      readonly name: 'unmask';
      /** U4: nodes that confirmed the survivor list and were asked to unmask. */
      readonly u4: ReadonlySet<string>;
      readonly responded: Set<string>;
      readonly selfMaskShares: Map<string, ShamirShare[]>;
      readonly keyShares: Map<string, ShamirShare[]>;
    } & Unmasking)
  | { readonly name: 'completed' }
  | { readonly name: 'aborted'; readonly reason: string };

/** Name of a server state. */
export type ServerStageName = ServerState['name'];
type ServerEvent = ClientMessage['type'] | 'close';

/** Allowed transitions: state → event → next state ('aborted' is reachable from any open state). */
export const SERVER_TRANSITIONS: Readonly<Record<ServerStageName, Partial<Record<ServerEvent, ServerStageName>>>> = {
  advertise: { advertise_keys: 'advertise', close: 'share_keys' },
  share_keys: { share_keys: 'share_keys', close: 'masked_input' },
  masked_input: { masking_report: 'masked_input', masked_input: 'masked_input', close: 'consistency' },
  consistency: { consistency_signature: 'consistency', close: 'unmask' },
  unmask: { unmask_response: 'unmask', close: 'completed' },
  completed: {},
  aborted: {},
};

/** A condition under which the round cannot complete safely. */
class RoundOver extends Error {}

/** The coordinator's side of one SecAgg+ round. */
export class SecAggServer {
  private state: ServerState = { name: 'advertise', adverts: new Map() };
  private readonly log: Logger;
  /** Digest of `config`, covered by every node signature. */
  private readonly round: Uint8Array;

  constructor(
    readonly config: SecAggConfig,
    private readonly deps: SecAggServerDeps,
  ) {
    checkConfig(config);
    this.log = deps.logger.child({ component: 'secagg-server', round: config.roundId });
    this.round = roundDigest(config);
    if (config.vectorLength >= MIN_PARALLEL_WORDS) warmMaskWorker();
  }

  /** The current state's name. */
  get stage(): ServerStageName {
    return this.state.name;
  }

  /** Bytes the server holds per round for the vector: the accumulator, 4·d (plus one fixed-size block while unmasking). */
  get accumulatorBytes(): number {
    return 'acc' in this.state ? this.state.acc.byteLength : 0;
  }

  /** Nodes the current stage still waits for. */
  pending(): string[] {
    const st = this.state;
    switch (st.name) {
      case 'advertise':
        return this.config.participants.filter((id) => !st.adverts.has(id));
      case 'share_keys':
        return st.graph.ids.filter((id) => !st.boxes.has(id));
      case 'masked_input':
        return sortIds(st.u2).filter((id) => !st.received.has(id));
      case 'consistency':
        return st.survivors.filter((id) => !st.signatures.has(id));
      case 'unmask':
        return sortIds(st.u4).filter((id) => !st.responded.has(id));
      default:
        return [];
    }
  }

  /** True when `name`'s masked input is expected now: its masking report arrived and its input did not. */
  acceptsMaskedInput(name: string): boolean {
    const st = this.state;
    return st.name === 'masked_input' && st.reports.has(name) && !st.received.has(name);
  }

  /** Take one node message; `from` is the peer identity the transport authenticated. */
  receive(from: string, raw: unknown): Result<void> {
    const parsed = parseClientMessage(raw);
    if (!parsed.ok) return this.refuse(from, 'message', parsed.error);
    const msg = parsed.value;
    if (msg.roundId !== this.config.roundId) {
      return this.refuse(from, msg.type, new CohortError('invalid_argument', `message for round ${msg.roundId} refused: this is round ${this.config.roundId}`));
    }
    if (msg.sender !== from) return this.refuse(from, msg.type, new CohortError('permission_denied', 'sender does not match the authenticated peer'));
    const st = this.state;
    if (SERVER_TRANSITIONS[st.name][msg.type] === undefined) {
      const error = st.name === 'aborted' ? new CohortError('aborted', `the round was aborted: ${st.reason}`) : new CohortError('failed_precondition', `unexpected ${msg.type} in stage ${st.name}`);
      return this.refuse(from, msg.type, error);
    }
    try {
      switch (msg.type) {
        case 'advertise_keys':
          this.onAdvert(msg);
          break;
        case 'share_keys':
          this.onShareKeys(msg);
          break;
        case 'masking_report':
          this.onMaskingReport(msg);
          break;
        case 'masked_input':
          this.onMaskedInput(msg);
          break;
        case 'consistency_signature':
          this.onSignature(msg);
          break;
        case 'unmask_response':
          this.onUnmaskResponse(msg);
          break;
      }
      return ok(undefined);
    } catch (err) {
      return this.refuse(from, msg.type, CohortError.from(err));
    }
  }

  /** End the current stage with the messages received so far and move on (or abort). */
  closeStage(): Result<ServerStep> {
    const st = this.state;
    if (SERVER_TRANSITIONS[st.name].close === undefined) {
      return fail(st.name === 'aborted' ? 'aborted' : 'failed_precondition', `the round is already ${st.name}`);
    }
    try {
      let step: ServerStep;
      switch (st.name) {
        case 'advertise':
          step = this.closeAdvertise(st.adverts);
          break;
        case 'share_keys':
          step = this.closeShareKeys(st);
          break;
        case 'masked_input':
          step = this.closeMaskedInput(st);
          break;
        case 'consistency':
          step = this.closeConsistency(st);
          break;
        case 'unmask':
          step = this.finish(st);
          break;
        default:
          return fail('failed_precondition', `the round is already ${st.name}`);
      }
      return ok(step);
    } catch (err) {
      if (err instanceof RoundOver) return ok(this.abort(err.message));
      // An unexpected failure must not leave a half-unmasked accumulator behind.
      const error = CohortError.from(err);
      this.abort(`internal error: ${error.message}`);
      return { ok: false, error };
    }
  }

  /** Abort the round: the accumulator is zeroed and no aggregate is ever released. */
  abort(reason: string): ServerStep {
    const st = this.state;
    if ('acc' in st) st.acc.fill(0);
    if (st.name !== 'completed') this.state = { name: 'aborted', reason };
    this.log.warn({ reason }, 'secagg round aborted');
    return { kind: 'aborted', reason };
  }

  private onAdvert(msg: AdvertiseKeys): void {
    const st = this.expect('advertise');
    if (!this.config.participants.includes(msg.sender)) throw new CohortError('permission_denied', `${msg.sender} is not a participant of this round`);
    if (st.adverts.has(msg.sender)) throw new CohortError('already_exists', `keys of ${msg.sender} were already received`);
    if (!this.deps.verifier.verify(msg.sender, advertisementData(this.round, msg.sender, msg.cPublicKey, msg.sPublicKey), msg.signature)) {
      throw new CohortError('unauthenticated', `advertisement of ${msg.sender} is not signed by its certificate key`);
    }
    st.adverts.set(msg.sender, msg);
  }

  private closeAdvertise(adverts: Map<string, AdvertiseKeys>): ServerStep {
    const { k, t, minSurvivors, graphSeed, roundId } = this.config;
    if (adverts.size < minSurvivors) throw new RoundOver(`only ${adverts.size} nodes advertised keys, fewer than the ${minSurvivors} required`);
    this.requireQuorum(adverts.size, 'nodes advertised keys');
    const graph = buildNeighbourGraph([...adverts.keys()], k, graphSeed);
    if (graph.degree < t) throw new RoundOver(`only ${adverts.size} nodes advertised keys: each has ${graph.degree} neighbours, fewer than the threshold ${t}`);
    const directory = graph.ids.map((id) => adverts.get(id) as AdvertiseKeys);
    this.state = { name: 'share_keys', adverts, graph, directory: directoryDigest(directory), boxes: new Map() };
    this.log.info({ stage: 1, received: adverts.size, expected: this.config.participants.length }, 'secagg keys advertised');
    return this.send(2, graph.ids.map((to) => ({ to, message: { type: 'key_directory', roundId, stage: 2, adverts: directory } })));
  }

  private onShareKeys(msg: ShareKeys): void {
    const st = this.expect('share_keys');
    if (!st.graph.has(msg.sender)) throw new CohortError('permission_denied', `${msg.sender} did not advertise keys in this round`);
    if (st.boxes.has(msg.sender)) throw new CohortError('already_exists', `shares of ${msg.sender} were already received`);
    const neighbours = st.graph.neighbours(msg.sender);
    const boxes = new Map<string, Uint8Array>();
    for (const { receiver, ciphertext } of msg.shares) {
      if (!st.graph.isNeighbour(msg.sender, receiver)) throw new CohortError('invalid_argument', `${receiver} is not a neighbour of ${msg.sender}`);
      if (boxes.has(receiver)) throw new CohortError('invalid_argument', `two share boxes for ${receiver}`);
      if (ciphertext.length !== SHARE_BOX_BYTES) throw new CohortError('invalid_argument', `share box for ${receiver} must be ${SHARE_BOX_BYTES} bytes`);
      boxes.set(receiver, ciphertext);
    }
    if (boxes.size !== neighbours.length) throw new CohortError('invalid_argument', `shares must go to all ${neighbours.length} neighbours, got ${boxes.size}`);
    st.boxes.set(msg.sender, boxes);
  }

  private closeShareKeys(st: Extract<ServerState, { name: 'share_keys' }>): ServerStep {
    const { t, minSurvivors, roundId, vectorLength } = this.config;
    // A node with fewer than t neighbours in U2 could never be unmasked: leave it out
    // (its boxes are not delivered, so nobody masks with it), and repeat until stable.
    const u2 = new Set(st.boxes.keys());
    for (let changed = true; changed; ) {
      changed = false;
      for (const u of u2) {
        if (st.graph.neighbours(u).filter((v) => u2.has(v)).length < t) {
          u2.delete(u);
          changed = true;
        }
      }
    }
    if (u2.size < minSurvivors) throw new RoundOver(`only ${u2.size} nodes shared keys with enough neighbours, fewer than the ${minSurvivors} required`);
    this.requireQuorum(u2.size, 'nodes shared keys with enough neighbours');
    const messages = sortIds(u2).map((to): Outgoing => {
      const shares = st.graph
        .neighbours(to)
        .filter((u) => u2.has(u))
        .map((sender) => ({ sender, ciphertext: st.boxes.get(sender)?.get(to) as Uint8Array }));
      return { to, message: { type: 'share_delivery', roundId, stage: 3, shares } };
    });
    this.log.info({ stage: 2, received: st.boxes.size, kept: u2.size }, 'secagg shares routed');
    this.state = { name: 'masked_input', adverts: st.adverts, graph: st.graph, directory: st.directory, u2, acc: sharedWords(vectorLength), reports: new Map(), received: new Set() };
    return this.send(3, messages);
  }

  private onMaskingReport(msg: MaskingReport): void {
    const st = this.expect('masked_input');
    if (!st.u2.has(msg.sender)) throw new CohortError('permission_denied', `${msg.sender} has no shares in this round`);
    if (st.reports.has(msg.sender)) throw new CohortError('already_exists', `masking report of ${msg.sender} was already received`);
    const missing = msg.missingNeighbours;
    for (let i = 0; i < missing.length; i++) {
      const v = missing[i] as string;
      if (i > 0 && compareIds(missing[i - 1] as string, v) >= 0) throw new CohortError('invalid_argument', 'masking report must be sorted');
      if (!st.graph.isNeighbour(msg.sender, v)) throw new CohortError('invalid_argument', `masking report names ${v}, who is not a neighbour of ${msg.sender}`);
    }
    if (!this.deps.verifier.verify(msg.sender, maskingData(this.round, st.directory, msg.sender, missing), msg.signature)) {
      throw new CohortError('unauthenticated', `masking report of ${msg.sender} does not verify`);
    }
    st.reports.set(msg.sender, { sender: msg.sender, missingNeighbours: missing, signature: msg.signature });
  }

  private onMaskedInput(msg: MaskedInput): void {
    const st = this.expect('masked_input');
    if (!st.u2.has(msg.sender)) throw new CohortError('permission_denied', `${msg.sender} has no shares in this round`);
    if (st.received.has(msg.sender)) throw new CohortError('already_exists', `masked input of ${msg.sender} was already received`);
    // Nodes refuse a survivor without a report, so an input without one could never be unmasked.
    if (!st.reports.has(msg.sender)) throw new CohortError('failed_precondition', `masked input of ${msg.sender} came before its masking report`);
    if (msg.masked.length !== this.config.vectorLength) {
      throw new CohortError('invalid_argument', `masked input has ${msg.masked.length} words, expected ${this.config.vectorLength}`);
    }
    addWords(st.acc, msg.masked, 1);
    st.received.add(msg.sender);
  }

  private closeMaskedInput(st: Extract<ServerState, { name: 'masked_input' }>): ServerStep {
    const survivors = sortIds(st.received);
    const dropouts = sortIds([...st.u2].filter((u) => !st.received.has(u)));
    const { minSurvivors } = this.config;
    if (survivors.length < minSurvivors) throw new RoundOver(`only ${survivors.length} masked inputs arrived, fewer than the ${minSurvivors} required`);
    this.requireQuorum(survivors.length, 'masked inputs arrived');
    if (!inducedConnected(st.graph, survivors)) throw new RoundOver('the survivors’ neighbour graph is split: unmasking would reveal partial sums');
    const alive = new Set(survivors);
    for (const u of survivors) {
      const skipped = (st.reports.get(u) as ForwardedReport).missingNeighbours.find((v) => alive.has(v));
      if (skipped !== undefined) throw new RoundOver(`survivor ${u} did not mask with survivor ${skipped}: nodes would refuse the survivor list`);
    }
    this.checkRecoverable(st.graph, survivors, dropouts, new Set(survivors));
    this.log.info({ stage: 3, survivors: survivors.length, dropouts: dropouts.length }, 'secagg masked inputs collected');
    const { received: _, ...rest } = st;
    this.state = { ...rest, name: 'consistency', survivors, dropouts, signatures: new Map() };
    const { roundId } = this.config;
    const reports = survivors.map((u) => st.reports.get(u) as ForwardedReport);
    return this.send(4, survivors.map((to) => ({ to, message: { type: 'survivor_list', roundId, stage: 4, survivors, reports } })));
  }

  private onSignature(msg: ConsistencySignature): void {
    const st = this.expect('consistency');
    if (!st.survivors.includes(msg.sender)) throw new CohortError('permission_denied', `${msg.sender} is not a survivor`);
    if (st.signatures.has(msg.sender)) throw new CohortError('already_exists', `consistency signature of ${msg.sender} was already received`);
    if (!this.deps.verifier.verify(msg.sender, survivorListData(this.round, st.directory, st.survivors), msg.signature)) {
      throw new CohortError('unauthenticated', `consistency signature of ${msg.sender} does not verify`);
    }
    st.signatures.set(msg.sender, msg.signature);
  }

  private closeConsistency(st: Extract<ServerState, { name: 'consistency' }>): ServerStep {
    const { roundId, participants } = this.config;
    const u4 = new Set(st.signatures.keys());
    const quorum = signatureQuorum(participants.length);
    if (u4.size < quorum) {
      throw new RoundOver(`only ${u4.size} of the ${participants.length} participants confirmed the survivor list; more than half (${quorum}) must`);
    }
    this.checkRecoverable(st.graph, st.survivors, st.dropouts, u4);
    const signatures = sortIds(u4).map((sender) => ({ sender, signature: st.signatures.get(sender) as Uint8Array }));
    const dropped = new Set(st.dropouts);
    const messages = sortIds(u4).map((to): Outgoing => {
      const dropouts = st.graph.neighbours(to).filter((v) => dropped.has(v));
      return { to, message: { type: 'unmask_request', roundId, stage: 5, survivors: st.survivors, signatures, dropouts } };
    });
    this.log.info({ stage: 4, confirmed: u4.size }, 'secagg survivor list confirmed');
    const { signatures: _, ...rest } = st;
    this.state = { ...rest, name: 'unmask', u4, responded: new Set(), selfMaskShares: new Map(), keyShares: new Map() };
    return this.send(5, messages);
  }

  private onUnmaskResponse(msg: UnmaskResponse): void {
    const st = this.expect('unmask');
    if (!st.u4.has(msg.sender)) throw new CohortError('permission_denied', `${msg.sender} was not asked to unmask`);
    if (st.responded.has(msg.sender)) throw new CohortError('already_exists', `unmask response of ${msg.sender} was already received`);
    const x = st.graph.xOf(msg.sender);
    const survivors = new Set(st.survivors);
    const dropouts = new Set(st.dropouts);
    const check = (list: readonly RevealedShare[], owners: ReadonlySet<string>, secretLength: number, what: string): [string, ShamirShare][] => {
      const seen = new Set<string>();
      return list.map(({ owner, share }) => {
        if (!owners.has(owner) || !st.graph.isNeighbour(msg.sender, owner)) throw new CohortError('invalid_argument', `unexpected ${what} share of ${owner}`);
        if (seen.has(owner)) throw new CohortError('invalid_argument', `two ${what} shares of ${owner}`);
        seen.add(owner);
        const decoded = decodeShare(share);
        if (decoded?.x !== x || decoded.secretLength !== secretLength) throw new CohortError('invalid_argument', `malformed ${what} share of ${owner}`);
        return [owner, decoded];
      });
    };
    // Check everything before storing anything, so a bad response leaves no trace.
    const selfMask = check(msg.selfMaskShares, survivors, SEED_BYTES, 'self-mask');
    const keys = check(msg.keyShares, dropouts, X25519_KEY_BYTES, 'key');
    for (const [owner, s] of selfMask) pushTo(st.selfMaskShares, owner, s);
    for (const [owner, s] of keys) pushTo(st.keyShares, owner, s);
    st.responded.add(msg.sender);
  }

  private finish(st: Extract<ServerState, { name: 'unmask' }>): ServerStep {
    const { t, roundId } = this.config;
    const coefficients = new Map<string, bigint[]>(); // Lagrange coefficients per holder set, shared by all secrets
    const recover = (shares: ShamirShare[] | undefined, what: string): Uint8Array => {
      if (shares === undefined || shares.length < t) throw new RoundOver(`${what}: only ${shares?.length ?? 0} of the ${t} shares needed arrived`);
      const used = [...shares].sort((a, b) => a.x - b.x).slice(0, t);
      const cacheKey = used.map((s) => s.x).join(',');
      let lambda = coefficients.get(cacheKey);
      if (lambda === undefined) {
        lambda = lagrangeAtZero(used.map((s) => s.x));
        coefficients.set(cacheKey, lambda);
      }
      try {
        return reconstructWith(used, lambda);
      } catch (err) {
        throw new RoundOver(`${what}: ${CohortError.from(err).message}`);
      }
    };
    const survivors = new Set(st.survivors);
    const terms: MaskTerm[] = [];
    for (const v of st.survivors) terms.push({ seed: recover(st.selfMaskShares.get(v), `self mask of ${v}`), sign: -1 });
    for (const d of st.dropouts) {
      const partners = st.graph.neighbours(d).filter((w) => survivors.has(w));
      if (partners.length === 0) continue;
      const sKey = recover(st.keyShares.get(d), `key of ${d}`);
      if (!bytesEqual(x25519PublicKey(sKey), (st.adverts.get(d) as AdvertiseKeys).sPublicKey)) {
        throw new RoundOver(`key of ${d}: the reconstructed key does not match its advertised key (a share was corrupted)`);
      }
      for (const w of partners) {
        const seed = agreeKey(sKey, (st.adverts.get(w) as AdvertiseKeys).sPublicKey, { roundId, a: d, b: w, purpose: 'mask' });
        // w added +PRG when w < d and −PRG otherwise; undo exactly that.
        terms.push({ seed, sign: compareIds(w, d) < 0 ? -1 : 1 });
      }
    }
    addMasksParallel(st.acc, terms);
    this.state = { name: 'completed' };
    this.log.info({ stage: 5, survivors: st.survivors.length, dropouts: st.dropouts.length, responders: st.responded.size }, 'secagg round completed');
    return { kind: 'completed', sum: st.acc, survivors: st.survivors, dropouts: st.dropouts };
  }

  /** Signers come from the survivors, so fewer than a majority of participants left means the list can never be confirmed. */
  private requireQuorum(count: number, what: string): void {
    const n = this.config.participants.length;
    const quorum = signatureQuorum(n);
    if (count < quorum) throw new RoundOver(`only ${count} ${what}: the survivor list needs signatures from more than half of the ${n} participants (${quorum})`);
  }

  /**
   * Every survivor's self mask, and the key of every dropout that masked with a survivor,
   * needs t shares from `responders` among its neighbours; otherwise the round can only fail.
   */
  private checkRecoverable(graph: NeighbourGraph, survivors: readonly string[], dropouts: readonly string[], responders: ReadonlySet<string>): void {
    const { t } = this.config;
    const alive = new Set(survivors);
    const holders = (id: string): number => graph.neighbours(id).filter((v) => responders.has(v)).length;
    for (const v of survivors) {
      const n = holders(v);
      if (n < t) throw new RoundOver(`survivor ${v} has ${n} neighbours left to unmask it, fewer than the threshold ${t}`);
    }
    for (const d of dropouts) {
      if (!graph.neighbours(d).some((w) => alive.has(w))) continue;
      const n = holders(d);
      if (n < t) throw new RoundOver(`dropped node ${d} has ${n} neighbours left to recover its key, fewer than the threshold ${t}`);
    }
  }

  private send(stage: number, messages: Outgoing[]): ServerStep {
    return { kind: 'send', stage, messages };
  }

  private expect<N extends ServerStageName>(name: N): Extract<ServerState, { name: N }> {
    if (this.state.name !== name) throw new CohortError('internal', `secagg server expected stage ${name}, is in ${this.state.name}`);
    return this.state as Extract<ServerState, { name: N }>;
  }

  private refuse(from: string, event: string, error: CohortError): Result<void> {
    this.log.warn({ from, event, stage: this.state.name, code: error.code, reason: error.message }, 'secagg message refused');
    return { ok: false, error };
  }
}

function pushTo<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}
