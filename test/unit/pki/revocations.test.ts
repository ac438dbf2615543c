import assert from 'node:assert/strict';
import {
  compareRevocations,
  decodeRevocationFile,
  encodeRevocationFile,
  MAX_REVOCATION_LIST_BYTES,
  signRevocations,
  signWithKey,
  verifyRevocations,
  type RevokedCertificate,
} from '../../../shared/pki/index.js';
import { coded } from '../../helpers/errors.js';
import { pkiFixture } from './fixture.js';

const T0 = new Date('2030-01-01T00:00:00.000Z');
const T1 = new Date('2030-01-31T00:00:00.000Z');
const ENTRY: RevokedCertificate = { serial: '4a1b', name: 'hospital-a', reason: 'revoked', revokedAt: T0.toISOString() };

describe('pki: the signed revocation list', function () {
  const fx = pkiFixture();
  const sign = (number: number, revoked: RevokedCertificate[] = [ENTRY]) => signRevocations(fx.ca.certPem, fx.ca.keyPem, { number, issuedAt: T0, nextUpdate: T1, revoked });
  // What only the CA key holder can make: any content, correctly signed.
  const signRaw = (content: string) => {
    const list = Buffer.from(content);
    return { list, signature: signWithKey(fx.ca.keyPem, Buffer.concat([Buffer.from('cohort-revocations/1\0'), list])) };
  };
  const fingerprint = (): string => JSON.parse(Buffer.from(sign(1).list).toString('utf8')).ca as string;
  const doc = (over: Record<string, unknown>): string =>
    JSON.stringify({ format: 'cohort-revocations/1', ca: fingerprint(), number: 1, issuedAt: T0.toISOString(), nextUpdate: T1.toISOString(), revoked: [], ...over });

  it('round-trips: number, dates, entries, and lookups by serial in any case', function () {
    const list = verifyRevocations(sign(7), fx.ca.certPem);
    assert.deepEqual([list.number, list.issuedAt, list.nextUpdate, list.revoked], [7, T0, T1, [ENTRY]]);
    assert.equal(list.isRevoked('4A1B'), true);
    assert.equal(list.isRevoked('004a1b'), true);
    assert.deepEqual(list.entry('4a1b'), ENTRY);
    assert.equal(list.isRevoked('4a1c'), false);
    assert.equal(list.isRevoked('not hex'), true, 'an unreadable serial counts as revoked');
    assert.equal(list.expired(T1), false);
    assert.equal(list.expired(new Date(T1.getTime() + 1)), true);
  });

  it('signs nothing with a bad number or a next update not after the issue time', function () {
    assert.throws(() => sign(0), coded('invalid_argument', /positive integer/));
    assert.throws(() => signRevocations(fx.ca.certPem, fx.ca.keyPem, { number: 1, issuedAt: T1, nextUpdate: T1, revoked: [] }), coded('invalid_argument', /expire after/));
    assert.throws(() => signRevocations(fx.ca.certPem, fx.foreignCa.keyPem, { number: 1, issuedAt: T0, nextUpdate: T1, revoked: [] }), coded('unauthenticated', /not signed/));
  });

  it('refuses to sign a list larger than nodes accept', function () {
    const many = Array.from({ length: 4000 }, (_, i) => ({ ...ENTRY, serial: (0x100000 + i).toString(16) }));
    assert.throws(() => sign(1, many), coded('failed_precondition', new RegExp(`more than the ${MAX_REVOCATION_LIST_BYTES} nodes accept`)));
  });

  it('refuses lists not signed by this CA: another CA, a changed byte, a missing or oversized part', function () {
    const good = sign(1);
    const foreign = signRevocations(fx.foreignCa.certPem, fx.foreignCa.keyPem, { number: 1, issuedAt: T0, nextUpdate: T1, revoked: [] });
    assert.throws(() => verifyRevocations(foreign, fx.ca.certPem), coded('unauthenticated', /not signed by the federation CA/));
    const flipped = Buffer.from(good.list);
    flipped.writeUInt8((flipped.at(-2) ?? 0) ^ 1, flipped.length - 2);
    assert.throws(() => verifyRevocations({ list: flipped, signature: good.signature }, fx.ca.certPem), coded('unauthenticated', /not signed/));
    assert.throws(() => verifyRevocations({ list: good.list } as never, fx.ca.certPem), coded('unauthenticated', /has no signature/));
    assert.throws(() => verifyRevocations({ list: 'x', signature: good.signature } as never, fx.ca.certPem), coded('unauthenticated', /has no list/));
    assert.throws(() => verifyRevocations({ list: Buffer.alloc(MAX_REVOCATION_LIST_BYTES + 1), signature: good.signature }, fx.ca.certPem), coded('unauthenticated', /larger than/));
    // A certificate signature by the same key is no list signature (the prefix keeps them apart).
    assert.throws(() => verifyRevocations({ list: good.list, signature: signWithKey(fx.ca.keyPem, good.list) }, fx.ca.certPem), coded('unauthenticated', /not signed/));
  });

  it('checks the content of a correctly signed list field by field', function () {
    const cases: [string, RegExp][] = [
      ['not json', /not valid UTF-8 JSON/],
      ['[]', /not a JSON object/],
      [doc({ format: 'other' }), /format is not/],
      [doc({ ca: 'ab' }), /names another CA certificate/],
      [doc({ number: 1.5 }), /number is not a positive integer/],
      [doc({ issuedAt: 'yesterday' }), /issuedAt is not a date/],
      [doc({ nextUpdate: T0.toISOString() }), /nextUpdate is not after issuedAt/],
      [doc({ revoked: {} }), /revoked is not a list/],
      [doc({ revoked: [{ ...ENTRY, serial: '4A1B' }] }), /revoked\[0\]\.serial is not a lower-case hex serial/],
      [doc({ revoked: [{ ...ENTRY, name: '../x' }] }), /revoked\[0\]\.name/],
      [doc({ revoked: [{ ...ENTRY, reason: 'lost' }] }), /revoked\[0\]\.reason/],
      [doc({ revoked: [{ ...ENTRY, revokedAt: 3 }] }), /revoked\[0\]\.revokedAt/],
    ];
    for (const [content, message] of cases) assert.throws(() => verifyRevocations(signRaw(content), fx.ca.certPem), coded('unauthenticated', message), content);
  });

  it('does not let a crafted list pollute prototypes', function () {
    const crafted = doc({ revoked: [] }).replace('{', '{"__proto__":{"polluted":true},');
    const list = verifyRevocations(signRaw(crafted), fx.ca.certPem);
    assert.equal(list.number, 1);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.throws(() => verifyRevocations(signRaw(doc({ revoked: [JSON.parse('{"__proto__":{"serial":"ab"}}')] })), fx.ca.certPem), coded('unauthenticated', /revoked\[0\]/));
  });

  it('orders lists: a higher number is newer, a lower one a rollback, the same number must be the same bytes', function () {
    const one = verifyRevocations(sign(1), fx.ca.certPem);
    const two = verifyRevocations(sign(2), fx.ca.certPem);
    assert.equal(compareRevocations(undefined, one), 'newer');
    assert.equal(compareRevocations(one, two), 'newer');
    assert.equal(compareRevocations(two, verifyRevocations(two.signed, fx.ca.certPem)), 'same');
    assert.throws(() => compareRevocations(two, one), coded('permission_denied', /#1 is older than list #2/));
    const otherTwo = verifyRevocations(sign(2, []), fx.ca.certPem);
    assert.throws(() => compareRevocations(two, otherTwo), coded('permission_denied', /two different revocation lists carry number 2/));
  });

  it('reads its file form back, and names a file that is not one', function () {
    const signed = sign(3);
    const back = decodeRevocationFile(encodeRevocationFile(signed), 'x.json');
    assert.equal(verifyRevocations(back, fx.ca.certPem).number, 3);
    assert.throws(() => decodeRevocationFile('{', 'certs/revocations.json'), coded('failed_precondition', /certs\/revocations\.json is not valid JSON/));
    assert.throws(() => decodeRevocationFile('{"version": 1, "revoked": []}', 'certs/revocations.json'), coded('failed_precondition', /is not a signed revocation list/));
  });
});
