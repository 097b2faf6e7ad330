// What platforms an image offers, read from its registry over the distribution HTTP API
// (windows.md §2.7: resolve the manifest list before pulling gigabytes): GET
// /v2/<path>/manifests/<tag|digest> accepting OCI indexes, Docker manifest lists and single
// manifests. An index or list gives its entries' `platform`s; a single manifest gives its config
// blob's os/architecture/os.version. Credentials are the pull's (kubelet keyring order): a 401
// challenge is answered with Basic, or with a Bearer token fetched from the challenge's realm
// (service and `repository:<path>:pull` scope), each credential in turn; none means anonymous.
// HTTPS first; a loopback registry that does not speak TLS is asked over plain HTTP (as
// containerd's local test registries are). Anything that leaves the platforms unknown (unreachable,
// refused, not found, an answer that does not parse, the time budget spent) is reported with its
// reason, never thrown, so the caller can pull anyway. Reasons carry no credential or token.
import type { ImagePlatformEntry } from '../platform/image-platform.js';
import { parseRepository } from './image-ref.js';

export type PlatformsLookup =
  | { readonly type: 'found'; readonly kind: 'index' | 'manifest'; readonly entries: readonly ImagePlatformEntry[] }
  | { readonly type: 'unknown'; readonly reason: string };

/** The credential fields a registry needs (CRI's AuthConfig has them all). */
export interface RegistryCredential {
  readonly username?: string;
  readonly password?: string;
  /** base64 of `user:password`. */
  readonly auth?: string;
  /** A bearer token for the registry itself. */
  readonly registry_token?: string;
}

export interface ImagePlatformsOptions {
  /** Whole-lookup budget (default 10 s). */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  readonly fetch?: typeof fetch;
}

const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
];
const INDEX_TYPES = new Set(MANIFEST_TYPES.slice(0, 2));
const MAX_BODY_BYTES = 4 * 1024 * 1024;

class Unknown extends Error {}

const record = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

function entryOf(platform: Record<string, unknown>): ImagePlatformEntry {
  const variant = str(platform.variant);
  return { os: str(platform.os), architecture: str(platform.architecture), ...(variant ? { variant } : {}), osVersion: str(platform['os.version']) };
}

/** `host:port/path:tag` / `path@digest` → the API host, repository path and manifest reference. */
export function registryLocation(reference: string): { host: string; path: string; ref: string } {
  const { domain, path } = parseRepository(reference);
  const at = reference.indexOf('@');
  let ref = at >= 0 ? reference.slice(at + 1) : '';
  if (!ref) {
    const colon = reference.lastIndexOf(':');
    ref = colon > reference.lastIndexOf('/') ? reference.slice(colon + 1) : 'latest';
  }
  return { host: domain === 'docker.io' ? 'registry-1.docker.io' : domain, path, ref };
}

const isLoopback = (host: string): boolean => /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/.test(host);

/** Parses `Bearer realm="…",service="…"` / `Basic realm="…"`. */
export function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const space = header.indexOf(' ');
  const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
  const params: Record<string, string> = {};
  for (const m of header.slice(space + 1).matchAll(/([A-Za-z_]+)=(?:"([^"]*)"|([^,\s]*))/g)) params[m[1]!.toLowerCase()] = m[2] ?? m[3] ?? '';
  return { scheme, params };
}

function basicOf(credential: RegistryCredential | undefined): string | undefined {
  if (!credential) return undefined;
  if (credential.username || credential.password) return Buffer.from(`${credential.username ?? ''}:${credential.password ?? ''}`).toString('base64');
  return credential.auth || undefined;
}

/** One registry conversation with one credential (or none): the scheme and authorization found stick. */
class Session {
  private base: string | undefined;
  private authorization: string | undefined;

  constructor(
    private readonly host: string,
    private readonly path: string,
    private readonly credential: RegistryCredential | undefined,
    private readonly signal: AbortSignal,
    private readonly doFetch: typeof fetch,
  ) {
    if (credential?.registry_token) this.authorization = `Bearer ${credential.registry_token}`;
  }

  async json(resource: string, accept: string): Promise<{ body: Record<string, unknown>; contentType: string }> {
    let res = await this.send(resource, accept);
    if (res.status === 401 && this.authorization === undefined) {
      this.authorization = await this.answer(res.headers.get('www-authenticate') ?? '');
      if (this.authorization !== undefined) res = await this.send(resource, accept);
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new Unknown(`the registry answered ${res.status}${res.statusText ? ` ${res.statusText}` : ''} for ${resource}`);
    }
    const text = await res.text();
    if (text.length > MAX_BODY_BYTES) throw new Unknown(`${resource} is larger than a manifest can be`);
    try {
      return { body: record(JSON.parse(text)), contentType: (res.headers.get('content-type') ?? '').split(';')[0]!.trim() };
    } catch {
      throw new Unknown(`${resource} is not JSON`);
    }
  }

  private async send(resource: string, accept: string): Promise<Response> {
    const headers: Record<string, string> = { Accept: accept };
    if (this.authorization) headers.Authorization = this.authorization;
    const at = (base: string) => this.doFetch(`${base}/v2/${this.path}/${resource}`, { headers, signal: this.signal, redirect: 'follow' });
    if (this.base) return at(this.base);
    try {
      const res = await at(`https://${this.host}`);
      this.base = `https://${this.host}`;
      return res;
    } catch (error) {
      if (this.signal.aborted || !isLoopback(this.host)) throw new Unknown(`${this.host} cannot be reached: ${causeOf(error)}`);
    }
    try {
      const res = await at(`http://${this.host}`);
      this.base = `http://${this.host}`;
      return res;
    } catch (error) {
      throw new Unknown(`${this.host} cannot be reached: ${causeOf(error)}`);
    }
  }

  /** The Authorization header that answers a 401 challenge, or undefined when there is none to give. */
  private async answer(header: string): Promise<string | undefined> {
    const { scheme, params } = parseChallenge(header);
    const basic = basicOf(this.credential);
    if (scheme === 'basic') return basic ? `Basic ${basic}` : undefined;
    if (scheme !== 'bearer' || !params.realm) return undefined;
    const url = new URL(params.realm);
    if (params.service) url.searchParams.set('service', params.service);
    url.searchParams.set('scope', params.scope ?? `repository:${this.path}:pull`);
    let res: Response;
    try {
      res = await this.doFetch(url, { headers: basic ? { Authorization: `Basic ${basic}` } : {}, signal: this.signal });
    } catch (error) {
      throw new Unknown(`the token service ${url.host} cannot be reached: ${causeOf(error)}`);
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new Unknown(`the token service ${url.host} answered ${res.status}`);
    }
    const body = record(await res.json().catch(() => ({})));
    const token = str(body.token) || str(body.access_token);
    return token ? `Bearer ${token}` : undefined;
  }
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

async function lookupWith(credential: RegistryCredential | undefined, reference: string, signal: AbortSignal, doFetch: typeof fetch): Promise<PlatformsLookup> {
  const { host, path, ref } = registryLocation(reference);
  const session = new Session(host, path, credential, signal, doFetch);
  const { body, contentType } = await session.json(`manifests/${ref}`, MANIFEST_TYPES.join(', '));
  const mediaType = str(body.mediaType) || contentType;
  if (INDEX_TYPES.has(mediaType) || Array.isArray(body.manifests)) {
    const entries = (Array.isArray(body.manifests) ? body.manifests : []).map((m) => entryOf(record(record(m).platform)));
    return { type: 'found', kind: 'index', entries };
  }
  const config = str(record(body.config).digest);
  if (!config) throw new Unknown(`the manifest of ${reference} (${mediaType || 'no media type'}) names no config`);
  const blob = await session.json(
    `blobs/${config}`,
    'application/vnd.oci.image.config.v1+json, application/vnd.docker.container.image.v1+json, application/json',
  );
  return { type: 'found', kind: 'manifest', entries: [entryOf(blob.body)] };
}

/** The platforms `reference` offers, trying `credentials` in order (none: anonymous). Throws only the caller's abort reason. */
export async function imagePlatforms(
  reference: string,
  credentials: readonly RegistryCredential[],
  options: ImagePlatformsOptions = {},
): Promise<PlatformsLookup> {
  const budget = AbortSignal.timeout(options.timeoutMs ?? 10_000);
  const signal = options.signal ? AbortSignal.any([options.signal, budget]) : budget;
  const doFetch = options.fetch ?? fetch;
  const reasons: string[] = [];
  for (const credential of credentials.length > 0 ? credentials : [undefined]) {
    try {
      return await lookupWith(credential, reference, signal, doFetch);
    } catch (error) {
      if (budget.aborted) return { type: 'unknown', reason: `no answer from the registry within ${options.timeoutMs ?? 10_000} ms` };
      if (options.signal?.aborted) throw options.signal.reason;
      reasons.push(error instanceof Unknown ? error.message : `reading the image index failed: ${causeOf(error)}`);
    }
  }
  return { type: 'unknown', reason: [...new Set(reasons)].join('; ') };
}
