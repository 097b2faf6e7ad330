// The closed error vocabulary of the CRI adapter. Every failure of a CRI call that was not
// aborted by the caller's own signal surfaces as a CriError carrying one of seven types, a
// retryable/terminal verdict, the gRPC status code and the runtime's own message, unchanged.

export type CriErrorType =
  | 'cri.unavailable'
  | 'cri.notFound'
  | 'cri.deadlineExceeded'
  | 'cri.unauthenticated'
  | 'cri.unimplemented'
  | 'cri.invalidArgument'
  | 'cri.unknown';

/**
 * Retry verdict per type. Transport trouble, deadlines and the runtime's catch-all UNKNOWN are
 * worth another attempt under the caller's backoff; a missing object, bad credentials, an
 * unsupported call or a malformed request are not going to change by asking again.
 */
export const CRI_ERROR_RETRYABLE: Readonly<Record<CriErrorType, boolean>> = {
  'cri.unavailable': true,
  'cri.deadlineExceeded': true,
  'cri.unknown': true,
  'cri.notFound': false,
  'cri.unauthenticated': false,
  'cri.unimplemented': false,
  'cri.invalidArgument': false,
};

/** gRPC status names as Go's `codes.Code.String()` spells them, indexed by status number. */
const GO_CODE_NAMES = [
  'OK',
  'Canceled',
  'Unknown',
  'InvalidArgument',
  'DeadlineExceeded',
  'NotFound',
  'AlreadyExists',
  'PermissionDenied',
  'ResourceExhausted',
  'FailedPrecondition',
  'Aborted',
  'OutOfRange',
  'Unimplemented',
  'Internal',
  'Unavailable',
  'DataLoss',
  'Unauthenticated',
] as const;

/**
 * Type per gRPC status number. CANCELLED that the caller did not ask for means the connection or
 * the server went away mid-call, so it counts as unavailable.
 */
const TYPE_BY_CODE: readonly CriErrorType[] = [
  'cri.unknown', // 0 OK: never an error; kept for index alignment
  'cri.unavailable', // 1 CANCELLED
  'cri.unknown', // 2 UNKNOWN
  'cri.invalidArgument', // 3 INVALID_ARGUMENT
  'cri.deadlineExceeded', // 4 DEADLINE_EXCEEDED
  'cri.notFound', // 5 NOT_FOUND
  'cri.unknown', // 6 ALREADY_EXISTS
  'cri.unauthenticated', // 7 PERMISSION_DENIED
  'cri.unknown', // 8 RESOURCE_EXHAUSTED (also "message larger than max": not transport)
  'cri.unknown', // 9 FAILED_PRECONDITION
  'cri.unknown', // 10 ABORTED
  'cri.invalidArgument', // 11 OUT_OF_RANGE
  'cri.unimplemented', // 12 UNIMPLEMENTED
  'cri.unknown', // 13 INTERNAL
  'cri.unavailable', // 14 UNAVAILABLE
  'cri.unknown', // 15 DATA_LOSS
  'cri.unauthenticated', // 16 UNAUTHENTICATED
];

/**
 * containerd reports registry auth failures as UNKNOWN with the registry's answer in the text,
 * e.g. `… failed with status code [manifests 1]: 401 Unauthorized`. 403 is a denial of the same
 * kind (credentials that do not grant the repository).
 */
const AUTH_FAILURE_TEXT = /\b401\b|\bunauthori[sz]ed\b|\b403\b|\bforbidden\b/i;

/**
 * The call's deadline reaches the runtime too: containerd may answer UNKNOWN "context deadline
 * exceeded" a moment before the client's own DEADLINE_EXCEEDED fires. Both mean the same.
 */
const DEADLINE_TEXT = /\bcontext deadline exceeded\b/i;

const CRI_ERROR_BRAND = Symbol.for('kruised.adapters.cri.CriError');

export interface CriErrorInit {
  readonly type: CriErrorType;
  /** The gRPC status number, or undefined when the failure never reached gRPC. */
  readonly code: number | undefined;
  /** The runtime's (or grpc-js's) own message, unchanged. */
  readonly details: string;
  /** The RPC that failed, e.g. `PullImage`. */
  readonly method?: string;
}

export class CriError extends Error {
  /** Brand check, so `instanceof` holds across bundle copies of this module. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[CRI_ERROR_BRAND] === true;
  }

  override readonly name = 'CriError';
  readonly type: CriErrorType;
  readonly retryable: boolean;
  readonly code: number | undefined;
  readonly details: string;
  readonly method: string | undefined;

  constructor(init: CriErrorInit, options?: { cause?: unknown }) {
    // Go's status error text, which upstream writes into NodeImage/CRR messages verbatim.
    const codeName = init.code === undefined ? 'Unknown' : (GO_CODE_NAMES[init.code] ?? `Code(${init.code})`);
    super(`rpc error: code = ${codeName} desc = ${init.details}`, options);
    this.type = init.type;
    this.retryable = CRI_ERROR_RETRYABLE[init.type];
    this.code = init.code;
    this.details = init.details;
    this.method = init.method;
  }
}
Object.defineProperty(CriError.prototype, CRI_ERROR_BRAND, { value: true });

/** The error type for a gRPC status number and the runtime's message. */
export function criErrorType(code: number, details: string): CriErrorType {
  if (code === 2 && AUTH_FAILURE_TEXT.test(details)) return 'cri.unauthenticated';
  if (code === 2 && DEADLINE_TEXT.test(details)) return 'cri.deadlineExceeded';
  return TYPE_BY_CODE[code] ?? 'cri.unknown';
}

interface GrpcStatusLike {
  readonly code: number;
  readonly details?: string;
  readonly message?: string;
}

function isGrpcStatus(value: unknown): value is GrpcStatusLike {
  return typeof value === 'object' && value !== null && typeof (value as { code?: unknown }).code === 'number';
}

/** Translate anything a grpc-js call rejected with into a CriError (idempotent). */
export function toCriError(error: unknown, method?: string): CriError {
  if (error instanceof CriError) return error;
  if (isGrpcStatus(error)) {
    const details = error.details ?? error.message ?? '';
    return new CriError({ type: criErrorType(error.code, details), code: error.code, details, method }, { cause: error });
  }
  const details = error instanceof Error ? error.message : String(error);
  return new CriError({ type: 'cri.unknown', code: undefined, details, method }, { cause: error });
}
