import assert from 'node:assert/strict';
import { CohortError } from '../../../shared/errors.js';
import { bytesToWords, parseClientMessage, parseConfig, parseServerMessage, wordsToBytes } from '../../../shared/secagg/messages.js';
import { nodeIds } from './fixtures.js';

const advert = (): Record<string, unknown> => ({
  type: 'advertise_keys',
  roundId: 'r1',
  stage: 1,
  sender: 'node-00',
  cPublicKey: new Uint8Array(32),
  sPublicKey: new Uint8Array(32),
  signature: new Uint8Array(64),
});

function rejected(r: { ok: boolean; error?: CohortError }, pattern: RegExp): void {
  assert.equal(r.ok, false);
  assert.equal(r.error?.code, 'invalid_argument');
  assert.match(r.error?.message ?? '', pattern);
}

describe('secagg message parsing', () => {
  it('accepts well-formed messages and copies their byte fields', () => {
    const raw = advert();
    const r = parseClientMessage(raw);
    assert.ok(r.ok);
    (raw.cPublicKey as Uint8Array)[0] = 7;
    assert.equal(r.ok && r.value.type === 'advertise_keys' ? r.value.cPublicKey[0] : -1, 0);
  });

  it('rejects wrong stages, types, sizes, unknown fields and non-plain objects', () => {
    rejected(parseClientMessage({ ...advert(), stage: 2 }), /stage must be 1/);
    rejected(parseClientMessage({ ...advert(), cPublicKey: new Uint8Array(31) }), /32 bytes/);
    rejected(parseClientMessage({ ...advert(), sender: '' }), /sender/);
    rejected(parseClientMessage({ ...advert(), extra: 1 }), /unknown field "extra"/);
    rejected(parseClientMessage({ ...advert(), signature: 'abc' }), /bytes/);
    rejected(parseClientMessage({ ...advert(), type: 'something' }), /unknown client message type/);
    rejected(parseClientMessage(null), /unknown client message type/);
    rejected(parseClientMessage([advert()]), /unknown client message type/);
    rejected(parseClientMessage({ type: 'masked_input', roundId: 'r1', stage: 3, sender: 'a', masked: [1, 2, 3] }), /Uint32Array/);
    class Fake {
      type = 'advertise_keys';
    }
    rejected(parseClientMessage(Object.assign(new Fake(), advert())), /plain object/);
    // Fields inherited through the prototype are not read.
    rejected(parseClientMessage(Object.create(advert())), /unknown client message type/);
    rejected(parseServerMessage({ type: 'survivor_list', roundId: 'r1', stage: 4, survivors: ['a', 'a'], reports: [] }), /duplicates/);
    rejected(parseServerMessage({ type: 'survivor_list', roundId: 'r1', stage: 4, survivors: ['a'] }), /reports must be a list/);
    const report = { sender: 'a', missingNeighbours: ['b'], signature: new Uint8Array(64) };
    rejected(parseServerMessage({ type: 'survivor_list', roundId: 'r1', stage: 4, survivors: ['a'], reports: [{ ...report, missingNeighbours: ['b', 'b'] }] }), /duplicates/);
    rejected(parseServerMessage({ type: 'survivor_list', roundId: 'r1', stage: 4, survivors: ['a'], reports: [{ ...report, signature: new Uint8Array(0) }] }), /signature/);
    rejected(parseClientMessage({ type: 'masking_report', roundId: 'r1', stage: 3, sender: 'a', missingNeighbours: 'b', signature: new Uint8Array(64) }), /missingNeighbours must be a list/);
    rejected(parseClientMessage({ type: 'masking_report', roundId: 'r1', stage: 4, sender: 'a', missingNeighbours: [], signature: new Uint8Array(64) }), /stage must be 3/);
    rejected(parseServerMessage({ type: 'unmask_request', roundId: 'r1', stage: 5, survivors: ['a'], signatures: [{ sender: 'a' }], dropouts: [] }), /signature/);
  });

  it('is safe against prototype pollution through JSON', () => {
    const json = '{"type":"consistency_signature","roundId":"r1","stage":4,"sender":"a","signature":[1],"__proto__":{"polluted":true}}';
    const r = parseClientMessage(JSON.parse(json));
    assert.equal(r.ok, false);
    assert.equal((Object.prototype as Record<string, unknown>).polluted, undefined);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('parses configs and names the wrong option', () => {
    const fixedPoint = { clipNorm: 1, noiseBound: 0, maxSummands: 10, scale: 2 ** 20 };
    const base = { roundId: 'r1', participants: nodeIds(10), k: 6, t: 4, minSurvivors: 3, vectorLength: 100, graphSeed: new Uint8Array(32), fixedPoint };
    assert.equal(parseConfig(base).k, 6);
    const bad = (patch: Record<string, unknown>, re: RegExp): void => {
      assert.throws(() => parseConfig({ ...base, ...patch }), (e: unknown) => e instanceof CohortError && e.code === 'invalid_argument' && re.test(e.message));
    };
    bad({ t: 3 }, /exceed k\/2/);
    bad({ k: 5 }, /even/);
    bad({ minSurvivors: 1 }, /minSurvivors/);
    bad({ vectorLength: 0 }, /vectorLength/);
    bad({ graphSeed: new Uint8Array(31) }, /graphSeed/);
    bad({ participants: ['a', 'a'] }, /duplicates/);
    bad({ k: '6' }, /k must be an integer/);
    bad({ fixedPoint: { ...fixedPoint, maxSummands: 9 } }, /maxSummands = 9 is below the 10 participants/);
    bad({ fixedPoint: { ...fixedPoint, scale: 2 ** 28 } }, /would overflow/);
    bad({ fixedPoint: { ...fixedPoint, clipNorm: Infinity } }, /clipNorm must be a finite number/);
    bad({ fixedPoint: { ...fixedPoint, extra: 1 } }, /unknown field "extra"/);
  });

  it('maps word vectors to little-endian bytes and back, also from unaligned bytes', () => {
    const words = Uint32Array.from([1, 0x01020304, 0xffffffff]);
    const bytes = wordsToBytes(words);
    assert.deepEqual([...bytes.subarray(4, 8)], [4, 3, 2, 1]);
    const unaligned = new Uint8Array(13);
    unaligned.set(bytes, 1);
    assert.deepEqual(bytesToWords(unaligned.subarray(1)), words);
    assert.throws(() => bytesToWords(new Uint8Array(5)), CohortError);
  });
});
