// HTTP to the API server on Node's own http/https clients. A credentials source (in-cluster.ts,
// kubeconfig.ts, or client-node's KubeConfig, which has the same method) fills in each request's
// headers and TLS options; the transport sends it over keep-alive connections, pooled per TLS
// identity (Node's agents key their sockets by CA, certificate, key and server name) and shared by
// every per-controller copy, as client-go shares one connection pool between clients of one config.
//
// Why not client-node's fetch: it is undici's, whose HTTP parser is a WebAssembly module; after a
// few hundred requests it held ~35 MiB more RSS than node:http in a measurement on Node 24
// (docs/architecture.md, "Memory"), most of the daemon's budget. node:http parses in native code.
//
// Every request has a deadline (the default 30 s, 0 for watches) covering the body too, and an
// optional client-side token bucket (upstream's --rest-config-qps/--rest-config-burst; unset
// means no throttling, as upstream).
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest, type RequestOptions } from 'node:https';
import { errorFromStatus, transportError } from './errors.js';
import { TokenBucket } from './token-bucket.js';

/** Where requests go and how they are authenticated. client-node's KubeConfig satisfies it as is. */
export interface KubeAuthSource {
  getCurrentCluster(): { readonly server: string } | null;
  /**
   * Puts the credentials for the next request on `opts`: `headers` (Authorization), `auth` (basic),
   * TLS options (`ca`, `cert`, `key`, `rejectUnauthorized`, `servername`…) and, only when the
   * connection needs something special (a proxy), an `agent`; without one the transport's
   * keep-alive agents are used.
   */
  applyToHTTPSOptions(opts: RequestOptions): Promise<void>;
}

export type KubeMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface KubeRequest {
  readonly method: KubeMethod;
  /** Absolute API path, e.g. `/api/v1/namespaces/default/pods/web-0/status`. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | undefined>>;
  /** Serialised as JSON. */
  readonly body?: unknown;
  /** Default `application/json` when there is a body. */
  readonly contentType?: string;
  readonly signal?: AbortSignal;
  /** Deadline for the whole request, body included; 0 means none (watches). Default: the transport's. */
  readonly timeoutMs?: number;
}

/** An answer whose body has not been read yet: read it once, with `text()` or `stream()`. */
export interface KubeResponse {
  readonly httpStatusCode: number;
  /** Lower-case names; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: {
    text(): Promise<string>;
    /** The raw bytes as they arrive; ends when the server ends the response. */
    stream(): AsyncIterable<Uint8Array>;
  };
}

export interface TransportOptions {
  /** `kruise-daemon`, or `kruise-daemon/<controller>` (client-go's AddUserAgent). */
  readonly userAgent: string;
  /** Client-side throttle for every request; absent or <= 0 means none. */
  readonly qps?: number;
  readonly burst?: number;
  /** Default request deadline (30 s). */
  readonly timeoutMs?: number;
}

/** Keep-alive connections, shared by a transport and its per-controller copies. */
interface Agents {
  readonly http: HttpAgent;
  readonly https: HttpsAgent;
}

// TCP keep-alive probes after 30 s idle, as client-go's dialer and client-node configure.
const newAgents = (): Agents => ({
  http: new HttpAgent({ keepAlive: true, keepAliveMsecs: 30_000 }),
  https: new HttpsAgent({ keepAlive: true, keepAliveMsecs: 30_000 }),
});

export class KubeTransport {
  private readonly limiter: TokenBucket | undefined;

  constructor(
    private readonly auth: KubeAuthSource,
    readonly options: TransportOptions,
    private readonly agents: Agents = newAgents(),
  ) {
    const qps = options.qps ?? 0;
    this.limiter = qps > 0 ? new TokenBucket(qps, Math.max(1, options.burst ?? Math.ceil(qps))) : undefined;
  }

  get server(): string {
    const cluster = this.auth.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    return cluster.server.replace(/\/+$/, '');
  }

  get userAgent(): string {
    return this.options.userAgent;
  }

  /** The same credentials and connections under another user agent, with its own throttle (client-go copies the config per client). */
  withUserAgent(userAgent: string): KubeTransport {
    return new KubeTransport(this.auth, { ...this.options, userAgent }, this.agents);
  }

  /** Sends a request and parses the JSON answer; a non-2xx answer or no answer throws KubeApiError. */
  async request<T>(req: KubeRequest): Promise<T> {
    const res = await this.send(req);
    const text = await res.body.text();
    if (res.httpStatusCode < 200 || res.httpStatusCode >= 300) throw errorFromStatus(parseJson(text), res.httpStatusCode, req, res.headers['retry-after']);
    return (text === '' ? undefined : parseJson(text)) as T;
  }

  /** Sends a request and returns the answer with its body unread; no answer throws KubeApiError (or the caller's abort reason). */
  async send(req: KubeRequest): Promise<KubeResponse> {
    const timeoutMs = req.timeoutMs ?? this.options.timeoutMs ?? 30_000;
    const deadline = timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined;
    const signals = [req.signal, deadline].filter((s): s is AbortSignal => s !== undefined);
    const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
    await this.limiter?.take(req.signal);
    const url = this.url(req);
    const opts: RequestOptions = { method: req.method, headers: {} };
    await this.auth.applyToHTTPSOptions(opts);
    const body = req.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body));
    const headers: OutgoingHttpHeaders = {
      ...(opts.headers as OutgoingHttpHeaders | undefined), // the sources set an object, never the raw array form
      'User-Agent': this.options.userAgent,
      Accept: 'application/json',
      ...(body ? { 'Content-Type': req.contentType ?? 'application/json', 'Content-Length': body.length } : {}),
    };
    const secure = url.protocol === 'https:';
    const agent = opts.agent ?? (secure ? this.agents.https : this.agents.http);
    // A failure is the caller's abort when it aborted, else a KubeApiError (a timeout says so).
    const failure = (error: unknown) => (req.signal?.aborted ? req.signal.reason : transportError(deadline?.aborted ? deadline.reason : error, req));
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const outgoing = (secure ? httpsRequest : httpRequest)(url, { ...opts, headers, agent, ...(signal ? { signal } : {}) }, resolve);
      outgoing.on('error', reject);
      outgoing.end(body);
    }).catch((error: unknown) => {
      throw failure(error);
    });
    // A connection lost mid-body errors the response; whoever reads it gets that error, and one
    // left unread must not take the process down with an unhandled 'error' event.
    res.on('error', () => undefined);
    return {
      httpStatusCode: res.statusCode ?? 0,
      headers: Object.fromEntries(Object.entries(res.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : value])),
      body: {
        async text() {
          try {
            const chunks: Buffer[] = [];
            for await (const chunk of res) chunks.push(chunk as Buffer);
            return Buffer.concat(chunks).toString('utf8');
          } catch (error) {
            throw failure(error);
          }
        },
        async *stream() {
          try {
            yield* res;
          } catch (error) {
            throw failure(error);
          }
        },
      },
    };
  }

  private url(req: KubeRequest): URL {
    const url = new URL(this.server + req.path);
    for (const [key, value] of Object.entries(req.query ?? {})) if (value !== undefined && value !== '') url.searchParams.set(key, value);
    return url;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
