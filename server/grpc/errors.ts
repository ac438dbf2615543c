/** Mapping of core errors to gRPC statuses at the edge of the coordinator. */
import * as grpc from '@grpc/grpc-js';
import { CohortError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { ERROR_CODE_TRAILER } from '../../shared/wire/mapping.js';


/**
 * Convert anything thrown into a status for the peer. Cohort errors keep their
 * message (written to be shown); anything else is logged and sent as a bare
 * INTERNAL so no stack or internal detail reaches the peer.
 */
export function toServiceError(err: unknown, log: Logger): Partial<grpc.StatusObject> {
  const e = CohortError.from(err);
  const metadata = new grpc.Metadata();
  metadata.set(ERROR_CODE_TRAILER, e.code);
  if (!(err instanceof CohortError)) {
    log.error({ err: e.message, stack: e.cause instanceof Error ? e.cause.stack : undefined }, 'unexpected error in handler');
    return { code: grpc.status.INTERNAL, details: 'internal error', metadata };
  }
  return { code: e.grpcStatus, details: e.message, metadata };
}
