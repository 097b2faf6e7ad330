// metav1.Status bodies, with the reasons and messages the real API server uses.
import type { ResourceDef } from './resources.js';

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    uid?: string;
    causes?: StatusCause[];
    retryAfterSeconds?: number;
  };
  code: number;
}

/** Thrown inside the server; rendered as a Status body with `status.code`. */
export class ApiError extends Error {
  constructor(
    readonly status: Status,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(status.message ?? status.reason ?? `HTTP ${status.code}`);
    this.name = 'ApiError';
  }
}

type Gr = Pick<ResourceDef, 'group' | 'plural'>;

function failure(code: number, reason: string, message: string, details?: Status['details']): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
}

function qualified(gr: Gr): string {
  return gr.group === '' ? gr.plural : `${gr.plural}.${gr.group}`;
}

function detailsOf(gr: Gr, name: string): NonNullable<Status['details']> {
  return { name, ...(gr.group === '' ? {} : { group: gr.group }), kind: gr.plural };
}

export function successStatus(gr: Gr, name: string, uid?: string): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { ...detailsOf(gr, name), ...(uid ? { uid } : {}) }, code: 200 };
}

export const errors = {
  notFound: (gr: Gr, name: string) => new ApiError(failure(404, 'NotFound', `${qualified(gr)} "${name}" not found`, detailsOf(gr, name))),
  /** A path the server has no route for (unknown or unserved group, version or resource). */
  noRoute: () => new ApiError(failure(404, 'NotFound', 'the server could not find the requested resource', {})),
  alreadyExists: (gr: Gr, name: string) => new ApiError(failure(409, 'AlreadyExists', `${qualified(gr)} "${name}" already exists`, detailsOf(gr, name))),
  conflict: (gr: Gr, name: string, why = 'the object has been modified; please apply your changes to the latest version and try again') =>
    new ApiError(failure(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(gr)} "${name}": ${why}`, detailsOf(gr, name))),
  invalid: (def: Pick<ResourceDef, 'group' | 'kind'>, name: string, causes: Array<{ field: string; message: string }>) =>
    new ApiError(
      failure(
        422,
        'Invalid',
        `${def.kind}${def.group ? `.${def.group}` : ''} "${name}" is invalid: ${causes.map((c) => `${c.field}: ${c.message}`).join(', ')}`,
        {
          name,
          ...(def.group ? { group: def.group } : {}),
          kind: def.kind,
          causes: causes.map((c) => ({ reason: 'FieldValueInvalid', message: c.message, field: c.field })),
        },
      ),
    ),
  unprocessable: (message: string) => new ApiError(failure(422, 'Invalid', message)),
  badRequest: (message: string) => new ApiError(failure(400, 'BadRequest', message)),
  methodNotAllowed: (message = 'the server does not allow this method on the requested resource') =>
    new ApiError(failure(405, 'MethodNotAllowed', message, {})),
  unsupportedMediaType: (accepted: readonly string[]) =>
    new ApiError(
      failure(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`),
    ),
  expired: (message: string) => new ApiError(failure(410, 'Expired', message)),
  internal: (message: string) => new ApiError(failure(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] })),
  tooManyRequests: (retryAfterSeconds: number) =>
    new ApiError(failure(429, 'TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds }), {
      'Retry-After': String(retryAfterSeconds),
    }),
  serviceUnavailable: (message = 'the server is currently unable to handle the request') => new ApiError(failure(503, 'ServiceUnavailable', message)),
  unauthorized: () => new ApiError(failure(401, 'Unauthorized', 'Unauthorized')),
  forbidden: (gr: Gr, name: string | undefined, message: string) => new ApiError(failure(403, 'Forbidden', message, detailsOf(gr, name ?? ''))),
  /** Any status code, for fault injection. */
  generic: (code: number, message: string) => new ApiError(failure(code, code === 500 ? 'InternalError' : 'Unknown', message)),
};

export function tooOldResourceVersion(requested: number, floor: number): ApiError {
  return errors.expired(`too old resource version: ${requested} (${floor})`);
}
