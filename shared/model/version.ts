/** Model versions: which committed global model a task, a FETCH or a node's copy refers to. */
import { createHash } from 'node:crypto';

/** One committed global model: the round that committed it and the sha256 of its float32 bytes. */
export interface ModelVersion {
  readonly round: number;
  /** 32 bytes: sha256 of the weights as little-endian float32 values. */
  readonly sha256: Buffer;
}

/** sha256 of `weights` as little-endian float32 bytes (the wire and checkpoint layout). */
export function weightsHash(weights: Float32Array): Buffer {
  return createHash('sha256').update(new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength)).digest();
}

/** The version of `weights`, committed in `round`. */
export function versionOf(round: number, weights: Float32Array): ModelVersion {
  return { round, sha256: weightsHash(weights) };
}

/** True when both name the same weights (the hash decides; the round is informational). */
export function sameVersion(a: ModelVersion | undefined, b: ModelVersion | undefined): boolean {
  return a !== undefined && b !== undefined && a.sha256.equals(b.sha256);
}

/** `round N (abcdef123456)`, for logs and messages. */
export function describeVersion(v: ModelVersion | undefined): string {
  return v ? `round ${v.round} (${v.sha256.toString('hex').slice(0, 12)})` : 'none';
}
