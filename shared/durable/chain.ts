/**
 * Hash chains for append-only ledgers (the coordinator's privacy ledger, a node's own
 * ledger). Entry i stores `hash_i = sha256_hex(hash_{i-1} ‖ canonical JSON of its fields)`
 * with `hash_{-1}` = 64 zeros, so editing, deleting or reordering any entry changes every
 * later hash. Canonical JSON is RFC 8785 (JCS) for flat objects: keys sorted by UTF-16
 * code units, no whitespace, numbers and strings as ECMAScript's JSON.stringify writes
 * them. Anyone can recompute the chain from the stored fields with a JCS library.
 */
import { sha256Hex } from './atomic.js';

/** The `prev_hash` of the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** A value a chained entry may hold. */
export type ChainValue = string | number | boolean | null;

/** The hashed fields of one entry. */
export type ChainFields = Readonly<Record<string, ChainValue>>;

/** RFC 8785 canonical JSON of a flat object; refuses non-finite numbers (JSON has none). */
export function canonicalJson(fields: ChainFields): string {
  const keys = Object.keys(fields).sort();
  const parts = keys.map((k) => {
    const v = fields[k];
    if (typeof v === 'number' && !Number.isFinite(v)) throw new RangeError(`field ${k} is not a finite number: ${v}`);
    return `${JSON.stringify(k)}:${JSON.stringify(v)}`;
  });
  return `{${parts.join(',')}}`;
}

/** The hash of an entry with `fields` following the entry whose hash is `prevHash`. */
export function chainHash(prevHash: string, fields: ChainFields): string {
  return sha256Hex(prevHash + canonicalJson(fields));
}

/** One stored entry as the verifier sees it. */
export interface ChainEntry {
  /** What a person reads to find the entry (e.g. its round). */
  readonly label: string;
  readonly fields: ChainFields;
  readonly prevHash: string;
  readonly hash: string;
}

/** Where a chain first breaks. */
export interface ChainBreak {
  /** 0-based position in stored order. */
  readonly position: number;
  readonly label: string;
  readonly reason: string;
}

/** The outcome of recomputing a chain. */
export interface ChainVerification {
  readonly ok: boolean;
  readonly entries: number;
  /** The last stored hash (GENESIS_HASH when empty). */
  readonly head: string;
  readonly broken?: ChainBreak;
}

/** Recompute the chain over `entries` in stored order and report the first inconsistency. */
export function verifyChain(entries: readonly ChainEntry[]): ChainVerification {
  let prev = GENESIS_HASH;
  for (const [position, e] of entries.entries()) {
    const fail = (reason: string): ChainVerification => ({ ok: false, entries: entries.length, head: lastHash(entries), broken: { position, label: e.label, reason } });
    if (e.prevHash !== prev) {
      return fail(
        position === 0
          ? `the first entry should follow the genesis hash but names ${short(e.prevHash)} (earlier entries were deleted?)`
          : `prev_hash ${short(e.prevHash)} does not match the previous entry's hash ${short(prev)} (an entry before it was edited, deleted or moved)`,
      );
    }
    let expected: string;
    try {
      expected = chainHash(prev, e.fields);
    } catch (err) {
      return fail(`its fields cannot be hashed: ${(err as Error).message}`);
    }
    if (expected !== e.hash) return fail(`its fields hash to ${short(expected)} but the stored hash is ${short(e.hash)} (the entry was edited)`);
    prev = e.hash;
  }
  return { ok: true, entries: entries.length, head: prev };
}

function lastHash(entries: readonly ChainEntry[]): string {
  return entries[entries.length - 1]?.hash ?? GENESIS_HASH;
}

function short(hash: string): string {
  return hash.length > 16 ? `${hash.slice(0, 16)}…` : JSON.stringify(hash);
}
