// Original file: proto/cohort/v1/cohort.proto

import type { Long } from '@grpc/proto-loader';

export interface UpdateHeader {
  /**
   * The round of the train task (FAILED_PRECONDITION if that round is not training, the
   * node was not selected, already submitted, or has an upload of it in progress).
   */
  'round'?: (number | string | Long);
  /**
   * Distinct local training examples behind this update, in [1, 10,000,000] — not
   * multiplied by epochs. FedAvg weights updates by it, but no node's share of the
   * round's total weight may exceed the coordinator's --max-weight-share (default 0.2):
   * when one would, every weight is blended with equal weights just enough that the
   * largest share is that cap (or all are equal, if the round has fewer than 1/cap
   * updates). Ignored in private and secure rounds (every update counts 1) and by the
   * trimmed-mean and median aggregators.
   */
  'numExamples'?: (number);
  /**
   * Task.num_parameters (secure rounds: SecAggSetup.vector_length).
   */
  'numParameters'?: (number);
  /**
   * max(1, ceil(4 * num_parameters / Task.chunk_bytes)); see TENSORS.
   */
  'chunkCount'?: (number);
  /**
   * Mean training loss of the last local epoch: finite and >= 0.
   */
  'trainLoss'?: (number | string);
  /**
   * Secure aggregation: the chunks are the masked input, uint32 words mod 2^32.
   */
  'masked'?: (boolean);
  /**
   * Adaptive clipping with central noise: the update's norm was within the clip norm
   * before clipping.
   */
  'withinClip'?: (boolean);
  /**
   * The manifest_sha256 of the model the update follows (the task's). Optional; when
   * set and different from the round's model, the update is refused.
   */
  'manifestSha256'?: (string);
}

export interface UpdateHeader__Output {
  /**
   * The round of the train task (FAILED_PRECONDITION if that round is not training, the
   * node was not selected, already submitted, or has an upload of it in progress).
   */
  'round': (number);
  /**
   * Distinct local training examples behind this update, in [1, 10,000,000] — not
   * multiplied by epochs. FedAvg weights updates by it, but no node's share of the
   * round's total weight may exceed the coordinator's --max-weight-share (default 0.2):
   * when one would, every weight is blended with equal weights just enough that the
   * largest share is that cap (or all are equal, if the round has fewer than 1/cap
   * updates). Ignored in private and secure rounds (every update counts 1) and by the
   * trimmed-mean and median aggregators.
   */
  'numExamples': (number);
  /**
   * Task.num_parameters (secure rounds: SecAggSetup.vector_length).
   */
  'numParameters': (number);
  /**
   * max(1, ceil(4 * num_parameters / Task.chunk_bytes)); see TENSORS.
   */
  'chunkCount': (number);
  /**
   * Mean training loss of the last local epoch: finite and >= 0.
   */
  'trainLoss': (number);
  /**
   * Secure aggregation: the chunks are the masked input, uint32 words mod 2^32.
   */
  'masked': (boolean);
  /**
   * Adaptive clipping with central noise: the update's norm was within the clip norm
   * before clipping.
   */
  'withinClip': (boolean);
  /**
   * The manifest_sha256 of the model the update follows (the task's). Optional; when
   * set and different from the round's model, the update is refused.
   */
  'manifestSha256': (string);
}
