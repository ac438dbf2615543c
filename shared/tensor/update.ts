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
