/**
 * The header of one node's update, as both ends of the bulk channel and the coordinator's
 * core see it: transport-neutral, so core code can take it without importing transport code.
 */
import type { TensorEncoding } from './codec.js';

/** What an UPDATE carries besides its payload (proto/cohort/v1/bulk.proto, Update). */
export interface UpdateHeader {
  readonly round: number;
  readonly numExamples: number;
  readonly numParameters: number;
  readonly trainLoss: number;
  /** A secure-aggregation masked input rather than a plain update. */
  readonly masked: boolean;
  /** Adaptive clipping: the update's norm was within the clip norm. */
  readonly withinClip: boolean;
  /** How the payload's values are encoded (masked inputs: always f32 words). */
  readonly encoding: TensorEncoding;
  /** The manifest the node says its update follows (hex); absent: not stated. */
  readonly manifestSha256?: string;
}

/** Why the transport ended an upload before it was complete (the node leaves the round either way). */
export type AbortReason = 'disconnected' | 'rejected' | 'stalled';

/**
 * Receives one node's update as a byte stream, decoding it straight into the upload slot it
 * holds; the transport (server/bulk/server.ts) drives it, the core implements it.
 */
export interface UpdateReceiver {
  /** The next payload bytes; throws `invalid_argument` (and drops the node, freeing the slot) on bad data. */
  write(bytes: Uint8Array): void;
  /** Check the complete update and count it in the aggregate (its addition may still run elsewhere); throws (and drops the node) if refused. */
  finish(): void;
  /**
   * The upload ended early; the node leaves the round at once and its buffer is freed:
   * it disconnected, broke the framing (`rejected`) or stopped making progress (`stalled`).
   */
  abort(detail: string, why: AbortReason): void;
}
