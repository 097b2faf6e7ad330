// Pull-secret parsing as kubelet's credentialprovider does it (`MakeDockerKeyring`, config.go):
//   - `kubernetes.io/dockerconfigjson` reads data key `.dockerconfigjson`, `{"auths": {...}}`;
//   - `kubernetes.io/dockercfg` reads data key `.dockercfg`, the legacy top-level map;
//   - any other type, a missing key or an empty value contributes nothing (no error);
//   - an entry's non-empty `auth` (base64 of `user:password`, split at the FIRST colon) replaces
//     its `username`/`password`; bad base64 or no colon fails the whole secret.
// Errors name the secret and the defect, never a value from it.
import { decodeAuthFieldBase64, decodeStdBase64 } from './base64.js';
import { BadPullSecretError, type BadSecretReason } from './errors.js';

export const SECRET_TYPE_DOCKER_CONFIG_JSON = 'kubernetes.io/dockerconfigjson';
export const SECRET_TYPE_DOCKERCFG = 'kubernetes.io/dockercfg';
export const DOCKER_CONFIG_JSON_KEY = '.dockerconfigjson';
export const DOCKERCFG_KEY = '.dockercfg';

/** The parts of a core/v1 Secret read here; `data` values are base64, as the API returns them. */
export interface PullSecretLike {
  readonly metadata?: { readonly name?: string; readonly namespace?: string };
  readonly type?: string;
  readonly data?: Readonly<Record<string, string>>;
}

export interface DockerConfigEntry {
  /** The key as written in the secret, e.g. `https://index.docker.io/v1/` or `*.example.com`. */
  readonly registryKey: string;
  readonly username: string;
  readonly password: string;
  /** The raw `auth` field when the entry had one (username/password are decoded from it). */
  readonly auth?: string;
  readonly email?: string;
  readonly identityToken?: string;
  readonly registryToken?: string;
}

export function secretRef(secret: PullSecretLike): string {
  return `${secret.metadata?.namespace ?? ''}/${secret.metadata?.name ?? ''}`;
}

/** True for the two secret types kubelet reads credentials from. */
export function isDockerConfigSecretType(type: string | undefined): boolean {
  return type === SECRET_TYPE_DOCKER_CONFIG_JSON || type === SECRET_TYPE_DOCKERCFG;
}

/** The entries of one pull secret, in document order. Throws BadPullSecretError. */
export function parsePullSecret(secret: PullSecretLike): DockerConfigEntry[] {
  const type = secret.type ?? '';
  const dataKey = type === SECRET_TYPE_DOCKER_CONFIG_JSON ? DOCKER_CONFIG_JSON_KEY : type === SECRET_TYPE_DOCKERCFG ? DOCKERCFG_KEY : undefined;
  const encoded = dataKey === undefined ? undefined : secret.data?.[dataKey];
  if (dataKey === undefined || encoded === undefined || encoded === '') return [];

  const fail = (reason: BadSecretReason, detail: string): never => {
    throw new BadPullSecretError(secretRef(secret), type, reason, detail);
  };
  const bytes = decodeStdBase64(encoded) ?? fail('badBase64', `data key ${dataKey} is not valid base64`);
  if (bytes.length === 0) return [];
  let document: unknown;
  try {
    document = JSON.parse(bytes.toString('utf8'));
  } catch {
    return fail('badJson', `data key ${dataKey} is not valid JSON`);
  }
  let auths: unknown = document;
  if (type === SECRET_TYPE_DOCKER_CONFIG_JSON) {
    if (document === null) return [];
    if (!isObject(document)) return fail('badShape', `data key ${dataKey} is not a JSON object`);
    auths = foldedField(document, 'auths') ?? null;
  }
  if (auths === null) return [];
  if (!isObject(auths)) return fail('badShape', `the registry map in ${dataKey} is not a JSON object`);

  const entries: DockerConfigEntry[] = [];
  let index = 0;
  for (const [registryKey, raw] of Object.entries(auths)) {
    entries.push(parseEntry(registryKey, raw, index, fail));
    index += 1;
  }
  return entries;
}

/** All entries of several secrets, in order. Secrets of other types contribute nothing. */
export function parsePullSecrets(secrets: readonly PullSecretLike[]): DockerConfigEntry[] {
  return secrets.flatMap((s) => parsePullSecret(s));
}

function parseEntry(registryKey: string, raw: unknown, index: number, fail: (reason: BadSecretReason, detail: string) => never): DockerConfigEntry {
  const where = `registry entry #${index + 1}`;
  if (raw === null) return { registryKey, username: '', password: '' };
  if (!isObject(raw)) return fail('badShape', `${where} is not a JSON object`);
  // kubelet's fields: a non-string fails the secret, as Go's json.Unmarshal does.
  const field = (name: string): string | undefined => {
    const value = foldedField(raw, name);
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') return fail('badShape', `${where} field ${name} is not a string`);
    return value;
  };
  // docker's token fields, unknown to kubelet: kept when they are strings, otherwise ignored.
  const extra = (name: string): string | undefined => {
    const value = foldedField(raw, name);
    return typeof value === 'string' ? value : undefined;
  };
  let username = field('username') ?? '';
  let password = field('password') ?? '';
  const auth = field('auth');
  const email = field('email');
  const identityToken = extra('identitytoken');
  const registryToken = extra('registrytoken');
  if (auth !== undefined && auth !== '') {
    const decoded = decodeAuthFieldBase64(auth) ?? fail('badAuthField', `${where} field auth is not valid base64`);
    const text = decoded.toString('utf8');
    const colon = text.indexOf(':');
    if (colon < 0) return fail('badAuthField', `${where} field auth must be formatted as base64(username:password)`);
    username = text.slice(0, colon);
    password = text.slice(colon + 1);
  }
  return {
    registryKey,
    username,
    password,
    ...(auth !== undefined && auth !== '' ? { auth } : {}),
    ...(email !== undefined ? { email } : {}),
    ...(identityToken !== undefined ? { identityToken } : {}),
    ...(registryToken !== undefined ? { registryToken } : {}),
  };
}

/** Go's encoding/json matches keys to fields case-insensitively; the last such key wins. */
function foldedField(object: Record<string, unknown>, name: string): unknown {
  let found: unknown;
  for (const [key, value] of Object.entries(object)) if (key.toLowerCase() === name) found = value;
  return found;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
