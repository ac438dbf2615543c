/**
 * The one error type of Cohort. Every failure that crosses a module boundary is a
 * CohortError with a code from a closed set; one table maps each code to a gRPC status
 * and to a CLI exit code. The `cause` is kept for logs and never sent to a peer.
 */

/** Closed set of error codes. */
export type ErrorCode =
  | 'invalid_argument'
  | 'usage'
  | 'failed_precondition'
  | 'resource_exhausted'
  | 'permission_denied'
  | 'unauthenticated'
  | 'budget_exhausted'
  | 'not_found'
  | 'already_exists'
  | 'unavailable'
  | 'deadline_exceeded'
  | 'aborted'
  | 'cancelled'
  | 'internal';

/** gRPC status numbers (kept here so the core does not import grpc-js). */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

/** CLI exit codes from the PLAN contract. */
export const ExitCode = { OK: 0, FAILURE: 1, USAGE: 2, POLICY: 3 } as const;

interface CodeInfo {
  readonly grpc: number;
  readonly exit: number;
}

const CODE_TABLE: Readonly<Record<ErrorCode, CodeInfo>> = {
  invalid_argument: { grpc: GrpcStatus.INVALID_ARGUMENT, exit: ExitCode.USAGE },
  usage: { grpc: GrpcStatus.INVALID_ARGUMENT, exit: ExitCode.USAGE },
  failed_precondition: { grpc: GrpcStatus.FAILED_PRECONDITION, exit: ExitCode.FAILURE },
  resource_exhausted: { grpc: GrpcStatus.RESOURCE_EXHAUSTED, exit: ExitCode.FAILURE },
  permission_denied: { grpc: GrpcStatus.PERMISSION_DENIED, exit: ExitCode.POLICY },
  unauthenticated: { grpc: GrpcStatus.UNAUTHENTICATED, exit: ExitCode.POLICY },
  budget_exhausted: { grpc: GrpcStatus.FAILED_PRECONDITION, exit: ExitCode.POLICY },
  not_found: { grpc: GrpcStatus.NOT_FOUND, exit: ExitCode.FAILURE },
  already_exists: { grpc: GrpcStatus.ALREADY_EXISTS, exit: ExitCode.FAILURE },
  unavailable: { grpc: GrpcStatus.UNAVAILABLE, exit: ExitCode.FAILURE },
  deadline_exceeded: { grpc: GrpcStatus.DEADLINE_EXCEEDED, exit: ExitCode.FAILURE },
  aborted: { grpc: GrpcStatus.ABORTED, exit: ExitCode.FAILURE },
  cancelled: { grpc: GrpcStatus.CANCELLED, exit: ExitCode.FAILURE },
  internal: { grpc: GrpcStatus.INTERNAL, exit: ExitCode.FAILURE },
};

const GRPC_TO_CODE: ReadonlyMap<number, ErrorCode> = new Map<number, ErrorCode>([
  [GrpcStatus.INVALID_ARGUMENT, 'invalid_argument'],
  [GrpcStatus.FAILED_PRECONDITION, 'failed_precondition'],
  [GrpcStatus.RESOURCE_EXHAUSTED, 'resource_exhausted'],
  [GrpcStatus.PERMISSION_DENIED, 'permission_denied'],
  [GrpcStatus.UNAUTHENTICATED, 'unauthenticated'],
  [GrpcStatus.NOT_FOUND, 'not_found'],
  [GrpcStatus.ALREADY_EXISTS, 'already_exists'],
  [GrpcStatus.UNAVAILABLE, 'unavailable'],
  [GrpcStatus.DEADLINE_EXCEEDED, 'deadline_exceeded'],
  [GrpcStatus.ABORTED, 'aborted'],
  [GrpcStatus.CANCELLED, 'cancelled'],
]);

const ERROR_CODES: ReadonlySet<string> = new Set(Object.keys(CODE_TABLE));

/** True when `value` names one of the closed error codes. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && ERROR_CODES.has(value);
}

/** A failure with a closed code, a message safe to show the peer, and a private cause. */
export class CohortError extends Error {
  override readonly name = 'CohortError';
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  /** The gRPC status this error is sent with. */
  get grpcStatus(): number {
    return CODE_TABLE[this.code].grpc;
  }

  /** The exit code a CLI command ends with on this error. */
  get exitCode(): number {
    return CODE_TABLE[this.code].exit;
  }

  /** Normalise anything thrown into a CohortError; unknown throws become `internal`. */
  static from(err: unknown): CohortError {
    if (err instanceof CohortError) return err;
    if (err instanceof Error) return new CohortError('internal', err.message, { cause: err });
    return new CohortError('internal', String(err), { cause: err });
  }

  /** Map a gRPC status (and the optional `cohort-error` trailer) back to a CohortError. */
  static fromGrpc(status: number, details: string, trailerCode?: string): CohortError {
    const code = isErrorCode(trailerCode) ? trailerCode : (GRPC_TO_CODE.get(status) ?? 'internal');
    return new CohortError(code, details);
  }
}
