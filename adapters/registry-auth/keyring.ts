// A docker keyring with kubelet's BasicDockerKeyring semantics (pkg/credentialprovider/keyring.go):
//   add:    `http://`/`https://` is stripped from each key; a path starting `/v1/` or `/v2/` counts
//           as the host alone (`https://index.docker.io/v1/` → `index.docker.io`); a path other
//           than `` or `/` stays part of the key. Keys that do not parse are ignored. The index
//           is deduplicated and sorted in REVERSE lexical order, so `quay.io/coreos` comes before
//           `quay.io`; credentials under one key keep the order they were added in.
//   lookup: the image is normalised (`nginx` → `docker.io/library/nginx`), then every key that
//           matches (url-match.ts) contributes its credentials, in index order. Only when no key
//           matched and the image is on Docker Hub are the credentials stored under the key
//           `index.docker.io` used (kubelet's `isDefaultRegistryMatch` fallback).
// Note: kubelet has no `registry-1.docker.io` equivalence; such a key only matches that host.
import type { DockerConfigEntry } from './docker-config.js';
import { normaliseRepository } from './image-ref.js';
import { parseSchemelessUrl, urlsMatchStr } from './url-match.js';

/** CRI runtime.v1 AuthConfig (proto3: an unset string is ``). */
export interface AuthConfig {
  readonly username: string;
  readonly password: string;
  readonly auth: string;
  readonly server_address: string;
  readonly identity_token: string;
  readonly registry_token: string;
}

export interface KeyringLike {
  lookup(image: string): AuthConfig[];
}

export interface AddResult {
  readonly added: number;
  /** Entries whose registry key does not parse (kubelet logs and skips them). */
  readonly ignored: number;
}

export const DEFAULT_REGISTRY_KEY = 'index.docker.io';

export class Keyring implements KeyringLike {
  private index: string[] = [];
  private readonly creds = new Map<string, AuthConfig[]>();

  /**
   * @param fallbacks keyrings whose matches are appended after this one's (kubelet's
   *   unionDockerKeyring: secrets first, then the default providers and plugins).
   */
  constructor(private readonly fallbacks: readonly KeyringLike[] = []) {}

  add(entries: readonly DockerConfigEntry[]): AddResult {
    let added = 0;
    let ignored = 0;
    for (const entry of entries) {
      const key = keyringKey(entry.registryKey);
      if (key === undefined) {
        ignored += 1;
        continue;
      }
      const list = this.creds.get(key);
      if (list === undefined) this.creds.set(key, [toAuthConfig(entry)]);
      else list.push(toAuthConfig(entry));
      added += 1;
    }
    this.index = [...this.creds.keys()].sort(reverseLexical);
    return { added, ignored };
  }

  /** Index keys, most specific (reverse lexical) first. */
  keys(): readonly string[] {
    return this.index;
  }

  /** Every matching credential, most specific key first. Throws ImageReferenceError. */
  lookup(image: string): AuthConfig[] {
    const target = normaliseRepository(image);
    const found: AuthConfig[] = [];
    for (const key of this.index) if (urlsMatchStr(key, target)) found.push(...(this.creds.get(key) ?? []));
    if (found.length === 0 && isDefaultRegistryMatch(target)) found.push(...(this.creds.get(DEFAULT_REGISTRY_KEY) ?? []));
    for (const keyring of this.fallbacks) found.push(...keyring.lookup(image));
    return found;
  }
}

/** The index key kubelet derives from a docker config key; undefined when it does not parse. */
export function keyringKey(registryKey: string): string | undefined {
  const schemeless = registryKey.replace(/^https?:\/\//, '');
  const parsed = parseSchemelessUrl(schemeless);
  if (parsed === undefined) return undefined;
  let path = parsed.path;
  if (path.startsWith('/v1/') || path.startsWith('/v2/')) path = path.slice(3);
  return path === '' || path === '/' ? parsed.host : parsed.host + path;
}

/** kubelet's isDefaultRegistryMatch: would this (normalised or familiar) name pull from Docker Hub? */
export function isDefaultRegistryMatch(image: string): boolean {
  const slash = image.indexOf('/');
  const first = slash < 0 ? image : image.slice(0, slash);
  if (first === '') return false;
  if (slash < 0) return true;
  if (first === 'docker.io' || first === 'index.docker.io') return true;
  return !/[.:]/.test(first);
}

/**
 * Credentials as kubelet builds them from a secret entry: user name and password. `auth` and
 * `server_address` stay empty like kubelet's (containerd ignores an auth whose server_address is
 * not the pulled host, and a keyring key such as `host/team` is not a host). docker's token
 * fields, which kubelet drops, are carried for callers that choose to send them.
 */
function toAuthConfig(entry: DockerConfigEntry): AuthConfig {
  return {
    username: entry.username,
    password: entry.password,
    auth: '',
    server_address: '',
    identity_token: entry.identityToken ?? '',
    registry_token: entry.registryToken ?? '',
  };
}

// Go's sort.Reverse(sort.StringSlice): byte-wise comparison, descending.
function reverseLexical(a: string, b: string): number {
  return Buffer.compare(Buffer.from(b), Buffer.from(a));
}
