/**
 * The federation's revocation list, signed by the CA so that nodes can check it
 * themselves: a coordinator can pass a list on or hold a newer one back, but it cannot
 * forge, edit or roll back a list a node has already seen (see SECURITY.md,
 * "Certificates, identities and revocation").
 *
 * The signed content is UTF-8 JSON kept as the exact bytes that were signed (no
 * canonicalisation to get wrong):
 *   {"format": "cohort-revocations/1", "ca": SHA-256 of the CA certificate (DER, hex),
 *    "number": n, "issuedAt": ISO 8601, "nextUpdate": ISO 8601,
 *    "revoked": [{"serial", "name", "reason": "revoked" | "replaced", "revokedAt"}]}
 * The signature is RSASSA-PSS (SHA-256, 32-byte salt) by the CA key over
 * "cohort-revocations/1" || 0x00 || content; the prefix keeps these signatures apart from
 * anything else the CA key signs.
 */
import { X509Certificate } from 'node:crypto';
import { CohortError } from '../errors.js';
import { isNameSyntaxValid } from './names.js';
import { normaliseSerial } from './serial.js';
import { signWithKey, verifySignature } from './signature.js';

/** File name of the signed list, in the CA directory and in the coordinator's certs directory. */
export const REVOCATIONS_FILE = 'revocations.json';

/** Version tag of the list's content and of the file that carries it. */
export const REVOCATIONS_FORMAT = 'cohort-revocations/1';

/** Largest signed content accepted (it travels inside a secure round's task message). */
export const MAX_REVOCATION_LIST_BYTES = 256 * 1024;

/** Days a list stays valid unless told otherwise: the longest a withheld revocation can go unnoticed. */
export const DEFAULT_REVOCATION_LIST_DAYS = 30;

/** Why a serial is on the list. */
export type RevocationReason = 'revoked' | 'replaced';

/** One revoked certificate. */
export interface RevokedCertificate {
  /** Lower-case hex without leading zeros. */
  readonly serial: string;
  readonly name: string;
  /** `revoked` by `cohort ca revoke`, or `replaced` by a newer certificate for the same name. */
  readonly reason: RevocationReason;
  readonly revokedAt: string;
}

/** A list as signed and as carried on the wire: the content bytes and the CA's signature. */
export interface SignedRevocations {
  readonly list: Uint8Array;
  readonly signature: Uint8Array;
}

/** A list whose signature and content have been checked. */
export interface RevocationList {
  /** Grows by one with every list the CA signs; a node never goes back to a lower one. */
  readonly number: number;
  readonly issuedAt: Date;
  /** The list is not to be relied on after this time; the CA signs a fresh one before. */
  readonly nextUpdate: Date;
  readonly revoked: readonly RevokedCertificate[];
  /** The bytes this list was read from. */
  readonly signed: SignedRevocations;
  /** True when `serial` (hex, any case) is revoked; an unreadable serial counts as revoked. */
  isRevoked(serial: string): boolean;
  /** The entry of `serial` (hex, any case), if it is on the list. */
  entry(serial: string): RevokedCertificate | undefined;
  /** True when the list has passed its next-update time at `now`. */
  expired(now: Date): boolean;
}

/** What the CA signs. */
export interface RevocationContent {
  readonly number: number;
  readonly issuedAt: Date;
  readonly nextUpdate: Date;
  readonly revoked: readonly RevokedCertificate[];
}

const SIGNATURE_PREFIX = Buffer.from(`${REVOCATIONS_FORMAT}\0`, 'ascii');
const MAX_SIGNATURE_BYTES = 1024;
const REASONS: readonly RevocationReason[] = ['revoked', 'replaced'];

/** Sign `content` with the CA key (`caKeyPem`) of the CA certificate `caPem`. */
export function signRevocations(caPem: string, caKeyPem: string, content: RevocationContent): SignedRevocations {
  if (!Number.isSafeInteger(content.number) || content.number < 1) throw new CohortError('invalid_argument', 'a revocation list number is a positive integer');
  if (!(content.nextUpdate.getTime() > content.issuedAt.getTime())) throw new CohortError('invalid_argument', 'a revocation list must expire after it is issued');
  const doc = {
    format: REVOCATIONS_FORMAT,
    ca: caFingerprint(caPem),
    number: content.number,
    issuedAt: content.issuedAt.toISOString(),
    nextUpdate: content.nextUpdate.toISOString(),
    revoked: content.revoked.map((r) => ({ serial: r.serial, name: r.name, reason: r.reason, revokedAt: r.revokedAt })),
  };
  const list = Buffer.from(JSON.stringify(doc), 'utf8');
  if (list.length > MAX_REVOCATION_LIST_BYTES) {
    throw new CohortError(
      'failed_precondition',
      `the revocation list would be ${list.length} bytes, more than the ${MAX_REVOCATION_LIST_BYTES} nodes accept (${doc.revoked.length} unexpired revoked certificates)`,
    );
  }
  const signature = signWithKey(caKeyPem, Buffer.concat([SIGNATURE_PREFIX, list]));
  const signed = { list, signature };
  verifyRevocations(signed, caPem); // proves the key belongs to the certificate before anything is written
  return signed;
}

/**
 * Check that `signed` is a list signed by the CA in `caPem` and read it. Structure is
 * checked before the signature, the content only after it; failures say what is wrong
 * with the list, never anything about keys.
 */
export function verifyRevocations(signed: SignedRevocations, caPem: string): RevocationList {
  const list = bytesOf(signed?.list, 'list', MAX_REVOCATION_LIST_BYTES);
  const signature = bytesOf(signed?.signature, 'signature', MAX_SIGNATURE_BYTES);
  if (list.length === 0) throw new CohortError('unauthenticated', 'the revocation list is empty');
  if (!verifySignature(caPem, Buffer.concat([SIGNATURE_PREFIX, list]), signature)) {
    throw new CohortError('unauthenticated', 'the revocation list is not signed by the federation CA');
  }
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(list));
  } catch (err) {
    throw new CohortError('unauthenticated', 'the revocation list is not valid UTF-8 JSON', { cause: err });
  }
  if (!isPlainObject(doc)) throw malformed('not a JSON object');
  if (doc.format !== REVOCATIONS_FORMAT) throw malformed(`format is not "${REVOCATIONS_FORMAT}"`);
  if (doc.ca !== caFingerprint(caPem)) throw malformed('it names another CA certificate');
  const number = doc.number;
  if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < 1) throw malformed('number is not a positive integer');
  const issuedAt = dateOf(doc.issuedAt, 'issuedAt');
  const nextUpdate = dateOf(doc.nextUpdate, 'nextUpdate');
  if (nextUpdate.getTime() <= issuedAt.getTime()) throw malformed('nextUpdate is not after issuedAt');
  if (!Array.isArray(doc.revoked)) throw malformed('revoked is not a list');
  const revoked = doc.revoked.map((item: unknown, i): RevokedCertificate => {
    if (!isPlainObject(item)) throw malformed(`revoked[${i}] is not an object`);
    const serial = typeof item.serial === 'string' ? normaliseSerial(item.serial) : undefined;
    if (serial === undefined || serial !== item.serial) throw malformed(`revoked[${i}].serial is not a lower-case hex serial`);
    if (!isNameSyntaxValid(item.name)) throw malformed(`revoked[${i}].name is not a holder name`);
    if (!(REASONS as readonly unknown[]).includes(item.reason)) throw malformed(`revoked[${i}].reason is not one of ${REASONS.join(', ')}`);
    dateOf(item.revokedAt, `revoked[${i}].revokedAt`);
    return { serial, name: item.name, reason: item.reason as RevocationReason, revokedAt: item.revokedAt as string };
  });
  const bySerial = new Map(revoked.map((r) => [r.serial, r]));
  const copy = { list: Buffer.from(list), signature: Buffer.from(signature) };
  return {
    number,
    issuedAt,
    nextUpdate,
    revoked,
    signed: copy,
    isRevoked(serial: string): boolean {
      const s = typeof serial === 'string' ? normaliseSerial(serial) : undefined;
      return s === undefined || bySerial.has(s);
    },
    entry(serial: string): RevokedCertificate | undefined {
      const s = typeof serial === 'string' ? normaliseSerial(serial) : undefined;
      return s === undefined ? undefined : bySerial.get(s);
    },
    expired: (now: Date) => now.getTime() > nextUpdate.getTime(),
  };
}

/**
 * Decide whether `offered` may take the place of `current` (the newest list seen so far):
 * `newer` or `same` (byte for byte), otherwise a `permission_denied` error. An older
 * number is a rollback; the same number with other content means the CA key signed two
 * different lists, which an honest CA never does.
 */
export function compareRevocations(current: RevocationList | undefined, offered: RevocationList): 'newer' | 'same' {
  if (current === undefined || offered.number > current.number) return 'newer';
  if (offered.number < current.number) {
    throw new CohortError('permission_denied', `revocation list #${offered.number} is older than list #${current.number}, which was already seen`);
  }
  if (Buffer.compare(Buffer.from(offered.signed.list), Buffer.from(current.signed.list)) !== 0) {
    throw new CohortError('permission_denied', `two different revocation lists carry number ${offered.number}`);
  }
  return 'same';
}

/** The file form: {"format", "list": base64 content, "signature": base64}. */
export function encodeRevocationFile(signed: SignedRevocations): string {
  const doc = { format: REVOCATIONS_FORMAT, list: Buffer.from(signed.list).toString('base64'), signature: Buffer.from(signed.signature).toString('base64') };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** Read the file form back (structure only: verify with `verifyRevocations`); `what` names the file in errors. */
export function decodeRevocationFile(text: string, what: string): SignedRevocations {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new CohortError('failed_precondition', `${what} is not valid JSON`, { cause: err });
  }
  if (!isPlainObject(doc) || doc.format !== REVOCATIONS_FORMAT || typeof doc.list !== 'string' || typeof doc.signature !== 'string') {
    throw new CohortError('failed_precondition', `${what} is not a signed revocation list (expected {"format": "${REVOCATIONS_FORMAT}", "list", "signature"})`);
  }
  return { list: Buffer.from(doc.list, 'base64'), signature: Buffer.from(doc.signature, 'base64') };
}

/** Lower-case hex SHA-256 of the CA certificate's DER, as the list names it. */
function caFingerprint(caPem: string): string {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(caPem);
  } catch (err) {
    throw new CohortError('invalid_argument', 'the CA certificate could not be read', { cause: err });
  }
  return cert.fingerprint256.replaceAll(':', '').toLowerCase();
}

function bytesOf(value: unknown, what: string, max: number): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new CohortError('unauthenticated', `the revocation list has no ${what}`);
  if (value.length > max) throw new CohortError('unauthenticated', `the revocation list's ${what} is larger than ${max} bytes`);
  // A copy: the caller's buffer must not change between the check and the use.
  return Buffer.from(value);
}

function dateOf(value: unknown, field: string): Date {
  const t = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(t)) throw malformed(`${field} is not a date`);
  return new Date(t);
}

function malformed(what: string): CohortError {
  return new CohortError('unauthenticated', `the revocation list is malformed: ${what}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
