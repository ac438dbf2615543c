/**
 * A scripted malicious coordinator for attack tests. It drives real `SecAggClient` state
 * machines (honest nodes, real X25519 keys, real Ed25519 signatures), decides every
 * message each node sees, keeps everything nodes send, and then tries to unmask one
 * node's input or a partial sum from whatever the nodes revealed. Nothing here reaches
 * into a client's state: the adversary knows exactly what a real coordinator would.
 */
import { MemoryLogger } from '../../../shared/logger.js';
import { SeededRandom } from '../../../shared/random.js';
import { compareIds, sortIds } from '../../../shared/secagg/bytes.js';
import { SecAggClient } from '../../../shared/secagg/client.js';
import { buildNeighbourGraph, inducedConnected, type NeighbourGraph } from '../../../shared/secagg/graph.js';
import { unpackShares } from '../../../shared/secagg/envelope.js';
import { agreeKey, generateX25519, open, shareAad, x25519PublicKey } from '../../../shared/secagg/keys.js';
import { Stage, type AdvertiseKeys, type ForwardedReport, type SecAggConfig, type UnmaskResponse } from '../../../shared/secagg/messages.js';
import { addMasks, type MaskTerm } from '../../../shared/secagg/prg.js';
import type { Result } from '../../../shared/secagg/result.js';
import { decodeShare, reconstruct, type ShamirShare } from '../../../shared/secagg/shamir.js';
import { directoryDigest, roundDigest, survivorListData } from '../../../shared/secagg/signing.js';
import { signerFor, verifierFor, rngFor } from './fixtures.js';

/** A message a node refused, and why. */
export interface Refusal {
  readonly node: string;
  readonly step: string;
  readonly code: string;
  readonly reason: string;
}

/** Everything one run of an attack produced. */
export class MaliciousCoordinator {
  readonly clients = new Map<string, SecAggClient>();
  readonly adverts = new Map<string, AdvertiseKeys>();
  /** sender → receiver → share box, as the sender addressed them. */
  readonly boxes = new Map<string, ReadonlyMap<string, Uint8Array>>();
  /** node → senders whose boxes it accepted (exactly the neighbours it masked with). */
  readonly partners = new Map<string, ReadonlySet<string>>();
  readonly masked = new Map<string, Uint32Array>();
  /** node → the masking report it signed. */
  readonly reports = new Map<string, ForwardedReport>();
  /** node → its consistency signature and the list it signed. */
  readonly confirmations = new Map<string, { readonly list: readonly string[]; readonly signature: Uint8Array }>();
  readonly selfMaskShares = new Map<string, ShamirShare[]>();
  readonly keyShares = new Map<string, ShamirShare[]>();
  readonly refusals: Refusal[] = [];
  readonly log = new MemoryLogger();
  /** The graph every honest node computes from the full directory and its config. */
  readonly graph: NeighbourGraph;
  private readonly configs = new Map<string, SecAggConfig>();
  private directoryShown: readonly AdvertiseKeys[] = [];
  /** Mask keys colluding nodes handed over. */
  private readonly disclosedKeys = new Map<string, Uint8Array>();
  private readonly salt: number;

  constructor(
    readonly config: SecAggConfig,
    readonly inputs: ReadonlyMap<string, Uint32Array>,
    opts: { readonly salt?: number; readonly configFor?: (id: string) => SecAggConfig } = {},
  ) {
    this.salt = opts.salt ?? 0;
    const verifier = verifierFor(config.participants);
    for (const id of config.participants) {
      const c = opts.configFor?.(id) ?? config;
      this.configs.set(id, c);
      this.clients.set(id, new SecAggClient(id, c, { signer: signerFor(id), verifier, rng: rngFor(id, opts.salt ?? 0), logger: this.log }));
    }
    this.graph = buildNeighbourGraph(config.participants, config.k, config.graphSeed);
  }

  get ids(): readonly string[] {
    return this.config.participants;
  }

  private client(id: string): SecAggClient {
    const c = this.clients.get(id);
    if (c === undefined) throw new Error(`no client ${id}`);
    return c;
  }

  private take<T>(node: string, step: string, r: Result<T>): T | undefined {
    if (r.ok) return r.value;
    this.refusals.push({ node, step, code: r.error.code, reason: r.error.message });
    return undefined;
  }

  /** Stage 1: every node advertises its keys. */
  advertiseAll(): void {
    for (const id of this.ids) {
      const a = this.take(id, 'advertise', this.client(id).advertise());
      if (a) this.adverts.set(id, a);
    }
  }

  /** Stage 2: show `to` the adverts of `members` (default: everyone); keep the boxes they address. */
  sendDirectory(to: readonly string[] = this.ids, members: readonly string[] = this.ids): void {
    const adverts = sortIds(members).map((id) => this.adverts.get(id) as AdvertiseKeys);
    this.directoryShown = adverts;
    for (const id of to) {
      const reply = this.take(id, 'key_directory', this.client(id).handle({ type: 'key_directory', roundId: this.config.roundId, stage: 2, adverts }));
      if (reply?.type === 'share_keys') this.boxes.set(id, new Map(reply.shares.map((s) => [s.receiver, s.ciphertext])));
    }
  }

  /** Stage 3: hand `to` the boxes from `from` addressed to it; the node then masks its input. */
  deliver(to: string, from: readonly string[], order: 'sorted' | 'reversed' = 'sorted'): boolean {
    const senders = order === 'sorted' ? sortIds(from) : sortIds(from).reverse();
    const shares = senders.map((sender) => ({ sender, ciphertext: this.boxes.get(sender)?.get(to) as Uint8Array }));
    const c = this.client(to);
    const r = c.handle({ type: 'share_delivery', roundId: this.config.roundId, stage: 3, shares });
    if (!r.ok) return this.take(to, 'share_delivery', r) !== undefined;
    if (r.value.type === 'masking_report') this.reports.set(to, { sender: to, missingNeighbours: r.value.missingNeighbours, signature: r.value.signature });
    this.partners.set(to, new Set(from));
    const masked = this.take(to, 'mask_input', c.maskInput(this.inputs.get(to) as Uint32Array));
    if (masked) this.masked.set(to, masked.masked);
    return masked !== undefined;
  }

  /** Stage 3 for everyone in `to`: boxes from every graph neighbour. */
  deliverAll(to: readonly string[] = this.ids): void {
    for (const id of to) this.deliver(id, this.graph.neighbours(id));
  }

  /** Stage 4: show each of `to` the survivor list `list` with every report the adversary has of its members; keep the signatures. */
  confirm(to: readonly string[], list: readonly string[]): string[] {
    const survivors = sortIds(list);
    const reports = survivors.flatMap((v) => this.reports.get(v) ?? []);
    const signed: string[] = [];
    for (const id of to) {
      const reply = this.take(id, 'survivor_list', this.client(id).handle({ type: 'survivor_list', roundId: this.config.roundId, stage: 4, survivors, reports }));
      if (reply?.type === 'consistency_signature') {
        this.confirmations.set(id, { list: survivors, signature: reply.signature });
        signed.push(id);
      }
    }
    return signed;
  }

  /**
   * Stage 5: ask each of `to` to unmask under `list`, forwarding `signatures` (default:
   * those of every node that signed exactly `list`); each is asked for the key shares of
   * every node it holds shares of that is not in `list`.
   */
  unmask(to: readonly string[], list: readonly string[], signatures?: readonly { sender: string; signature: Uint8Array }[]): string[] {
    const survivors = sortIds(list);
    const forwarded =
      signatures ??
      [...this.confirmations]
        .filter(([, c]) => sameList(c.list, survivors))
        .map(([sender, c]) => ({ sender, signature: c.signature }));
    const answered: string[] = [];
    for (const id of to) {
      const dropouts = sortIds([...(this.partners.get(id) ?? [])].filter((v) => !survivors.includes(v)));
      const reply = this.take(id, 'unmask_request', this.client(id).handle({ type: 'unmask_request', roundId: this.config.roundId, stage: 5, survivors, signatures: forwarded, dropouts }));
      if (reply?.type === 'unmask_response') {
        this.collect(reply);
        answered.push(id);
      }
    }
    return answered;
  }

  /**
   * Node `z` colludes (positive controls only; the guarantee excludes this): it hands over
   * its two private keys, with which the adversary opens every share box addressed to it.
   * Its keys are rederived from the seeded randomness it was built with (c then s, as
   * `advertise` draws them) and checked against its advertisement.
   */
  collude(z: string): void {
    const rng = rngFor(z, this.salt);
    const c = generateX25519(rng);
    const sKey = generateX25519(rng);
    const advert = this.adverts.get(z) as AdvertiseKeys;
    if (!Buffer.from(c.publicKey).equals(Buffer.from(advert.cPublicKey)) || !Buffer.from(sKey.publicKey).equals(Buffer.from(advert.sPublicKey))) {
      throw new Error(`could not rederive the keys of ${z}: advertise() no longer draws them as this test assumes`);
    }
    this.disclosedKeys.set(z, sKey.privateKey);
    const { roundId } = this.config;
    for (const [sender, boxes] of this.boxes) {
      const box = boxes.get(z);
      const peer = this.adverts.get(sender);
      if (box === undefined || peer === undefined) continue;
      const key = agreeKey(c.privateKey, peer.cPublicKey, { roundId, a: sender, b: z, purpose: 'enc' });
      const plaintext = open(key, box, shareAad(roundId, sender, z, Stage.shareKeys));
      const bundle = plaintext && unpackShares(plaintext, this.graph.xOf(z));
      if (!bundle) throw new Error(`box from ${sender} to ${z} does not open`);
      this.addShare(this.selfMaskShares, sender, bundle.selfMask);
      this.addShare(this.keyShares, sender, bundle.key);
    }
  }

  private addShare(into: Map<string, ShamirShare[]>, owner: string, s: ShamirShare): void {
    this.seeds.clear();
    this.keys.clear();
    const held = into.get(owner) ?? [];
    if (!held.some((h) => h.x === s.x)) held.push(s);
    into.set(owner, held);
  }

  /**
   * A colluding node's consistency signature over any list: what a node in league with
   * the coordinator can add (the protocol's guarantee does not cover it; positive controls only).
   */
  colludingSignature(node: string, list: readonly string[]): { sender: string; signature: Uint8Array } {
    const config = this.configs.get(node) ?? this.config;
    const data = survivorListData(roundDigest(config), directoryDigest(this.directoryShown), sortIds(list));
    return { sender: node, signature: signerFor(node).sign(data) };
  }

  private collect(r: UnmaskResponse): void {
    for (const [list, into] of [
      [r.selfMaskShares, this.selfMaskShares],
      [r.keyShares, this.keyShares],
    ] as const) {
      for (const { owner, share } of list) {
        const s = decodeShare(share);
        if (s !== undefined) this.addShare(into, owner, s);
      }
    }
  }

  /** v's self-mask seed, when t of its shares were revealed. */
  seed(v: string): Uint8Array | undefined {
    return this.recovered(this.seeds, this.selfMaskShares, v, () => true);
  }

  /** v's mask key, when t of its shares were revealed (checked against its advertised key) or v colludes. */
  key(v: string): Uint8Array | undefined {
    const disclosed = this.disclosedKeys.get(v);
    if (disclosed !== undefined) return disclosed;
    const advertised = this.adverts.get(v)?.sPublicKey;
    return this.recovered(this.keys, this.keyShares, v, (key) => advertised !== undefined && Buffer.from(x25519PublicKey(key)).equals(Buffer.from(advertised)));
  }

  private readonly seeds = new Map<string, Uint8Array | undefined>();
  private readonly keys = new Map<string, Uint8Array | undefined>();

  private recovered(cache: Map<string, Uint8Array | undefined>, from: ReadonlyMap<string, ShamirShare[]>, v: string, valid: (secret: Uint8Array) => boolean): Uint8Array | undefined {
    if (cache.has(v)) return cache.get(v);
    const shares = from.get(v) ?? [];
    let secret: Uint8Array | undefined;
    if (shares.length >= this.config.t) {
      const s = reconstruct(shares, this.config.t);
      if (valid(s)) secret = s;
    }
    cache.set(v, secret);
    return secret;
  }

  /**
   * The adversary's best computation of Σ_{v ∈ S} x_v from the masked inputs and revealed
   * secrets: subtract each self mask and every pairwise mask that does not cancel inside
   * S. Undefined when a needed secret is missing.
   */
  attemptSum(set: readonly string[]): Uint32Array | undefined {
    const inS = new Set(set);
    const acc = new Uint32Array(this.config.vectorLength);
    const terms: MaskTerm[] = [];
    for (const v of set) {
      const y = this.masked.get(v);
      const b = this.seed(v);
      if (y === undefined || b === undefined) return undefined;
      for (let i = 0; i < acc.length; i++) acc[i] = ((acc[i] as number) + (y[i] as number)) >>> 0;
      terms.push({ seed: b, sign: -1 });
      for (const p of this.partners.get(v) ?? []) {
        // A pair inside S that masked with each other cancels; any other pairwise mask must be removed.
        if (inS.has(p) && this.partners.get(p)?.has(v) === true) continue;
        const pairSeed = this.pairSeed(v, p);
        if (pairSeed === undefined) return undefined;
        terms.push({ seed: pairSeed, sign: compareIds(v, p) < 0 ? -1 : 1 });
      }
    }
    addMasks(acc, terms);
    return acc;
  }

  /**
   * The smallest set containing v whose sum the adversary could compute: v plus, again
   * and again, every partner whose pairwise mask with a member it cannot remove (that
   * mask cancels only if the partner is in the sum and masked back). Undefined when no
   * such set exists (a needed self mask or masked input is missing, or a mask is one-sided).
   */
  smallestSumContaining(v: string): string[] | undefined {
    const set = new Set([v]);
    const queue = [v];
    for (let u = queue.pop(); u !== undefined; u = queue.pop()) {
      if (!this.masked.has(u) || this.seed(u) === undefined) return undefined;
      for (const p of this.partners.get(u) ?? []) {
        if (this.pairSeed(u, p) !== undefined || set.has(p)) continue;
        if (this.partners.get(p)?.has(u) !== true) return undefined;
        set.add(p);
        queue.push(p);
      }
    }
    for (const u of set) for (const p of this.partners.get(u) ?? []) if (set.has(p) && this.pairSeed(u, p) === undefined && this.partners.get(p)?.has(u) !== true) return undefined;
    return sortIds(set);
  }

  /** x_v as the adversary computes it. */
  attemptInput(v: string): Uint32Array | undefined {
    return this.attemptSum([v]);
  }

  private pairSeed(v: string, p: string): Uint8Array | undefined {
    const ctx = { roundId: this.config.roundId, a: v, b: p, purpose: 'mask' } as const;
    const kp = this.key(p);
    const av = this.adverts.get(v);
    if (kp !== undefined && av !== undefined) return agreeKey(kp, av.sPublicKey, ctx);
    const kv = this.key(v);
    const ap = this.adverts.get(p);
    if (kv !== undefined && ap !== undefined) return agreeKey(kv, ap.sPublicKey, ctx);
    return undefined;
  }

  /** The true Σ_{v ∈ S} x_v, to compare the adversary's result with. */
  truth(set: readonly string[]): Uint32Array {
    const acc = new Uint32Array(this.config.vectorLength);
    for (const v of set) {
      const x = this.inputs.get(v) as Uint32Array;
      for (let i = 0; i < acc.length; i++) acc[i] = ((acc[i] as number) + (x[i] as number)) >>> 0;
    }
    return acc;
  }

  /** The reasons nodes gave for refusing, for assertion messages. */
  refusalSummary(): string {
    const counts = new Map<string, number>();
    for (const r of this.refusals) {
      const key = `${r.step}: ${r.reason.replace(/node-\d+/g, 'node-…').replace(/\d+/g, '#')}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return [...counts].map(([k, n]) => `${n}× ${k}`).join('; ');
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** A list shown to some nodes, and the nodes it is shown to (they sign it and are asked to unmask under it). */
export interface Group {
  readonly list: readonly string[];
  readonly signers: readonly string[];
}

/**
 * The reviewer's attack: the victim masks with `partners` only; each group is shown its
 * own survivor list. Every list contains the victim, so its neighbours reveal self-mask
 * shares; each partner is missing from some lists, whose signers reveal its key shares.
 */
export interface EquivocationPlan {
  readonly victim: string;
  readonly partners: readonly string[];
  readonly groups: readonly Group[];
}

function shuffled<T>(items: readonly T[], rng: SeededRandom): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    [a[i], a[j]] = [a[j] as T, a[i] as T];
  }
  return a;
}

/**
 * Search for an equivocation plan that the rules of today's nodes accept: each list has
 * at least `quorum` signers (t under the old rule), is connected in the graph and has
 * at least m members; every signer is on its list, and holds the share box of each of
 * its neighbours on it (only the victim is short of boxes); the victim's self mask has
 * t revealing holders and every partner's key t. Two shapes are tried: lists that leave
 * out exactly the partners whose keys their signers reveal, and lists made of their
 * signers only. With `withhold: false` the victim gets every box (its masking report is
 * then empty, so only the signature rules stand in the way); with `shape: 'full'` every
 * list holds every node but the victim's neighbours it leaves out. Returns undefined when none is found.
 */
export function planEquivocation(
  graph: NeighbourGraph,
  victim: string,
  t: number,
  m: number,
  quorum: number,
  opts: { readonly seed?: number; readonly tries?: number; readonly withhold?: boolean; readonly shape?: 'any' | 'full' } = {},
): EquivocationPlan | undefined {
  const { seed = 1, tries = 1000, withhold = true, shape = 'any' } = opts;
  const rng = new SeededRandom(seed);
  const nbrs = graph.neighbours(victim);
  const k = nbrs.length;
  const others = graph.ids.filter((u) => u !== victim);
  for (let attempt = 0; attempt < tries; attempt++) {
    // Structured (the reviewer's shape): exactly t partners; list 0 holds the victim's other
    // neighbours and 2t − k partners, list 1 the remaining partners. Otherwise random.
    const structured = withhold && shape === 'any' && rng.nextInt(3) === 0;
    const partners = withhold ? shuffled(nbrs, rng).slice(0, structured ? t : t + rng.nextInt(k - t + 1)) : [...nbrs];
    const isPartner = new Set(partners);
    // excluded[i]: neighbours of the victim missing from list i.
    const excluded = [new Set<string>(), new Set<string>()] as const;
    if (structured) {
      const onFirst = new Set(shuffled(partners, rng).slice(0, Math.max(0, 2 * t - k) + rng.nextInt(2)));
      for (const u of nbrs) excluded[isPartner.has(u) && !onFirst.has(u) ? 0 : 1].add(u);
    } else {
      for (const u of nbrs) {
        const r = rng.nextInt(isPartner.has(u) ? 2 : 3);
        if (r < 2) excluded[r as 0 | 1].add(u);
      }
    }
    const signers = [new Set<string>(), new Set<string>()] as const;
    // holders[i]: per partner left out of list i, how many of its neighbours sign list i.
    const holders = [new Map<string, number>(), new Map<string, number>()] as const;
    const missing = (p: string): number => t - (holders[0].get(p) ?? 0) - (holders[1].get(p) ?? 0);
    const compact = structured || (shape === 'any' && rng.nextInt(2) === 0); // lists = their signers (+ the victim) only
    for (const u of shuffled(others, rng)) {
      const options = ([0, 1] as const).filter((i) => !excluded[i].has(u));
      if (options.length === 0) continue;
      const near = graph.neighbours(u).filter((p) => isPartner.has(p));
      let best = options[rng.nextInt(options.length)] as 0 | 1;
      let bestScore = -1;
      for (const i of options) {
        let score = signers[i].size < quorum ? 0.5 : 0;
        for (const p of near) if (excluded[i].has(p)) score += Math.max(0, missing(p));
        if (score > bestScore || (score === bestScore && rng.nextInt(2) === 0)) {
          best = i;
          bestScore = score;
        }
      }
      signers[best].add(u);
      for (const p of near) if (excluded[best].has(p)) holders[best].set(p, (holders[best].get(p) ?? 0) + 1);
    }
    const lists = ([0, 1] as const).map((i) => (compact ? sortIds([victim, ...signers[i]]) : graph.ids.filter((u) => !excluded[i].has(u))));
    // The victim can sign a list only if every neighbour of it on the list is a partner.
    for (const i of [0, 1] as const) {
      if (nbrs.every((u) => !(lists[i] as string[]).includes(u) || isPartner.has(u))) {
        signers[i].add(victim);
        break;
      }
    }
    // Key shares of p come from signers of lists without p.
    const keyHolders = (p: string): number => ([0, 1] as const).reduce<number>((s, i) => s + ((lists[i] as string[]).includes(p) ? 0 : graph.neighbours(p).filter((u) => signers[i].has(u)).length), 0);
    const selfMaskHolders = nbrs.filter((u) => signers[0].has(u) || signers[1].has(u)).length;
    const ok =
      selfMaskHolders >= t &&
      partners.every((p) => keyHolders(p) >= t) &&
      ([0, 1] as const).every((i) => signers[i].size >= quorum && (lists[i] as string[]).length >= m && inducedConnected(graph, lists[i] as string[]));
    if (ok) return { victim, partners: sortIds(partners), groups: ([0, 1] as const).map((i) => ({ list: lists[i] as string[], signers: sortIds(signers[i]) })) };
  }
  return undefined;
}

/** A two-list attack in which `colluders` sign both lists and hand over their keys and shares. */
export interface CollusionPlan extends EquivocationPlan {
  readonly colluders: readonly string[];
}

/**
 * The two-list attack with c colluding neighbours of the victim (c from 1 up): the
 * victim gets every box; the honest nodes are split in two groups, each signing the list
 * that leaves out the victim's honest neighbours of the other group; colluders are on
 * both lists and sign both. Found when both lists reach `quorum` and every honest
 * neighbour's key has t holders among the colluders and the signers of the list without it.
 */
export function planCollusion(graph: NeighbourGraph, victim: string, t: number, m: number, quorum: number, seed = 1, tries = 300): CollusionPlan | undefined {
  const rng = new SeededRandom(seed);
  const nbrs = graph.neighbours(victim);
  for (let c = 1; c <= nbrs.length; c++) {
    for (let attempt = 0; attempt < tries; attempt++) {
      const colluders = new Set(shuffled(nbrs, rng).slice(0, c));
      const honest = shuffled(graph.ids.filter((u) => u !== victim && !colluders.has(u)), rng);
      const cut = Math.floor(honest.length / 2) + rng.nextInt(3) - 1;
      const sides = [new Set(honest.slice(0, cut)), new Set(honest.slice(cut))] as const;
      // List i leaves out the victim's honest neighbours signing the other list; the victim signs list 0.
      const lists = ([0, 1] as const).map((i) => graph.ids.filter((u) => !(sides[1 - i] as Set<string>).has(u) || !graph.isNeighbour(u, victim)));
      const signers = [[victim, ...sides[0]], [...sides[1]]] as const;
      const holders = (p: string, i: 0 | 1): number => graph.neighbours(p).filter((u) => colluders.has(u) || (signers[i] as string[]).includes(u)).length;
      const ok =
        nbrs.every((p) => colluders.has(p) || holders(p, sides[0].has(p) ? 1 : 0) >= t) &&
        ([0, 1] as const).every((i) => {
          const list = lists[i] as string[];
          const signing = (signers[i] as string[]).filter((u) => list.includes(u)).length + colluders.size;
          return signing >= quorum && list.length >= m && inducedConnected(graph, list);
        });
      if (ok) return { victim, partners: [...nbrs], colluders: sortIds(colluders), groups: ([0, 1] as const).map((i) => ({ list: lists[i] as string[], signers: sortIds((signers[i] as string[]).filter((u) => (lists[i] as string[]).includes(u))) })) };
    }
  }
  return undefined;
}

/**
 * Run an equivocation plan against fresh honest nodes: deliveries, lists, unmask requests.
 * `extra(i)` adds signatures to group i's unmask request (replayed or colluding ones).
 */
export function runEquivocation(adv: MaliciousCoordinator, plan: EquivocationPlan, extra: (group: number) => readonly { sender: string; signature: Uint8Array }[] = () => []): void {
  adv.advertiseAll();
  adv.sendDirectory();
  for (const id of adv.ids) adv.deliver(id, id === plan.victim ? plan.partners : adv.graph.neighbours(id));
  for (const g of plan.groups) adv.confirm(g.signers, g.list);
  plan.groups.forEach((g, i) => {
    const own = g.signers.flatMap((sender) => {
      const c = adv.confirmations.get(sender);
      return c !== undefined && sameList(c.list, sortIds(g.list)) ? [{ sender, signature: c.signature }] : [];
    });
    const added = extra(i).filter((s) => !own.some((o) => o.sender === s.sender));
    adv.unmask(g.signers, g.list, [...own, ...added]);
  });
}
