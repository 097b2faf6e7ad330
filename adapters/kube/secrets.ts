// Pull-secret reads, confined to the daemon's config namespace: the only secrets RBAC lets the
// daemon read (Role `kruise-daemon-secret-role`, contract §1.2), where kruise-manager copies each
// ImagePullJob's secrets. Found secrets are cached for a jittered 5–10 minutes; a miss is not
// cached (the manager may be about to copy the secret). A lookup in another namespace is refused
// without a request. Logs carry names only, never contents.
import { KubeApiError } from './errors.js';
import { errField, silentLogger, type KubeLogger } from './log.js';
import type { KubeObject } from './objects.js';
import { objectPath, secretKind } from './resources.js';
import type { KubeTransport } from './transport.js';

export const DEFAULT_CONFIG_NAMESPACE = 'kruise-daemon-config';

export interface KubeSecret extends KubeObject {
  readonly type?: string;
  /** Base64 values, as the API returns them. */
  readonly data?: Readonly<Record<string, string>>;
}

export type SecretLookup =
  | { readonly type: 'found'; readonly secret: KubeSecret }
  | { readonly type: 'notFound'; readonly namespace: string; readonly name: string }
  | { readonly type: 'refused'; readonly namespace: string; readonly name: string };

export interface SecretsReaderOptions {
  readonly transport: KubeTransport;
  /** Default `kruise-daemon-config` (the manager's KRUISE_DAEMON_CONFIG_NS). */
  readonly namespace?: string;
  /** Cache lifetime, drawn per entry in [min, max] (default 5–10 min). */
  readonly ttlMs?: readonly [min: number, max: number];
  readonly logger?: KubeLogger;
  readonly now?: () => number;
  readonly random?: () => number;
}

export interface SecretsReaderStats {
  hits: number;
  fetches: number;
  notFound: number;
  refused: number;
  /** Expired entries served because a refresh failed with a transient error. */
  stale: number;
}

interface Entry {
  readonly secret: KubeSecret;
  readonly expires: number;
}

export class SecretsReader {
  readonly namespace: string;
  private readonly cache = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<SecretLookup>>();
  private readonly logger: KubeLogger;
  private readonly counters: SecretsReaderStats = { hits: 0, fetches: 0, notFound: 0, refused: 0, stale: 0 };

  constructor(private readonly options: SecretsReaderOptions) {
    this.namespace = options.namespace ?? DEFAULT_CONFIG_NAMESPACE;
    this.logger = options.logger ?? silentLogger;
  }

  /**
   * The secret `name` of the config namespace. `namespace` is the reference's own (NodeImage pull
   * secrets name theirs); any other than the config namespace is refused. Transient API errors
   * reject (KubeApiError) unless an expired copy can be served.
   */
  async get(name: string, namespace: string = this.namespace): Promise<SecretLookup> {
    if (namespace !== this.namespace) {
      this.counters.refused += 1;
      this.logger.warn({ namespace, name, allowed: this.namespace }, 'secret outside the daemon config namespace refused');
      return { type: 'refused', namespace, name };
    }
    const now = (this.options.now ?? Date.now)();
    const cached = this.cache.get(name);
    if (cached && cached.expires > now) {
      this.counters.hits += 1;
      return { type: 'found', secret: cached.secret };
    }
    let pending = this.inFlight.get(name);
    if (!pending) {
      pending = this.fetch(name, cached).finally(() => this.inFlight.delete(name));
      this.inFlight.set(name, pending);
    }
    return pending;
  }

  /** Forgets one cached secret, or all. */
  invalidate(name?: string): void {
    if (name === undefined) this.cache.clear();
    else this.cache.delete(name);
  }

  stats(): SecretsReaderStats {
    return { ...this.counters };
  }

  private async fetch(name: string, expired: Entry | undefined): Promise<SecretLookup> {
    this.counters.fetches += 1;
    try {
      const secret = await this.options.transport.request<KubeSecret>({ method: 'GET', path: objectPath({ ...secretKind, namespace: this.namespace, name }) });
      const [min, max] = this.options.ttlMs ?? [5 * 60_000, 10 * 60_000];
      const ttl = min + (this.options.random ?? Math.random)() * (max - min);
      this.cache.set(name, { secret, expires: (this.options.now ?? Date.now)() + ttl });
      this.logger.debug?.({ namespace: this.namespace, name }, 'secret read');
      return { type: 'found', secret };
    } catch (error) {
      if (error instanceof KubeApiError && error.type === 'kube.notFound') {
        this.cache.delete(name);
        this.counters.notFound += 1;
        return { type: 'notFound', namespace: this.namespace, name };
      }
      if (expired && error instanceof KubeApiError && error.retryable) {
        this.counters.stale += 1;
        this.logger.warn({ namespace: this.namespace, name, err: errField(error) }, 'secret refresh failed; serving the cached copy');
        return { type: 'found', secret: expired.secret };
      }
      throw error;
    }
  }
}
