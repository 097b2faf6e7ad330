// HTTP to the API server through client-node's own request pieces: KubeConfig (or anything shaped
// like it, see in-cluster.ts) authenticates each request and supplies the TLS dispatcher, and
// client-node's fetch library sends it. Only `dist/gen/http/http.js` (request context + undici
// fetch, ~12 MiB anonymous) is loaded, never the package index or generated API clients (~60 MiB,
// ts-stack.md §9). The deep path is stable in 2.x (the package has no `exports` map).
//
// Every request has a deadline (client-node has none) and an optional client-side token bucket
// (upstream's --rest-config-qps/--rest-config-burst; unset means no throttling, as upstream).
import { IsomorphicFetchHttpLibrary, RequestContext, type ResponseContext } from '@kubernetes/client-node/dist/gen/http/http.js';
import { errorFromStatus, transportError } from './errors.js';
import { TokenBucket } from './token-bucket.js';

/** What the transport needs from a client-node KubeConfig (which satisfies it as is). */
export interface KubeAuthSource {
  getCurrentCluster(): { readonly server: string } | null;
  applySecurityAuthentication(context: RequestContext): Promise<void>;
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

export interface TransportOptions {
  /** `kruise-daemon`, or `kruise-daemon/<controller>` (client-go's AddUserAgent). */
  readonly userAgent: string;
  /** Client-side throttle for every request; absent or <= 0 means none. */
  readonly qps?: number;
  readonly burst?: number;
  /** Default request deadline (30 s). */
  readonly timeoutMs?: number;
}

/** The TLS dispatcher KubeConfig builds is new on every call; one is reused for this long. */
const DISPATCHER_TTL_MS = 5 * 60_000;
const http = new IsomorphicFetchHttpLibrary();

export class KubeTransport {
  private readonly limiter: TokenBucket | undefined;
  private dispatcher: { readonly value: unknown; readonly at: number } | undefined;

  constructor(
    private readonly auth: KubeAuthSource,
    readonly options: TransportOptions,
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

  /** The same credentials under another user agent, with its own throttle (client-go copies the config per client). */
  withUserAgent(userAgent: string): KubeTransport {
    return new KubeTransport(this.auth, { ...this.options, userAgent });
  }

  /** Sends a request and parses the JSON answer; a non-2xx answer or no answer throws KubeApiError. */
  async request<T>(req: KubeRequest): Promise<T> {
    const res = await this.send(req);
    const text = await this.readText(res, req);
    if (res.httpStatusCode < 200 || res.httpStatusCode >= 300) throw errorFromStatus(parseJson(text), res.httpStatusCode, req, res.headers['retry-after']);
    return (text === '' ? undefined : parseJson(text)) as T;
  }

  /** Sends a request and returns the raw response (status, headers, streamable body). */
  async send(req: KubeRequest): Promise<ResponseContext> {
    const timeoutMs = req.timeoutMs ?? this.options.timeoutMs ?? 30_000;
    const signals = [req.signal, timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined].filter((s): s is AbortSignal => s !== undefined);
    const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
    await this.limiter?.take(req.signal);
    const ctx = new RequestContext(this.url(req), req.method);
    await this.auth.applySecurityAuthentication(ctx);
    this.reuseDispatcher(ctx);
    ctx.setHeaderParam('User-Agent', this.options.userAgent);
    ctx.setHeaderParam('Accept', 'application/json');
    if (req.body !== undefined) {
      ctx.setHeaderParam('Content-Type', req.contentType ?? 'application/json');
      ctx.setBody(JSON.stringify(req.body));
    }
    if (signal) ctx.setSignal(signal);
    try {
      return await http.send(ctx).toPromise();
    } catch (error) {
      if (req.signal?.aborted) throw req.signal.reason;
      throw transportError(error, req);
    }
  }

  private async readText(res: ResponseContext, req: KubeRequest): Promise<string> {
    try {
      return await res.body.text();
    } catch (error) {
      if (req.signal?.aborted) throw req.signal.reason;
      throw transportError(error, req);
    }
  }

  private url(req: KubeRequest): string {
    const url = new URL(this.server + req.path);
    for (const [key, value] of Object.entries(req.query ?? {})) if (value !== undefined && value !== '') url.searchParams.set(key, value);
    return url.toString();
  }

  private reuseDispatcher(ctx: RequestContext): void {
    const fresh = ctx.getDispatcher();
    if (fresh === undefined) return;
    const now = Date.now();
    if (this.dispatcher && now - this.dispatcher.at < DISPATCHER_TTL_MS) ctx.setDispatcher(this.dispatcher.value as typeof fresh);
    else this.dispatcher = { value: fresh, at: now };
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
