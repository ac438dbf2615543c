import assert from 'node:assert/strict';
import fc from 'fast-check';
import { type ChainEntry, type ChainFields, canonicalJson, chainHash, GENESIS_HASH, verifyChain } from '../../../shared/durable/chain.js';

function build(fieldsList: readonly ChainFields[]): ChainEntry[] {
  let prev = GENESIS_HASH;
  return fieldsList.map((fields, i) => {
    const hash = chainHash(prev, fields);
    const e = { label: `entry ${i}`, fields, prevHash: prev, hash };
    prev = hash;
    return e;
  });
}

const fieldsArb = fc.record({
  round: fc.integer({ min: 1, max: 1_000_000 }),
  epsilon: fc.double({ min: 0, max: 100, noNaN: true }),
  accountant: fc.constantFrom('rdp', 'pld'),
  note: fc.string({ maxLength: 8 }),
});

describe('hash chain', () => {
  it('writes RFC 8785 canonical JSON: sorted keys, no spaces, ECMAScript numbers', () => {
    assert.equal(canonicalJson({ b: 1e-5, a: 'x"y', c: 1, d: 1e21, e: -0, f: null, g: true }), '{"a":"x\\"y","b":0.00001,"c":1,"d":1e+21,"e":0,"f":null,"g":true}');
    assert.throws(() => canonicalJson({ a: Number.NaN }), /a is not a finite number/);
    assert.throws(() => canonicalJson({ a: Number.POSITIVE_INFINITY }), /finite/);
  });

  it('matches a hash computed independently (Python hashlib over the JCS text)', () => {
    const fields = { accountant: 'rdp', clipNorm: 1, delta: 1e-5, epsilonAfter: 0.5, minSurvivors: 2, noiseMultiplier: 1.1, round: 1, sampleRate: 1, survivors: 3, time: 1000 };
    assert.equal(chainHash(GENESIS_HASH, fields), '06d09db2fd9d5d466db370a29cdfda10ccf7b4030514bdf7ddcd05ec0224d2e7');
  });

  it('accepts an intact chain and reports its head', () => {
    const entries = build([{ round: 1 }, { round: 2 }, { round: 3 }]);
    assert.deepEqual(verifyChain(entries), { ok: true, entries: 3, head: entries[2]?.hash });
    assert.deepEqual(verifyChain([]), { ok: true, entries: 0, head: GENESIS_HASH });
  });

  it('detects any edited field, deleted entry (but the last), swap or rewritten hash', () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('edit' as const), at: fc.nat(), value: fc.integer({ min: 1_000_001, max: 2_000_000 }) }),
      fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('swap' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('hash' as const), at: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(fieldsArb, { minLength: 2, maxLength: 12 }), mutation, (fieldsList, m) => {
        const entries = build(fieldsList);
        const n = entries.length;
        let broken: ChainEntry[];
        let expectedPosition: number;
        switch (m.kind) {
          case 'edit': {
            const at = m.at % n;
            broken = entries.map((e, i) => (i === at ? { ...e, fields: { ...e.fields, round: m.value } } : e));
            expectedPosition = at;
            break;
          }
          case 'delete': {
            const at = m.at % (n - 1);
            broken = entries.filter((_, i) => i !== at);
            expectedPosition = at;
            break;
          }
          case 'swap': {
            const at = m.at % (n - 1);
            broken = [...entries];
            [broken[at], broken[at + 1]] = [entries[at + 1] as ChainEntry, entries[at] as ChainEntry];
            expectedPosition = at;
            break;
          }
          case 'hash': {
            const at = m.at % n;
            // A forger who recomputes this entry's hash still breaks the link from the next one.
            broken = entries.map((e, i) => (i === at ? { ...e, fields: { ...e.fields, note: `${String(e.fields.note)}!` }, hash: chainHash(e.prevHash, { ...e.fields, note: `${String(e.fields.note)}!` }) } : e));
            expectedPosition = at + 1;
            if (at === n - 1) return verifyChain(broken).ok; // rewriting the head alone is undetectable without a known head
            break;
          }
        }
        const result = verifyChain(broken);
        return !result.ok && result.broken?.position === expectedPosition;
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  it('cannot see the last entry deleted on its own (that needs a known head or a cross-check)', () => {
    const entries = build([{ round: 1 }, { round: 2 }, { round: 3 }]);
    const truncated = verifyChain(entries.slice(0, 2));
    assert.equal(truncated.ok, true);
    assert.notEqual(truncated.head, entries[2]?.hash);
  });

  it('names the entry and the reason', () => {
    const entries = build([{ round: 1 }, { round: 2 }, { round: 3 }]);
    const edited = verifyChain(entries.map((e, i) => (i === 1 ? { ...e, fields: { round: 20 } } : e)));
    assert.equal(edited.broken?.label, 'entry 1');
    assert.match(edited.broken?.reason ?? '', /stored hash .* \(the entry was edited\)/);
    const headless = verifyChain(entries.slice(1));
    assert.match(headless.broken?.reason ?? '', /should follow the genesis hash/);
  });
});
