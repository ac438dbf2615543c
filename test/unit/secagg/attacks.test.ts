import assert from 'node:assert/strict';
import { MemoryLogger } from '../../../shared/logger.js';
import type { SecAggClient } from '../../../shared/secagg/client.js';
import type { KeyDirectory, ShareDelivery, SurvivorList, UnmaskRequest, UnmaskResponse } from '../../../shared/secagg/messages.js';
import { decodeShare, encodeShare } from '../../../shared/secagg/shamir.js';
import { directoryDigest, roundDigest, type DirectoryEntry } from '../../../shared/secagg/signing.js';
import type { Result } from '../../../shared/secagg/result.js';
import type { Outgoing } from '../../../shared/secagg/server.js';
import { answer, deliverAll, driveTo, makeConfig, makeParty, must, nodeIds, signerFor, type Party } from './fixtures.js';

const IDS = nodeIds(10);
const D = 64;
const INPUTS = new Map(IDS.map((id, i) => [id, Uint32Array.from({ length: D }, (_, j) => (i * 7919 + j * 104729) >>> 0)]));
const input = (id: string): Uint32Array => INPUTS.get(id) as Uint32Array;

function setup(roundId = 'round-1', salt = 0): { party: Party; log: MemoryLogger } {
  const log = new MemoryLogger();
  return { party: makeParty(makeConfig(IDS, 6, 4, D, { roundId }), log, salt), log };
}

function refusedWith<T>(r: Result<T>, code: string, pattern: RegExp): void {
  assert.equal(r.ok, false, 'expected a refusal');
  if (r.ok) return;
  assert.equal(r.error.code, code, r.error.message);
  assert.match(r.error.message, pattern);
}

function client(party: Party, id: string): SecAggClient {
  return party.clients.get(id) as SecAggClient;
}

function sumOf(ids: readonly string[]): Uint32Array {
  const s = new Uint32Array(D);
  for (const id of ids) for (let i = 0; i < D; i++) s[i] = (s[i] as number) + (input(id)[i] as number);
  return s;
}

function refusalsLogged(log: MemoryLogger): number {
  return log.lines.filter((l) => l.level === 'warn' && l.msg === 'secagg message refused').length;
}

describe('secagg protocol: a malicious coordinator', () => {
  it('cannot get both shares of one peer from a node, now or later', () => {
    const { party, log } = setup();
    const requests = driveTo(party, input, 5, new Set(['node-09']));
    const { to, message } = requests[0] as { to: string; message: UnmaskRequest };
    const victim = message.survivors.find((v) => v !== to && party.server.config.participants.includes(v) && v !== 'node-09') as string;
    const greedy: UnmaskRequest = { ...message, dropouts: [...message.dropouts, victim] };
    refusedWith(client(party, to).handle(greedy), 'permission_denied', /both shares/);
    assert.equal(client(party, to).stage, 'signed'); // nothing revealed, still waiting for an honest request
    // The honest request is then answered, exactly once.
    const reply = must(client(party, to).handle(message)) as UnmaskResponse;
    assert.ok(reply.selfMaskShares.every((s) => message.survivors.includes(s.owner)));
    assert.ok(reply.keyShares.every((s) => !message.survivors.includes(s.owner)));
    refusedWith(client(party, to).handle({ ...message, survivors: message.survivors, dropouts: [] }), 'failed_precondition', /unexpected unmask_request/);
    assert.ok(refusalsLogged(log) >= 2);
  });

  it('cannot show nodes different survivor lists: signatures over another list are refused', () => {
    const { party } = setup();
    const lists = driveTo(party, input, 4);
    const { survivors: honest, reports } = (lists[0] as { message: SurvivorList }).message;
    // Tell node-00 that node-05 dropped, everyone else the truth.
    const forked = honest.filter((v) => v !== 'node-05');
    const a = client(party, 'node-00');
    const sigA = must(a.handle({ type: 'survivor_list', roundId: 'round-1', stage: 4, survivors: forked, reports: reports.filter((r) => r.sender !== 'node-05') }));
    assert.ok(sigA && sigA.type === 'consistency_signature');
    const others = lists.filter((m) => m.to !== 'node-00').map(({ to, message }) => {
      const r = must(client(party, to).handle(message));
      assert.ok(r && r.type === 'consistency_signature');
      return { sender: to, signature: r.signature };
    });
    const request = (survivors: readonly string[], signatures: UnmaskRequest['signatures']): UnmaskRequest => ({ type: 'unmask_request', roundId: 'round-1', stage: 5, survivors, signatures, dropouts: [] });
    // node-00 is shown the forked list with the others' signatures (made over the honest list).
    refusedWith(a.handle(request(forked, [{ sender: 'node-00', signature: sigA.signature }, ...others])), 'permission_denied', /does not verify/);
    // Or the honest list, which node-00 never signed.
    refusedWith(a.handle(request(honest, others)), 'permission_denied', /differs from the one this node signed/);
    // Confirmations from half of the participants or fewer are refused as well.
    const b = client(party, 'node-01');
    refusedWith(b.handle(request(honest, others.slice(0, 5))), 'permission_denied', /only 5 of the 10 participants confirmed the survivor list; more than half \(6\) must/);
    // A forged signature (random bytes) is refused.
    const forged = others.map((s, i) => (i === 0 ? { ...s, signature: new Uint8Array(64).fill(1) } : s));
    refusedWith(b.handle(request(honest, forged)), 'permission_denied', /does not verify/);
    assert.equal(b.stage, 'signed');
  });

  it('cannot substitute a node’s keys: forged or unsigned advertisements are refused by nodes and the server', () => {
    const { party, log } = setup();
    const directory = driveTo(party, input, 2);
    const msg = (directory[0] as { to: string; message: KeyDirectory }).message;
    const to = (directory[0] as { to: string }).to;
    const target = msg.adverts.find((a) => a.sender !== to) as KeyDirectory['adverts'][number];
    const swapped: KeyDirectory = { ...msg, adverts: msg.adverts.map((a) => (a === target ? { ...a, sPublicKey: new Uint8Array(32).fill(5) } : a)) };
    refusedWith(client(party, to).handle(swapped), 'unauthenticated', new RegExp(`advertisement of ${target.sender}`));
    const unsigned: KeyDirectory = { ...msg, adverts: msg.adverts.map((a) => (a === target ? { ...a, signature: new Uint8Array(256) } : a)) };
    refusedWith(client(party, to).handle(unsigned), 'unauthenticated', /not signed/);
    assert.equal(client(party, to).stage, 'advertised');
    must(client(party, to).handle(msg)); // the genuine directory still works

    const fresh = setup('round-2');
    const adv = must(client(fresh.party, 'node-03').advertise());
    refusedWith(fresh.party.server.receive('node-03', { ...adv, cPublicKey: new Uint8Array(32).fill(9) }), 'unauthenticated', /not signed/);
    // A node cannot advertise under another node's name either.
    refusedWith(fresh.party.server.receive('node-04', adv), 'permission_denied', /authenticated peer/);
    const signedByOther = { ...adv, signature: signerFor('node-04').sign(new Uint8Array(8)) };
    refusedWith(fresh.party.server.receive('node-03', signedByOther), 'unauthenticated', /not signed/);
    must(fresh.party.server.receive('node-03', adv));
    assert.ok(refusalsLogged(log) >= 2 && refusalsLogged(fresh.log) >= 3);
    // Logs carry ids and reasons, never key material.
    for (const line of [...log.lines, ...fresh.log.lines]) assert.ok(Object.values(line.fields).every((v) => !(v instanceof Uint8Array)));
  });

  it('cannot replay shares into another round or to another node', () => {
    // Same seeds in both rounds: identical keys, so only the round binding can stop the replay.
    const r1 = setup('round-1', 7);
    const r2 = setup('round-2', 7);
    const d1 = driveTo(r1.party, input, 3) as { to: string; message: ShareDelivery }[];
    const d2 = driveTo(r2.party, input, 3) as { to: string; message: ShareDelivery }[];
    const target = d2[0] as { to: string; message: ShareDelivery };
    const old = (d1.find((m) => m.to === target.to) as { message: ShareDelivery }).message;
    const replayed: ShareDelivery = { ...target.message, shares: old.shares };
    refusedWith(client(r2.party, target.to).handle(replayed), 'unauthenticated', /do not decrypt/);
    // Round 1's whole message, with its own round id, is refused before any decryption.
    refusedWith(client(r2.party, target.to).handle(old), 'invalid_argument', /round round-1 refused/);
    // A box meant for another node, from the same sender.
    const other = d2.find((m) => m.to !== target.to && m.message.shares.some((s) => s.sender === target.message.shares[0]?.sender)) as { to: string; message: ShareDelivery };
    const sender = target.message.shares[0]?.sender as string;
    const misrouted: ShareDelivery = {
      ...target.message,
      shares: target.message.shares.map((s) => (s.sender === sender ? (other.message.shares.find((o) => o.sender === sender) as ShareDelivery['shares'][number]) : s)),
    };
    refusedWith(client(r2.party, target.to).handle(misrouted), 'unauthenticated', /do not decrypt/);
    must(client(r2.party, target.to).handle(target.message));
  });
});

describe('secagg protocol: bad input to the coordinator', () => {
  it('rejects truncated vectors and replays without touching the sum', () => {
    const { party } = setup();
    const deliveries = driveTo(party, input, 3);
    for (const { to, message } of deliveries) {
      const c = client(party, to);
      const report = must(c.handle(message));
      assert.equal(report.type, 'masking_report');
      const masked = must(c.maskInput(input(to)));
      if (to === 'node-02') refusedWith(party.server.receive(to, masked), 'failed_precondition', /before its masking report/);
      must(party.server.receive(to, report));
      if (to === 'node-02') {
        refusedWith(party.server.receive(to, { ...masked, masked: masked.masked.subarray(0, D - 1) }), 'invalid_argument', /63 words, expected 64/);
      }
      must(party.server.receive(to, masked));
      if (to === 'node-02') {
        refusedWith(party.server.receive(to, masked), 'already_exists', /already received/);
        refusedWith(party.server.receive(to, { ...masked, roundId: 'round-0' }), 'invalid_argument', /round/);
      }
    }
    // A stage-1 message replayed now is out of order.
    const adv = { type: 'advertise_keys', roundId: 'round-1', stage: 1, sender: 'node-01', cPublicKey: new Uint8Array(32), sPublicKey: new Uint8Array(32), signature: new Uint8Array(8) };
    refusedWith(party.server.receive('node-01', adv), 'failed_precondition', /unexpected advertise_keys in stage masked_input/);
    let step = must(party.server.closeStage());
    while (step.kind === 'send') step = deliverAll(party, step.messages, input);
    assert.equal(step.kind, 'completed');
    if (step.kind === 'completed') assert.deepEqual(step.sum, sumOf(IDS));
  });

  it('a client refuses out-of-order and repeated messages', () => {
    const { party } = setup();
    const deliveries = driveTo(party, input, 3);
    const { to, message } = deliveries[0] as { to: string; message: ShareDelivery };
    const c = client(party, to);
    refusedWith(c.maskInput(input(to)), 'failed_precondition', /unexpected mask_input in state keys_shared/);
    refusedWith(c.handle({ type: 'survivor_list', roundId: 'round-1', stage: 4, survivors: IDS, reports: [] }), 'failed_precondition', /unexpected survivor_list/);
    must(c.handle(message));
    refusedWith(c.handle(message), 'failed_precondition', /unexpected share_delivery/);
    refusedWith(c.maskInput(input(to).subarray(1)), 'invalid_argument', /64 words/);
    refusedWith(c.advertise(), 'failed_precondition', /unexpected advertise/);
  });

  it('rejects share boxes that miss neighbours, and unmask responses with shares it did not ask for', () => {
    const { party } = setup();
    for (const [id, c] of party.clients) must(party.server.receive(id, must(c.advertise())));
    const step = must(party.server.closeStage());
    assert.equal(step.kind, 'send');
    if (step.kind !== 'send') return;
    const first = step.messages[0] as { to: string; message: KeyDirectory };
    const shares = must(client(party, first.to).handle(first.message));
    assert.ok(shares?.type === 'share_keys');
    refusedWith(party.server.receive(first.to, { ...shares, shares: shares.shares.slice(1) }), 'invalid_argument', /all 6 neighbours/);
    const stranger = IDS.find((v) => v !== first.to && !shares.shares.some((s) => s.receiver === v)) as string;
    refusedWith(party.server.receive(first.to, { ...shares, shares: [...shares.shares.slice(1), { receiver: stranger, ciphertext: shares.shares[0]?.ciphertext as Uint8Array }] }), 'invalid_argument', /not a neighbour/);
    refusedWith(party.server.receive(first.to, { ...shares, shares: shares.shares.map((s, i) => (i === 0 ? { ...s, ciphertext: s.ciphertext.subarray(1) } : s)) }), 'invalid_argument', /must be \d+ bytes/);
    must(party.server.receive(first.to, shares));

    const second = setup();
    const requests = driveTo(second.party, input, 5, new Set(['node-09']));
    const { to, message } = requests[0] as { to: string; message: UnmaskRequest };
    const reply = must(client(second.party, to).handle(message)) as UnmaskResponse;
    const wrongOwner = { ...reply, selfMaskShares: [...reply.selfMaskShares, { owner: to, share: reply.selfMaskShares[0]?.share as Uint8Array }] };
    refusedWith(second.party.server.receive(to, wrongOwner), 'invalid_argument', /unexpected self-mask share/);
    const dup = { ...reply, selfMaskShares: [...reply.selfMaskShares, reply.selfMaskShares[0] as UnmaskResponse['selfMaskShares'][number]] };
    refusedWith(second.party.server.receive(to, dup), 'invalid_argument', /two self-mask shares/);
    must(second.party.server.receive(to, reply));
    refusedWith(second.party.server.receive(to, reply), 'already_exists', /already received/);
  });

  it('a corrupted key share aborts the round and releases nothing', () => {
    const { party } = setup();
    // node-04 shares its keys, then drops before masking: its key must be reconstructed.
    const deliveries = driveTo(party, input, 3).filter((m) => m.to !== 'node-04');
    const lists = deliverAll(party, deliveries, input);
    if (lists.kind !== 'send') assert.fail('expected survivor lists');
    const unmask = deliverAll(party, lists.messages, input);
    if (unmask.kind !== 'send') assert.fail('expected unmask requests');
    const requests: readonly Outgoing[] = unmask.messages;
    assert.ok(requests.some((m) => (m.message as UnmaskRequest).dropouts.includes('node-04')));
    const responses = requests.map(({ to, message }) => [to, must(client(party, to).handle(message)) as UnmaskResponse] as const);
    // Corrupt every key share of node-04 held by the lowest-x responders, so reconstruction must use one.
    for (const [to, r] of responses) {
      const keyShares = r.keyShares.map((s) => {
        const share = decodeShare(s.share);
        assert.ok(share);
        return { owner: s.owner, share: encodeShare({ ...share, ys: share.ys.map((y) => y ^ 1n) }) };
      });
      must(party.server.receive(to, { ...r, keyShares }));
    }
    const end = must(party.server.closeStage());
    assert.equal(end.kind, 'aborted');
    if (end.kind === 'aborted') assert.match(end.reason, /key of node-04/);
    assert.equal(party.server.accumulatorBytes, 0);
    refusedWith(party.server.closeStage(), 'aborted', /already aborted/);
  });
});

describe('secagg protocol: thresholds', () => {
  it('aborts with a clear reason when fewer than t neighbours answer the unmask request', () => {
    const { party } = setup();
    const requests = driveTo(party, input, 5);
    // Only three of ten nodes answer; t = 4.
    for (const { to, message } of requests.slice(0, 3)) must(party.server.receive(to, must(client(party, to).handle(message))));
    assert.deepEqual(party.server.pending().length, 7);
    const end = must(party.server.closeStage());
    assert.equal(end.kind, 'aborted');
    if (end.kind === 'aborted') assert.match(end.reason, /only \d of the 4 shares needed arrived/);
  });

  it('aborts before unmasking when survivors are too few or too weakly connected, and completes otherwise', () => {
    // Dropping 5 of 10 nodes before masking leaves some survivor with fewer than t = 4 neighbours.
    const a = setup();
    const deliveries = driveTo(a.party, input, 3);
    const gone = new Set(IDS.slice(0, 5));
    for (const { to, message } of deliveries) {
      if (gone.has(to)) continue;
      for (const reply of answer(client(a.party, to), message, input(to))) must(a.party.server.receive(to, reply));
    }
    const end = must(a.party.server.closeStage());
    assert.equal(end.kind, 'aborted');
    if (end.kind === 'aborted') assert.match(end.reason, /fewer than the threshold 4|split|more than half/);
    // Dropping 2 (= k − t) nodes at stage 3 is survivable and the sum is exact.
    const b = setup();
    const del = driveTo(b.party, input, 3);
    const two = new Set(['node-03', 'node-08']);
    for (const { to, message } of del) {
      if (two.has(to)) continue;
      for (const reply of answer(client(b.party, to), message, input(to))) must(b.party.server.receive(to, reply));
    }
    let step = must(b.party.server.closeStage());
    while (step.kind === 'send') step = deliverAll(b.party, step.messages, input);
    assert.equal(step.kind, 'completed');
    if (step.kind === 'completed') {
      assert.deepEqual(step.dropouts, ['node-03', 'node-08']);
      assert.deepEqual(step.sum, sumOf(IDS.filter((v) => !two.has(v))));
    }
  });

  it('a node refuses to confirm a survivor list below m or one whose graph is split', () => {
    const log = new MemoryLogger();
    const party = makeParty(makeConfig(IDS, 6, 4, D, { minSurvivors: 9 }), log);
    const lists = driveTo(party, input, 4);
    const { to, message } = lists[0] as { to: string; message: SurvivorList };
    const c = client(party, to);
    const few = IDS.filter((v) => v === to || v > 'node-05').slice(0, 5);
    const list = (survivors: readonly string[]): SurvivorList => ({ ...message, survivors, reports: message.reports.filter((r) => survivors.includes(r.sender)) });
    refusedWith(c.handle(list(few)), 'aborted', /fewer than the 9 required/);
    assert.equal(c.stage, 'aborted');
    assert.match(c.abortReason ?? '', /fewer than the 9/);
    refusedWith(c.handle(list(IDS)), 'aborted', /aborted/);
    // An unsorted list is refused without ending the round for another node.
    const d = client(party, (lists[1] as { to: string }).to);
    refusedWith(d.handle(list([...IDS].reverse())), 'invalid_argument', /sorted/);
    assert.equal(d.stage, 'masked');
    // What each node signs is bound to the round's whole configuration.
    const config = party.server.config;
    assert.notDeepEqual(roundDigest(config), roundDigest({ ...config, roundId: 'round-2' }));
  });

  it('identical rounds with different seeds give different masked vectors (fresh randomness per round)', () => {
    const x = setup('round-1', 1);
    const y = setup('round-1', 2);
    const mx = driveTo(x.party, input, 3)[0] as { to: string; message: ShareDelivery };
    const my = driveTo(y.party, input, 3).find((m) => m.to === mx.to) as { to: string; message: ShareDelivery };
    must(client(x.party, mx.to).handle(mx.message));
    must(client(y.party, my.to).handle(my.message));
    const a = must(client(x.party, mx.to).maskInput(input(mx.to))).masked;
    const b = must(client(y.party, my.to).maskInput(input(my.to))).masked;
    assert.notDeepEqual(a, b);
  });
});

describe('secagg protocol: the rules that stop an equivocating coordinator', () => {
  /** Survivor lists of an honest round, ready to hand out (every node masked with all its neighbours). */
  function lists(salt = 0): { party: Party; message: SurvivorList } {
    const { party } = setup('round-1', salt);
    const out = driveTo(party, input, 4);
    return { party, message: (out[0] as { message: SurvivorList }).message };
  }

  it('a node signs a survivor list only with one verifying report per member, none leaving out a member', () => {
    const { party, message } = lists();
    const c = client(party, 'node-00');
    const without = (sender: string): SurvivorList => ({ ...message, reports: message.reports.filter((r) => r.sender !== sender) });
    refusedWith(c.handle(without('node-07')), 'invalid_argument', /no masking report of survivor node-07/);
    refusedWith(c.handle({ ...message, reports: [...message.reports, message.reports[1] as SurvivorList['reports'][number]] }), 'invalid_argument', /two masking reports of node-01/);
    const shorter = message.survivors.filter((v) => v !== 'node-09');
    refusedWith(c.handle({ ...message, survivors: shorter }), 'invalid_argument', /masking report of node-09, who is not a survivor/);
    // A report the coordinator edited: node-03 never signed it.
    const edited = message.reports.map((r) => (r.sender === 'node-03' ? { ...r, signature: (message.reports[0] as SurvivorList['reports'][number]).signature } : r));
    refusedWith(c.handle({ ...message, reports: edited }), 'permission_denied', /masking report of node-03 does not verify/);
    // The same report made in another run of the same configuration (other keys, so another directory).
    const other = lists(5).message;
    const replayed = message.reports.map((r) => (r.sender === 'node-04' ? (other.reports.find((o) => o.sender === 'node-04') as SurvivorList['reports'][number]) : r));
    refusedWith(c.handle({ ...message, reports: replayed }), 'permission_denied', /masking report of node-04 does not verify over this round and key directory/);
    assert.equal(c.stage, 'masked');
    must(c.handle(message)); // the honest list is then signed
  });

  it('a node refuses a list whose report shows two survivors did not mask with each other', () => {
    const { party } = setup();
    const deliveries = driveTo(party, input, 3);
    const victim = 'node-00';
    const partner = party.server.config.participants.find((v) => v !== victim && deliveries.some((d) => d.to === victim && (d.message as ShareDelivery).shares.some((s) => s.sender === v))) as string;
    // The coordinator withholds partner's box from the victim but lists both as survivors.
    const reports = new Map<string, SurvivorList['reports'][number]>();
    for (const { to, message } of deliveries) {
      const m = message as ShareDelivery;
      const shares = to === victim ? m.shares.filter((s) => s.sender !== partner) : m.shares;
      const [report, masked] = answer(client(party, to), { ...m, shares }, input(to));
      if (report?.type === 'masking_report') reports.set(to, { sender: to, missingNeighbours: report.missingNeighbours, signature: report.signature });
      assert.equal(masked?.type, 'masked_input');
    }
    assert.deepEqual(reports.get(victim)?.missingNeighbours, [partner]);
    const survivors = [...IDS];
    const message: SurvivorList = { type: 'survivor_list', roundId: 'round-1', stage: 4, survivors, reports: survivors.map((v) => reports.get(v) as SurvivorList['reports'][number]) };
    for (const v of IDS) refusedWith(client(party, v).handle(message), 'permission_denied', new RegExp(`survivor ${victim} did not mask with survivor ${partner}`));
  });

  it('a node answers an unmask request only with signatures from more than half of the participants', () => {
    const { party } = setup();
    const requests = driveTo(party, input, 5) as { to: string; message: UnmaskRequest }[];
    const { to, message } = requests[0] as { to: string; message: UnmaskRequest };
    assert.equal(message.signatures.length, 10);
    // n = 10: five signatures are half, not more than half.
    refusedWith(client(party, to).handle({ ...message, signatures: message.signatures.slice(0, 5) }), 'permission_denied', /only 5 of the 10 participants confirmed the survivor list; more than half \(6\) must/);
    const reply = must(client(party, to).handle({ ...message, signatures: message.signatures.slice(0, 6) }));
    assert.equal(reply.type, 'unmask_response');
  });

  it('a consistency signature from another run of the same round id is refused', () => {
    const a = lists(0);
    const b = lists(9);
    const signed = IDS.map((v) => [v, must(client(b.party, v).handle(b.message))] as const);
    for (const v of IDS) must(client(a.party, v).handle(a.message));
    const signatures = signed.map(([sender, m]) => ({ sender, signature: (m as { signature: Uint8Array }).signature }));
    const request: UnmaskRequest = { type: 'unmask_request', roundId: 'round-1', stage: 5, survivors: a.message.survivors, signatures, dropouts: [] };
    refusedWith(client(a.party, 'node-00').handle(request), 'permission_denied', /does not verify over the survivor list, round and key directory/);
  });

  it('the coordinator refuses reports it cannot forward and aborts a round nodes would refuse', () => {
    const { party } = setup();
    const deliveries = driveTo(party, input, 3);
    const first = deliveries[0] as { to: string; message: ShareDelivery };
    const report = must(client(party, first.to).handle(first.message));
    assert.ok(report.type === 'masking_report');
    const stranger = IDS.find((v) => v !== first.to && !first.message.shares.some((s) => s.sender === v)) as string;
    refusedWith(party.server.receive(first.to, { ...report, missingNeighbours: [stranger] }), 'invalid_argument', /not a neighbour/);
    refusedWith(party.server.receive(first.to, { ...report, signature: new Uint8Array(64).fill(2) }), 'unauthenticated', /does not verify/);
    // node-05 reports it got no box from one neighbour, yet everyone masks: the list would be refused.
    const liar = deliveries.find((d) => d.to === 'node-05') as { to: string; message: ShareDelivery };
    const skipped = liar.message.shares[0]?.sender as string;
    for (const { to, message } of deliveries) {
      const m = message as ShareDelivery;
      const replies = to === first.to ? [report, must(client(party, to).maskInput(input(to)))] : answer(client(party, to), to === 'node-05' ? { ...m, shares: m.shares.slice(1) } : m, input(to));
      for (const r of replies) must(party.server.receive(to, r));
    }
    const end = must(party.server.closeStage());
    assert.equal(end.kind, 'aborted');
    if (end.kind === 'aborted') assert.match(end.reason, new RegExp(`survivor node-05 did not mask with survivor ${skipped}`));
  });

  it('the round digest covers every configuration field, and the directory digest every key', () => {
    const base = makeConfig(IDS, 6, 4, D);
    const d = roundDigest(base);
    const fp = base.fixedPoint;
    const variants: Partial<typeof base>[] = [
      { roundId: 'round-2' },
      { participants: [...IDS.slice(0, 9), 'node-99'] },
      { k: 4, t: 3 },
      { t: 5 },
      { minSurvivors: 3 },
      { vectorLength: D + 1 },
      { graphSeed: new Uint8Array(32).fill(4) },
      { fixedPoint: { ...fp, clipNorm: 2 } },
      { fixedPoint: { ...fp, noiseBound: 0.5 } },
      { fixedPoint: { ...fp, maxSummands: 11 } },
      { fixedPoint: { ...fp, scale: fp.scale / 2 } },
    ];
    for (const v of variants) assert.notDeepEqual(roundDigest({ ...base, ...v }), d, JSON.stringify(Object.keys(v)));
    assert.deepEqual(roundDigest({ ...base, participants: [...IDS].reverse() }), d); // order carries no meaning
    const entry = (sender: string, fill: number): DirectoryEntry => ({ sender, cPublicKey: new Uint8Array(32).fill(fill), sPublicKey: new Uint8Array(32).fill(fill + 1) });
    const dir = directoryDigest([entry('a', 1), entry('b', 3)]);
    assert.deepEqual(directoryDigest([entry('b', 3), entry('a', 1)]), dir);
    assert.notDeepEqual(directoryDigest([entry('a', 1), { ...entry('b', 3), sPublicKey: new Uint8Array(32).fill(9) }]), dir);
    assert.notDeepEqual(directoryDigest([entry('a', 1)]), dir);
  });
});
