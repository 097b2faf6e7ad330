// The closed error vocabulary of the kube adapter. Every failed API call surfaces as a
// KubeApiError: a type, a retryable verdict, the HTTP code (0 when no answer came back), the
// Status reason and message as the server sent them, and Retry-After when the server gave one.
// Secrets are safe here: a Status never carries an object's data.

export type KubeErrorType =
  | 'kube.notFound'
  | 'kube.conflict'
  | 'kube.alreadyExists'
  | 'kube.expired'
  | 'kube.tooManyRequests'
  | 'kube.serverError'
  | 'kube.unavailable'
  | 'kube.unauthorized'
  | 'kube.forbidden'
  | 'kube.invalid'
  | 'kube.badRequest'
  | 'kube.unknown';

/**
 * Retry verdict per type. Server trouble, throttling and no answer at all are worth another try
 * under the caller's backoff; the rest will not change by asking again (a conflict is retried by
 * re-reading, which is the caller's decision, not a blind repeat).
 */
export const KUBE_ERROR_RETRYABLE: Readonly<Record<KubeErrorType, boolean>> = {
  'kube.tooManyRequests': true,
  'kube.serverError': true,
  'kube.unavailable': true,
  'kube.notFound': false,
  'kube.conflict': false,
  'kube.alreadyExists': false,
  'kube.expired': false,
  'kube.unauthorized': false,
  'kube.forbidden': false,
  'kube.invalid': false,
  'kube.badRequest': false,
  'kube.unknown': false,
};

const BRAND = Symbol.for('kruised.adapters.kube.KubeApiError');

export interface KubeApiErrorInit {
  readonly type: KubeErrorType;
  /** HTTP status, or 0 when the request got no answer (refused, reset, timed out). */
  readonly code: number;
  readonly reason: string;
  readonly message: string;
  readonly method: string;
  readonly path: string;
  readonly retryAfterMs?: number;
}

export class KubeApiError extends Error {
  /** Brand check, so `instanceof` holds across bundle copies of this module. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  override readonly name = 'KubeApiError';
  readonly type: KubeErrorType;
  readonly retryable: boolean;
  readonly code: number;
  readonly reason: string;
  readonly method: string;
  readonly path: string;
  readonly retryAfterMs: number | undefined;

  constructor(init: KubeApiErrorInit, options?: { cause?: unknown }) {
    super(`${init.method} ${init.path}: ${init.code === 0 ? '' : `${init.code} `}${init.message}`, options);
    this.type = init.type;
    this.retryable = KUBE_ERROR_RETRYABLE[init.type];
    this.code = init.code;
    this.reason = init.reason;
    this.method = init.method;
    this.path = init.path;
    this.retryAfterMs = init.retryAfterMs;
  }
}
Object.defineProperty(KubeApiError.prototype, BRAND, { value: true });

export function kubeErrorType(code: number, reason: string): KubeErrorType {
  if (code === 0) return 'kube.unavailable';
  if (code === 409) return reason === 'AlreadyExists' ? 'kube.alreadyExists' : 'kube.conflict';
  if (code === 410 || reason === 'Expired' || reason === 'Gone') return 'kube.expired';
  if (code >= 500) return 'kube.serverError';
  const byCode: Readonly<Record<number, KubeErrorType>> = {
    400: 'kube.badRequest',
    401: 'kube.unauthorized',
    403: 'kube.forbidden',
    404: 'kube.notFound',
    422: 'kube.invalid',
    429: 'kube.tooManyRequests',
  };
  return byCode[code] ?? 'kube.unknown';
}

interface StatusLike {
  readonly code?: unknown;
  readonly reason?: unknown;
  readonly message?: unknown;
  readonly details?: { readonly retryAfterSeconds?: unknown };
}

/** The error for a metav1.Status (a non-2xx body, or an ERROR event inside a watch stream). */
export function errorFromStatus(status: unknown, fallbackCode: number, request: { method: string; path: string }, retryAfterHeader?: string): KubeApiError {
  const s = (typeof status === 'object' && status !== null ? status : {}) as StatusLike;
  const code = typeof s.code === 'number' && s.code > 0 ? s.code : fallbackCode;
  const reason = typeof s.reason === 'string' ? s.reason : '';
  const message = typeof s.message === 'string' && s.message !== '' ? s.message : reason || `HTTP ${code}`;
  const headerSeconds = retryAfterHeader !== undefined ? Number(retryAfterHeader) : NaN;
  const detailSeconds = typeof s.details?.retryAfterSeconds === 'number' ? s.details.retryAfterSeconds : NaN;
  const seconds = Number.isFinite(headerSeconds) ? headerSeconds : detailSeconds;
  return new KubeApiError({
    type: kubeErrorType(code, reason),
    code,
    reason,
    message,
    ...request,
    ...(Number.isFinite(seconds) && seconds >= 0 ? { retryAfterMs: seconds * 1000 } : {}),
  });
}

/** A request that got no HTTP answer at all. */
export function transportError(error: unknown, request: { method: string; path: string }): KubeApiError {
  let message = error instanceof Error ? (error.name === 'TimeoutError' ? `request timed out: ${error.message}` : error.message) : String(error);
  // undici says only "fetch failed"; the socket error (ECONNREFUSED, ECONNRESET…) is the cause.
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (cause && (typeof cause.code === 'string' || typeof cause.message === 'string')) message += `: ${String(cause.code ?? cause.message)}`;
  return new KubeApiError({ type: 'kube.unavailable', code: 0, reason: '', message, ...request }, { cause: error });
}
