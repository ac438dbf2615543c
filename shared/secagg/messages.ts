/**
 * The SecAgg messages, as plain objects with typed-array fields so the gRPC layer can map
 * them one-to-one onto protobuf messages (strings → string, Uint8Array → bytes,
 * Uint32Array → packed fixed32 or little-endian bytes, arrays → repeated). Every message
 * carries its round id and stage; a server message of stage s asks for the client
 * message of stage s. Stages (Bonawitz et al. 2017, Fig. 4):
 *   1 advertise keys · 2 share keys · 3 masking report and masked input · 4 consistency
 *   check · 5 unmasking.
 * `parseClientMessage`/`parseServerMessage` check shape, types and sizes before any
 * cryptography runs; the state machines check everything that depends on the round.
 */
import { CohortError } from '../errors.js';
import { fail, ok, type Result } from './result.js';
import { fixedPointParams, type FixedPointSpec } from './fixed-point.js';
import { validateParameters } from './graph.js';
import { SEED_BYTES } from './prg.js';
import { X25519_KEY_BYTES } from './keys.js';

/** Stage numbers. */
export const Stage = { advertise: 1, shareKeys: 2, maskedInput: 3, consistency: 4, unmask: 5 } as const;

/** Longest node or round id accepted. */
export const MAX_ID_LENGTH = 256;
/** Largest signature accepted (RSA-8192 is 1024 bytes). */
export const MAX_SIGNATURE_BYTES = 1024;
/** Largest number of entries in any list (participants, shares, signatures). */
export const MAX_LIST = 65535;
/** Longest vector accepted (2^28 words = 1 GiB). */
export const MAX_VECTOR_LENGTH = 2 ** 28;

/** What both sides know about a round before stage 1 (sent with the round's configuration). */
export interface SecAggConfig {
  readonly roundId: string;
  /** The selected nodes; the graph is built over those of them that advertise keys. */
  readonly participants: readonly string[];
  /** Neighbours per node and Shamir threshold (see `chooseParameters`). */
  readonly k: number;
  readonly t: number;
  /** m: the fewest inputs a released sum may contain; fewer survivors abort the round. */
  readonly minSurvivors: number;
  /** d: words per input vector. */
  readonly vectorLength: number;
  /** 32 random bytes fixing the neighbour graph (drawn by the coordinator with `secureRandom`). */
  readonly graphSeed: Uint8Array;
  /** How inputs are encoded; in the round digest, so every input in a sum used the same scale. */
  readonly fixedPoint: FixedPointSpec;
}

/** Stage 1, node → coordinator: the node's two X25519 public keys, signed with its certificate key. */
export interface AdvertiseKeys {
  readonly type: 'advertise_keys';
  readonly roundId: string;
  readonly stage: 1;
  readonly sender: string;
  /** c: key agreement for share encryption (32 bytes). */
  readonly cPublicKey: Uint8Array;
  /** s: key agreement for pairwise masks (32 bytes). */
  readonly sPublicKey: Uint8Array;
  /** Signature over `advertisementData(roundDigest, sender, cPublicKey, sPublicKey)`. */
  readonly signature: Uint8Array;
}

/** One encrypted pair of shares, from the sender to one neighbour. */
export interface EncryptedShare {
  readonly receiver: string;
  /** AES-256-GCM box (nonce ‖ ciphertext ‖ tag) of the two encoded Shamir shares. */
  readonly ciphertext: Uint8Array;
}

/** Stage 2, node → coordinator: shares of the node's s-key and self-mask seed, one box per neighbour. */
export interface ShareKeys {
  readonly type: 'share_keys';
  readonly roundId: string;
  readonly stage: 2;
  readonly sender: string;
  readonly shares: readonly EncryptedShare[];
}

/**
 * Stage 3, node → coordinator, before its masked input: the neighbours whose share boxes
 * this node did not receive, so it does not mask with them. It is the node's only
 * statement of which pairwise masks its input carries; nodes later refuse a survivor
 * list with a survivor missing from another survivor's report.
 */
export interface MaskingReport {
  readonly type: 'masking_report';
  readonly roundId: string;
  readonly stage: 3;
  readonly sender: string;
  /** Sorted ids. */
  readonly missingNeighbours: readonly string[];
  /** Signature over `maskingData(roundDigest, directoryDigest, sender, missingNeighbours)`. */
  readonly signature: Uint8Array;
}

/** Stage 3, node → coordinator: y = x + PRG(b) + Σ ±PRG(s_uv), d words mod 2^32. */
export interface MaskedInput {
  readonly type: 'masked_input';
  readonly roundId: string;
  readonly stage: 3;
  readonly sender: string;
  readonly masked: Uint32Array;
}

/** Stage 4, node → coordinator: the node's signature over the survivor list it was shown. */
export interface ConsistencySignature {
  readonly type: 'consistency_signature';
  readonly roundId: string;
  readonly stage: 4;
  readonly sender: string;
  /** Signature over `survivorListData(roundDigest, directoryDigest, survivors)`. */
  readonly signature: Uint8Array;
}

/** A share revealed in stage 5: `share` is an encoded Shamir share of `owner`'s secret. */
export interface RevealedShare {
  readonly owner: string;
  readonly share: Uint8Array;
}

/** Stage 5, node → coordinator: self-mask shares of surviving neighbours, key shares of dropped ones. */
export interface UnmaskResponse {
  readonly type: 'unmask_response';
  readonly roundId: string;
  readonly stage: 5;
  readonly sender: string;
  readonly selfMaskShares: readonly RevealedShare[];
  readonly keyShares: readonly RevealedShare[];
}

/** Any node → coordinator message. */
export type ClientMessage = AdvertiseKeys | ShareKeys | MaskingReport | MaskedInput | ConsistencySignature | UnmaskResponse;

/** Stage 2, coordinator → node: every advertisement received in stage 1. */
export interface KeyDirectory {
  readonly type: 'key_directory';
  readonly roundId: string;
  readonly stage: 2;
  readonly adverts: readonly AdvertiseKeys[];
}

/** Stage 3, coordinator → node: the boxes neighbours addressed to this node. */
export interface ShareDelivery {
  readonly type: 'share_delivery';
  readonly roundId: string;
  readonly stage: 3;
  readonly shares: readonly { readonly sender: string; readonly ciphertext: Uint8Array }[];
}

/** A node's masking report, forwarded by the coordinator. */
export interface ForwardedReport {
  readonly sender: string;
  readonly missingNeighbours: readonly string[];
  readonly signature: Uint8Array;
}

/**
 * Stage 4, coordinator → node: the nodes whose masked input is in the sum (sorted), with
 * the masking report of each of them.
 */
export interface SurvivorList {
  readonly type: 'survivor_list';
  readonly roundId: string;
  readonly stage: 4;
  readonly survivors: readonly string[];
  readonly reports: readonly ForwardedReport[];
}

/** A node's signature over the survivor list, forwarded by the coordinator. */
export interface ForwardedSignature {
  readonly sender: string;
  readonly signature: Uint8Array;
}

/**
 * Stage 5, coordinator → node: the survivor list, every consistency signature received,
 * and which of this node's neighbours dropped (their key shares are requested; the
 * self-mask shares of neighbours in `survivors` are requested).
 */
export interface UnmaskRequest {
  readonly type: 'unmask_request';
  readonly roundId: string;
  readonly stage: 5;
  readonly survivors: readonly string[];
  readonly signatures: readonly ForwardedSignature[];
  readonly dropouts: readonly string[];
}

/** Any coordinator → node message. */
export type ServerMessage = KeyDirectory | ShareDelivery | SurvivorList | UnmaskRequest;

class ParseError extends Error {}

type Obj = Record<string, unknown>;

function plainObject(value: unknown, what: string, keys: readonly string[]): Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ParseError(`${what} must be an object`);
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) throw new ParseError(`${what} must be a plain object`);
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) throw new ParseError(`${what} has an unknown field "${key}"`);
  }
  return value as Obj;
}

function field(obj: Obj, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}

function id(obj: Obj, key: string, what: string): string {
  const v = field(obj, key);
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_ID_LENGTH) throw new ParseError(`${what}.${key} must be a non-empty string of at most ${MAX_ID_LENGTH} characters`);
  return v;
}

function bytes(obj: Obj, key: string, what: string, min: number, max: number): Uint8Array {
  const v = field(obj, key);
  if (!(v instanceof Uint8Array)) throw new ParseError(`${what}.${key} must be bytes`);
  if (v.length < min || v.length > max) throw new ParseError(min === max ? `${what}.${key} must be ${min} bytes` : `${what}.${key} must be ${min}–${max} bytes`);
  return new Uint8Array(v); // a copy: later checks see exactly what was parsed
}

function list(obj: Obj, key: string, what: string): unknown[] {
  const v = field(obj, key);
  if (!Array.isArray(v)) throw new ParseError(`${what}.${key} must be a list`);
  if (v.length > MAX_LIST) throw new ParseError(`${what}.${key} has more than ${MAX_LIST} entries`);
  return v as unknown[];
}

function idList(obj: Obj, key: string, what: string): string[] {
  const out = list(obj, key, what).map((v, i) => {
    if (typeof v !== 'string' || v.length === 0 || v.length > MAX_ID_LENGTH) throw new ParseError(`${what}.${key}[${i}] must be a node id`);
    return v;
  });
  if (new Set(out).size !== out.length) throw new ParseError(`${what}.${key} has duplicates`);
  return out;
}

function header(obj: Obj, what: string, stage: number): string {
  if (field(obj, 'stage') !== stage) throw new ParseError(`${what}.stage must be ${stage}`);
  return id(obj, 'roundId', what);
}

const SHARE_BOX_MAX = 4096;

function parseAdvert(value: unknown, what: string): AdvertiseKeys {
  const o = plainObject(value, what, ['type', 'roundId', 'stage', 'sender', 'cPublicKey', 'sPublicKey', 'signature']);
  if (field(o, 'type') !== 'advertise_keys') throw new ParseError(`${what}.type must be advertise_keys`);
  return {
    type: 'advertise_keys',
    roundId: header(o, what, Stage.advertise),
    stage: 1,
    sender: id(o, 'sender', what),
    cPublicKey: bytes(o, 'cPublicKey', what, X25519_KEY_BYTES, X25519_KEY_BYTES),
    sPublicKey: bytes(o, 'sPublicKey', what, X25519_KEY_BYTES, X25519_KEY_BYTES),
    signature: bytes(o, 'signature', what, 1, MAX_SIGNATURE_BYTES),
  };
}

function parseRevealed(value: unknown, what: string): RevealedShare {
  const o = plainObject(value, what, ['owner', 'share']);
  return { owner: id(o, 'owner', what), share: bytes(o, 'share', what, 4, SHARE_BOX_MAX) };
}

function typeOf(value: unknown): unknown {
  return typeof value === 'object' && value !== null ? field(value as Obj, 'type') : undefined;
}

function guard<T>(what: string, parse: () => T): Result<T> {
  try {
    return ok(parse());
  } catch (err) {
    if (err instanceof ParseError) return fail('invalid_argument', err.message);
    return fail('invalid_argument', `${what} is malformed`);
  }
}

/**
 * Check a node → coordinator message's shape. Byte fields are copied; the masked vector
 * is not (it is large and consumed synchronously by the same call that parsed it).
 */
export function parseClientMessage(value: unknown): Result<ClientMessage> {
  return guard('client message', (): ClientMessage => {
    const type = typeOf(value);
    switch (type) {
      case 'advertise_keys':
        return parseAdvert(value, 'advertise_keys');
      case 'share_keys': {
        const w = 'share_keys';
        const o = plainObject(value, w, ['type', 'roundId', 'stage', 'sender', 'shares']);
        const shares = list(o, 'shares', w).map((s, i) => {
          const e = plainObject(s, `${w}.shares[${i}]`, ['receiver', 'ciphertext']);
          return { receiver: id(e, 'receiver', `${w}.shares[${i}]`), ciphertext: bytes(e, 'ciphertext', `${w}.shares[${i}]`, 1, SHARE_BOX_MAX) };
        });
        return { type, roundId: header(o, w, Stage.shareKeys), stage: 2, sender: id(o, 'sender', w), shares };
      }
      case 'masking_report': {
        const w = 'masking_report';
        const o = plainObject(value, w, ['type', 'roundId', 'stage', 'sender', 'missingNeighbours', 'signature']);
        return {
          type,
          roundId: header(o, w, Stage.maskedInput),
          stage: 3,
          sender: id(o, 'sender', w),
          missingNeighbours: idList(o, 'missingNeighbours', w),
          signature: bytes(o, 'signature', w, 1, MAX_SIGNATURE_BYTES),
        };
      }
      case 'masked_input': {
        const w = 'masked_input';
        const o = plainObject(value, w, ['type', 'roundId', 'stage', 'sender', 'masked']);
        const masked = field(o, 'masked');
        if (!(masked instanceof Uint32Array)) throw new ParseError(`${w}.masked must be a Uint32Array`);
        if (masked.length > MAX_VECTOR_LENGTH) throw new ParseError(`${w}.masked is longer than ${MAX_VECTOR_LENGTH} words`);
        return { type, roundId: header(o, w, Stage.maskedInput), stage: 3, sender: id(o, 'sender', w), masked };
      }
      case 'consistency_signature': {
        const w = 'consistency_signature';
        const o = plainObject(value, w, ['type', 'roundId', 'stage', 'sender', 'signature']);
        return { type, roundId: header(o, w, Stage.consistency), stage: 4, sender: id(o, 'sender', w), signature: bytes(o, 'signature', w, 1, MAX_SIGNATURE_BYTES) };
      }
      case 'unmask_response': {
        const w = 'unmask_response';
        const o = plainObject(value, w, ['type', 'roundId', 'stage', 'sender', 'selfMaskShares', 'keyShares']);
        return {
          type,
          roundId: header(o, w, Stage.unmask),
          stage: 5,
          sender: id(o, 'sender', w),
          selfMaskShares: list(o, 'selfMaskShares', w).map((s, i) => parseRevealed(s, `${w}.selfMaskShares[${i}]`)),
          keyShares: list(o, 'keyShares', w).map((s, i) => parseRevealed(s, `${w}.keyShares[${i}]`)),
        };
      }
      default:
        throw new ParseError('unknown client message type');
    }
  });
}

/** Check a coordinator → node message's shape (byte fields copied). */
export function parseServerMessage(value: unknown): Result<ServerMessage> {
  return guard('server message', (): ServerMessage => {
    const type = typeOf(value);
    switch (type) {
      case 'key_directory': {
        const w = 'key_directory';
        const o = plainObject(value, w, ['type', 'roundId', 'stage', 'adverts']);
        const adverts = list(o, 'adverts', w).map((a, i) => parseAdvert(a, `${w}.adverts[${i}]`));
        return { type, roundId: header(o, w, Stage.shareKeys), stage: 2, adverts };
      }
      case 'share_delivery': {
        const w = 'share_delivery';
        const o = plainObject(value, w, ['type', 'roundId', 'stage', 'shares']);
        const shares = list(o, 'shares', w).map((s, i) => {
          const e = plainObject(s, `${w}.shares[${i}]`, ['sender', 'ciphertext']);
          return { sender: id(e, 'sender', `${w}.shares[${i}]`), ciphertext: bytes(e, 'ciphertext', `${w}.shares[${i}]`, 1, SHARE_BOX_MAX) };
        });
        return { type, roundId: header(o, w, Stage.maskedInput), stage: 3, shares };
      }
      case 'survivor_list': {
        const w = 'survivor_list';
        const o = plainObject(value, w, ['type', 'roundId', 'stage', 'survivors', 'reports']);
        const reports = list(o, 'reports', w).map((r, i) => {
          const what = `${w}.reports[${i}]`;
          const e = plainObject(r, what, ['sender', 'missingNeighbours', 'signature']);
          return { sender: id(e, 'sender', what), missingNeighbours: idList(e, 'missingNeighbours', what), signature: bytes(e, 'signature', what, 1, MAX_SIGNATURE_BYTES) };
        });
        return { type, roundId: header(o, w, Stage.consistency), stage: 4, survivors: idList(o, 'survivors', w), reports };
      }
      case 'unmask_request': {
        const w = 'unmask_request';
        const o = plainObject(value, w, ['type', 'roundId', 'stage', 'survivors', 'signatures', 'dropouts']);
        const signatures = list(o, 'signatures', w).map((s, i) => {
          const e = plainObject(s, `${w}.signatures[${i}]`, ['sender', 'signature']);
          return { sender: id(e, 'sender', `${w}.signatures[${i}]`), signature: bytes(e, 'signature', `${w}.signatures[${i}]`, 1, MAX_SIGNATURE_BYTES) };
        });
        return { type, roundId: header(o, w, Stage.unmask), stage: 5, survivors: idList(o, 'survivors', w), signatures, dropouts: idList(o, 'dropouts', w) };
      }
      default:
        throw new ParseError('unknown server message type');
    }
  });
}

/** Check a round configuration: ids, (k, t) by `validateParameters`, m, d, the graph seed and the encoding. Throws `invalid_argument`. */
export function parseConfig(value: unknown): SecAggConfig {
  const r = guard('secure aggregation config', () => {
    const w = 'config';
    const o = plainObject(value, w, ['roundId', 'participants', 'k', 't', 'minSurvivors', 'vectorLength', 'graphSeed', 'fixedPoint']);
    const f = plainObject(field(o, 'fixedPoint'), `${w}.fixedPoint`, ['clipNorm', 'noiseBound', 'maxSummands', 'scale']);
    const [clipNorm, noiseBound, maxSummands, scale] = (['clipNorm', 'noiseBound', 'maxSummands', 'scale'] as const).map((key) => {
      const v = field(f, key);
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new ParseError(`${w}.fixedPoint.${key} must be a finite number`);
      return v;
    }) as [number, number, number, number];
    const participants = idList(o, 'participants', w);
    const [k, t, m, d] = (['k', 't', 'minSurvivors', 'vectorLength'] as const).map((key) => {
      const v = field(o, key);
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new ParseError(`${w}.${key} must be an integer`);
      return v;
    }) as [number, number, number, number];
    return {
      roundId: id(o, 'roundId', w),
      participants,
      k,
      t,
      minSurvivors: m,
      vectorLength: d,
      graphSeed: bytes(o, 'graphSeed', w, SEED_BYTES, SEED_BYTES),
      fixedPoint: { clipNorm, noiseBound, maxSummands, scale },
    };
  });
  if (!r.ok) throw r.error;
  checkConfig(r.value);
  return r.value;
}

/** The checks on a typed config that `parseConfig` and the state machines' constructors share. Throws `invalid_argument`. */
export function checkConfig(config: SecAggConfig): void {
  const { participants, minSurvivors: m, vectorLength: d } = config;
  const bad = (msg: string): never => {
    throw new CohortError('invalid_argument', `secure aggregation config: ${msg}`);
  };
  if (typeof config.roundId !== 'string' || config.roundId.length === 0 || config.roundId.length > MAX_ID_LENGTH) bad('roundId must be a non-empty string');
  if (!Array.isArray(participants) || new Set(participants).size !== participants.length) bad('participants must be distinct');
  if (!participants.every((p) => typeof p === 'string' && p.length > 0 && p.length <= MAX_ID_LENGTH)) bad('participant ids must be non-empty strings');
  validateParameters(participants.length, config.k, config.t);
  if (!Number.isSafeInteger(m) || m < 2 || m > participants.length) bad(`minSurvivors must be in [2, ${participants.length}] (a sum over one node is that node's input), got ${m}`);
  if (!Number.isSafeInteger(d) || d < 1 || d > MAX_VECTOR_LENGTH) bad(`vectorLength must be in [1, ${MAX_VECTOR_LENGTH}], got ${d}`);
  if (!(config.graphSeed instanceof Uint8Array) || config.graphSeed.length !== SEED_BYTES) bad(`graphSeed must be ${SEED_BYTES} bytes`);
  const fp = config.fixedPoint;
  if (typeof fp !== 'object' || fp === null) bad('fixedPoint is missing');
  try {
    fixedPointParams({ clipNorm: fp.clipNorm, noiseBound: fp.noiseBound, maxSummands: fp.maxSummands, scale: fp.scale });
  } catch (err) {
    bad(err instanceof Error ? err.message : String(err));
  }
  // A sum of all participants must fit the encoding, or it would silently wrap.
  if (fp.maxSummands < participants.length) bad(`fixedPoint.maxSummands = ${fp.maxSummands} is below the ${participants.length} participants`);
}

/** The little-endian bytes of a word vector (what the wire carries for `masked`). */
export function wordsToBytes(words: Uint32Array): Uint8Array {
  return new Uint8Array(words.buffer, words.byteOffset, words.byteLength);
}

/** Words from little-endian bytes (copied when unaligned); refuses a length that is not a multiple of 4. */
export function bytesToWords(data: Uint8Array): Uint32Array {
  if (data.length % 4 !== 0) throw new CohortError('invalid_argument', 'a word vector must be a multiple of 4 bytes');
  if (data.byteOffset % 4 === 0) return new Uint32Array(data.buffer, data.byteOffset, data.length / 4);
  return new Uint32Array(data.slice().buffer);
}
