import { describe, expect, it } from 'vitest';
import { CriError, criErrorType, toCriError, type CriErrorType } from '../../../adapters/cri/index.js';

const status = (code: number, details: string) => Object.assign(new Error(`${code} X: ${details}`), { code, details });

describe('mapping gRPC statuses to the CRI error vocabulary', () => {
  it.each<[number, string, CriErrorType, boolean]>([
    [1, 'Call cancelled', 'cri.unavailable', true],
    [2, 'failed to reserve container name "main_x_0"', 'cri.unknown', true],
    [3, 'invalid ImageSpec', 'cri.invalidArgument', false],
    [4, 'Deadline exceeded after 5.001s', 'cri.deadlineExceeded', true],
    [2, 'failed to exec in container: context deadline exceeded', 'cri.deadlineExceeded', true],
    [5, 'an error occurred when try to find container "x": not found', 'cri.notFound', false],
    [6, 'already exists', 'cri.unknown', true],
    [7, 'permission denied', 'cri.unauthenticated', false],
    [8, 'Received message larger than max (20000000 vs 16777216)', 'cri.unknown', true],
    [9, 'failed precondition', 'cri.unknown', true],
    [10, 'aborted', 'cri.unknown', true],
    [11, 'out of range', 'cri.invalidArgument', false],
    [12, 'unknown service runtime.v1.ImageService', 'cri.unimplemented', false],
    [13, 'Request message serialization failure', 'cri.unknown', true],
    [14, 'No connection established. Last error: connect ENOENT /run/containerd/containerd.sock', 'cri.unavailable', true],
    [15, 'data loss', 'cri.unknown', true],
    [16, 'unauthenticated', 'cri.unauthenticated', false],
    [99, 'a code from the future', 'cri.unknown', true],
  ])('maps code %i (%s) to %s, retryable %s', (code, details, type, retryable) => {
    const error = toCriError(status(code, details), 'Method');
    expect(error).toMatchObject({ type, retryable, code, details, method: 'Method' });
  });

  it.each([
    'failed to pull and unpack image "127.0.0.1:5001/private/busybox:1": failed to resolve reference: pulling from host 127.0.0.1:5001 failed with status code [manifests 1]: 401 Unauthorized',
    'failed to fetch anonymous token: unexpected status: 401 Unauthorized',
    'pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed: unauthorized',
    'failed to resolve reference: unexpected status from HEAD request: 403 Forbidden',
  ])('treats a registry auth failure carried in an UNKNOWN as unauthenticated and terminal: %s', (details) => {
    expect(toCriError(status(2, details))).toMatchObject({ type: 'cri.unauthenticated', retryable: false, code: 2 });
  });

  it('does not read auth failure into numbers that merely contain 401', () => {
    expect(criErrorType(2, 'dial tcp 127.0.0.1:4010: connect: connection refused')).toBe('cri.unknown');
    expect(criErrorType(2, 'layer sha256:4019ab not found')).toBe('cri.unknown');
  });

  it('only reads auth failure out of UNKNOWN, not out of other codes', () => {
    expect(criErrorType(5, 'manifest unknown: 401 in the name')).toBe('cri.notFound');
  });
});

describe('CriError', () => {
  it('keeps the runtime message and formats itself as Go prints a gRPC status error', () => {
    const error = toCriError(status(2, 'container is in CONTAINER_EXITED state'), 'ExecSync');
    expect(error.message).toBe('rpc error: code = Unknown desc = container is in CONTAINER_EXITED state');
    expect(error.details).toBe('container is in CONTAINER_EXITED state');
    expect(error.name).toBe('CriError');
    expect(error.cause).toMatchObject({ code: 2 });
  });

  it('wraps a failure that never reached gRPC as unknown with no code', () => {
    const error = toCriError(new TypeError('boom'), 'Version');
    expect(error).toMatchObject({ type: 'cri.unknown', code: undefined, details: 'boom', retryable: true });
  });

  it('returns an existing CriError unchanged', () => {
    const error = toCriError(status(5, 'gone'));
    expect(toCriError(error)).toBe(error);
  });

  it('is recognised by instanceof across separate copies of the module, and nothing else is', async () => {
    // The query makes the module loader evaluate a second, independent instance of the module.
    const specifier = '../../../adapters/cri/errors.js?second-copy';
    const copy = (await import(specifier)) as typeof import('../../../adapters/cri/errors.js');
    expect(copy.CriError).not.toBe(CriError);
    const foreign = copy.toCriError(status(14, 'gone'));
    expect(foreign).toBeInstanceOf(CriError);
    expect(toCriError(foreign)).toBe(foreign);
    expect(new Error('plain')).not.toBeInstanceOf(CriError);
    expect({ type: 'cri.unknown' }).not.toBeInstanceOf(CriError);
    expect(toCriError(status(14, 'x'))).toBeInstanceOf(Error);
  });
});
