// One HTTP GET the way a Go http.Client sends it, for lifecycle hooks and probes: redirects
// followed as the client's CheckRedirect allows (any host, or only the first request's host,
// answering with the redirect itself otherwise; at most 10), headers copied to redirected requests
// (credentials only within the same domain), the body read up to 10 KiB, TLS verified or not, and
// failures worded as Go's url.Error (`Get "<url>": dial tcp 10.0.0.7:8080: connect: connection
// refused`). Every request uses its own connection. No proxy is used (Go's default client would
// take HTTP(S)_PROXY from the environment).
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { HttpGetRequest } from './request.js';

export interface HttpGetClient {
  /** `verify`: the system's roots (Go's default client); `insecure`: no verification (kubelet's prober). */
  readonly tls: 'verify' | 'insecure';
  /** `anyHost`: Go's default policy; `sameHost`: kubelet's RedirectChecker(false). */
  readonly redirects: 'anyHost' | 'sameHost';
  /** Send `Accept-Encoding: gzip` as Go's transport does unless compression is disabled (the prober disables it). */
  readonly acceptGzip: boolean;
}

/** kruise-daemon's lifecycle client: a plain Go `&http.Client{}`. */
export const LIFECYCLE_CLIENT: HttpGetClient = { tls: 'verify', redirects: 'anyHost', acceptGzip: true };
/** kubelet's prober: InsecureSkipVerify, DisableCompression, redirects only within the host. */
export const PROBE_CLIENT: HttpGetClient = { tls: 'insecure', redirects: 'sameHost', acceptGzip: false };

/** kubelet reads at most this much of a response body. */
export const MAX_BODY_BYTES = 10 * 1024;
/** Go's default client stops after 10 consecutive requests. */
const MAX_REDIRECTS = 10;
const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);
const SENSITIVE = new Set(['Authorization', 'Www-Authenticate', 'Cookie', 'Cookie2']);

export interface HttpGetResponse {
  readonly statusCode: number;
  /** At most MAX_BODY_BYTES of the body, as text. */
  readonly body: string;
  /** The URL that answered (after redirects). */
  readonly url: string;
}

/** A GET that got no answer: `message` is Go's url.Error text; `code` is Node's error code, when there is one. */
export class HttpGetError extends Error {
  override readonly name = 'HttpGetError';
  constructor(
    readonly url: string,
    readonly reason: string,
    readonly code?: string,
  ) {
    super(`Get ${JSON.stringify(url)}: ${reason}`);
  }
}

const TLS_UNKNOWN_AUTHORITY = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
]);

/** Node's socket and TLS errors in the words Go's net/http uses for the same failure. */
export function goNetError(error: unknown, url: URL): { reason: string; code?: string } {
  const e = error as { code?: string; message?: string };
  const hostPort = `${url.hostname.replace(/^\[|\]$/g, '')}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`;
  const dial = isIP(url.hostname.replace(/^\[|\]$/g, '')) === 6 ? `[${hostPort.replace(/:(\d+)$/, ']:$1')}` : hostPort;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const reason = ((): string => {
    // OpenSSL meets an HTTP answer where a TLS record should be (Go looks for `HTTP/` there).
    if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || (code === 'EPROTO' && /wrong version number/.test(e.message ?? ''))) {
      return 'http: server gave HTTP response to HTTPS client';
    }
    switch (code) {
      case 'ECONNREFUSED':
        return `dial tcp ${dial}: connect: connection refused`;
      case 'EHOSTUNREACH':
        return `dial tcp ${dial}: connect: no route to host`;
      case 'ENETUNREACH':
        return `dial tcp ${dial}: connect: network is unreachable`;
      case 'ETIMEDOUT':
        return `dial tcp ${dial}: connect: connection timed out`;
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
        return `dial tcp: lookup ${url.hostname}: no such host`;
      case 'CERT_HAS_EXPIRED':
        return `tls: failed to verify certificate: x509: certificate has expired or is not yet valid: ${e.message ?? ''}`;
      default:
        if (code !== undefined && TLS_UNKNOWN_AUTHORITY.has(code)) return 'tls: failed to verify certificate: x509: certificate signed by unknown authority';
        if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `tls: failed to verify certificate: x509: ${e.message ?? ''}`;
        if (code === 'ECONNRESET' && e.message === 'socket hang up') return 'EOF';
        return e.message ?? String(error);
    }
  })();
  return { reason, ...(code !== undefined ? { code } : {}) };
}

const latin1 = (value: string): string => Buffer.from(value, 'utf8').toString('latin1');

/** Go's httpguts checks: names are tokens, values have no control bytes but HTAB. */
function invalidHeader(headers: ReadonlyArray<readonly [string, string]>): string | undefined {
  for (const [name, value] of headers) {
    if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) return `net/http: invalid header field name ${JSON.stringify(name)}`;
    if ([...value].some((c) => c !== '\t' && (c < ' ' || c === '\x7f'))) return `net/http: invalid header field value for ${JSON.stringify(name)}`;
  }
  return undefined;
}

interface Hop {
  readonly url: URL;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** The Host header, '' for the URL's. */
  readonly host: string;
}

function send(hop: Hop, client: HttpGetClient, signal: AbortSignal): Promise<{ response: IncomingMessage; body: Promise<string> }> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of hop.headers) {
    const previous = headers[name];
    headers[name] = previous === undefined ? latin1(value) : [previous, latin1(value)].flat();
  }
  if (hop.host !== '') headers.Host = latin1(hop.host);
  if (client.acceptGzip && headers['Accept-Encoding'] === undefined) headers['Accept-Encoding'] = ['gzip'];
  const https = hop.url.protocol === 'https:';
  const bare = hop.url.hostname.replace(/^\[|\]$/g, '');
  const tls = https ? { rejectUnauthorized: client.tls === 'verify', ...(isIP(bare) === 0 ? { servername: bare } : {}) } : {};
  return new Promise((resolve, reject) => {
    const req = (https ? httpsRequest : httpRequest)(hop.url, { method: 'GET', headers, signal, agent: false, ...tls }, (response) => {
      const body = new Promise<string>((done) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          if (size < MAX_BODY_BYTES) chunks.push(chunk.subarray(0, MAX_BODY_BYTES - size));
          size += chunk.length;
          if (size >= MAX_BODY_BYTES) response.destroy();
        });
        const finish = () => done(Buffer.concat(chunks).toString('utf8'));
        response.on('end', finish);
        response.on('close', finish);
        response.on('error', finish);
      });
      resolve({ response, body });
    });
    req.on('error', reject);
    req.end();
  });
}

const sameDomain = (dst: string, parent: string): boolean => dst === parent || dst.endsWith(`.${parent}`);

/**
 * Sends `request` with `client`'s policy. Resolves with any answer (the status is the caller's to
 * judge); rejects with an HttpGetError when no answer came, or with the signal's reason.
 * `timeoutMs` bounds the whole exchange as Go's Client.Timeout does.
 */
export async function httpGet(request: HttpGetRequest, client: HttpGetClient, options: { signal: AbortSignal; timeoutMs?: number }): Promise<HttpGetResponse> {
  const bad = invalidHeader(request.headers);
  if (bad !== undefined) throw new HttpGetError(request.url, bad);
  const timeout = options.timeoutMs === undefined ? undefined : AbortSignal.timeout(options.timeoutMs);
  const signal = timeout ? AbortSignal.any([options.signal, timeout]) : options.signal;
  const first = new URL(request.url);
  let hop: Hop = { url: first, headers: request.headers, host: request.host };
  let shown = request.url;
  for (let redirects = 0; ; redirects++) {
    let sent: Awaited<ReturnType<typeof send>>;
    try {
      sent = await send(hop, client, signal);
    } catch (error) {
      if (options.signal.aborted) throw options.signal.reason;
      if (timeout?.aborted) throw new HttpGetError(shown, 'context deadline exceeded (Client.Timeout exceeded while awaiting headers)');
      const { reason, code } = goNetError(error, hop.url);
      throw new HttpGetError(shown, reason, code);
    }
    const { response } = sent;
    const location = response.headers.location;
    const status = response.statusCode ?? 0;
    if (!REDIRECT_CODES.has(status) || location === undefined || location === '') {
      return { statusCode: status, body: await sent.body, url: shown };
    }
    let next: URL;
    try {
      next = new URL(location, hop.url);
    } catch {
      response.resume();
      throw new HttpGetError(shown, `failed to parse Location header ${JSON.stringify(location)}`);
    }
    if (client.redirects === 'sameHost' && next.hostname !== first.hostname) {
      return { statusCode: status, body: await sent.body, url: shown };
    }
    response.resume();
    // Go's CheckRedirect refuses once 10 requests were made: the 10th redirect is an error.
    if (redirects + 1 >= MAX_REDIRECTS) throw new HttpGetError(location, `stopped after ${MAX_REDIRECTS} redirects`);
    const keepCredentials = sameDomain(next.hostname, first.hostname);
    const relative = !/^[A-Za-z][A-Za-z0-9+.-]*:/.test(location) && !location.startsWith('//');
    hop = {
      url: next,
      headers: request.headers.filter(([name]) => keepCredentials || !SENSITIVE.has(name)),
      host: request.host !== '' && relative ? request.host : '',
    };
    shown = next.href;
  }
}
