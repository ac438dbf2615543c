// Original file: proto/cohort/v1/cohort.proto

import type { UpdateHeader as _cohort_v1_UpdateHeader, UpdateHeader__Output as _cohort_v1_UpdateHeader__Output } from '../../cohort/v1/UpdateHeader.js';
import type { UpdateChunk as _cohort_v1_UpdateChunk, UpdateChunk__Output as _cohort_v1_UpdateChunk__Output } from '../../cohort/v1/UpdateChunk.js';

/**
 * A SubmitUpdate stream is exactly one header, then the header's chunk_count chunks,
 * then the end of the stream; anything else is INVALID_ARGUMENT. A stream that does not
 * start with a header names no round and changes nothing; once a header named a round
 * the node is in, any refusal with INVALID_ARGUMENT or DEADLINE_EXCEEDED (a second
 * header, an empty message, a chunk out of order or of the wrong size, a non-finite
 * value, too few chunks, a stalled upload) drops the node from that round.
 */
export interface UpdateMessage {
  'header'?: (_cohort_v1_UpdateHeader | null);
  'chunk'?: (_cohort_v1_UpdateChunk | null);
  'body'?: "header"|"chunk";
}

/**
 * A SubmitUpdate stream is exactly one header, then the header's chunk_count chunks,
 * then the end of the stream; anything else is INVALID_ARGUMENT. A stream that does not
 * start with a header names no round and changes nothing; once a header named a round
 * the node is in, any refusal with INVALID_ARGUMENT or DEADLINE_EXCEEDED (a second
 * header, an empty message, a chunk out of order or of the wrong size, a non-finite
 * value, too few chunks, a stalled upload) drops the node from that round.
 */
export interface UpdateMessage__Output {
  'header'?: (_cohort_v1_UpdateHeader__Output | null);
  'chunk'?: (_cohort_v1_UpdateChunk__Output | null);
  'body'?: "header"|"chunk";
}
