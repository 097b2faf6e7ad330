// Credentials from a kubeconfig file without client-node's KubeConfig module (which loads the
// whole generated API, ~45 MiB; docs/architecture.md, "Memory"), for what kubeconfigs for a node
// agent hold: the current context's server, its CA (inline or a file), insecure-skip-tls-verify,
// tls-server-name, and a user with a bearer token (inline or a file re-read every minute), a
// client certificate and key (inline or files), or a username and password. Relative paths are
// relative to the kubeconfig's directory, as in client-go.
//
// A file needing more (an exec plugin, an auth provider, a proxy, impersonation) or written in
// YAML beyond kubeconfig-yaml.ts's subset is reported as unsupported with the reason, and
// clients.ts loads it with client-node's KubeConfig instead, lazily: only such files pay for it.
import { readFileSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { dirname, resolve } from 'node:path';
import { parseKubeconfigYaml, YamlSubsetError, type YamlValue } from './kubeconfig-yaml.js';
import type { KubeAuthSource } from './transport.js';

export type KubeconfigCredentials = { readonly auth: KubeAuthSource } | { readonly unsupported: string };

type Fields = { readonly [key: string]: YamlValue };

/** Fields whose behaviour this module does not implement: their presence sends the file to client-node. */
const CLUSTER_NEEDS_CLIENT_NODE = ['proxy-url'];
const USER_NEEDS_CLIENT_NODE = ['exec', 'auth-provider', 'as', 'as-uid', 'as-groups', 'as-user-extra'];

export function kubeconfigAuth(file: string, options: { tokenRefreshMs?: number } = {}): KubeconfigCredentials {
  let root: YamlValue;
  try {
    root = parseKubeconfigYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    if (error instanceof YamlSubsetError) return { unsupported: `its YAML (${error.message})` };
    throw error;
  }
  const config = fields(root, `kubeconfig ${file}`);
  const contextName = text(config['current-context']);
  const context = contextName === undefined ? undefined : named(config.contexts, 'context', contextName);
  const clusterName = context && text(context.cluster);
  const cluster = clusterName === undefined ? undefined : named(config.clusters, 'cluster', clusterName);
  const server = cluster && text(cluster.server);
  if (!cluster || !server) throw new Error(`kubeconfig ${file} has no current cluster`);
  const userName = context && text(context.user);
  const user = (userName !== undefined ? named(config.users, 'user', userName) : undefined) ?? {};
  const special = [...CLUSTER_NEEDS_CLIENT_NODE.filter((k) => cluster[k] != null), ...USER_NEEDS_CLIENT_NODE.filter((k) => user[k] != null)];
  if (special.length > 0) return { unsupported: special.join(', ') };

  const dir = dirname(file);
  const fromFile = (path: string) => readFileSync(resolve(dir, path));
  const dataOrFile = (data: YamlValue | undefined, path: YamlValue | undefined): Buffer | undefined => {
    const inline = text(data);
    if (inline !== undefined) return Buffer.from(inline, 'base64');
    const p = text(path);
    return p === undefined ? undefined : fromFile(p);
  };
  const insecure = bool(cluster['insecure-skip-tls-verify'], 'insecure-skip-tls-verify');
  const tls: RequestOptions = {};
  if (server.startsWith('https:')) {
    const ca = insecure ? undefined : dataOrFile(cluster['certificate-authority-data'], cluster['certificate-authority']);
    const cert = dataOrFile(user['client-certificate-data'], user['client-certificate']);
    const key = dataOrFile(user['client-key-data'], user['client-key']);
    const servername = text(cluster['tls-server-name']);
    if ((cert === undefined) !== (key === undefined)) throw new Error(`kubeconfig ${file}: a client certificate needs its key, and a key its certificate`);
    Object.assign(tls, ca && { ca }, cert && { cert, key }, insecure && { rejectUnauthorized: false }, servername && { servername });
  }

  const token = text(user.token);
  const tokenFile = text(user.tokenFile);
  const username = text(user.username);
  if ((token !== undefined || tokenFile !== undefined) && username !== undefined)
    throw new Error(`kubeconfig ${file}: a user has a username/password or a bearer token, not both`);
  const basic = username === undefined ? undefined : `Basic ${Buffer.from(`${username}:${text(user.password) ?? ''}`).toString('base64')}`;
  const refreshMs = options.tokenRefreshMs ?? 60_000;
  let cached: { value: string; readAt: number } | undefined;
  const authorization = (): string | undefined => {
    if (token !== undefined) return `Bearer ${token}`;
    if (tokenFile !== undefined) {
      const now = Date.now();
      if (!cached || now - cached.readAt >= refreshMs) cached = { value: fromFile(tokenFile).toString('utf8').trim(), readAt: now };
      return `Bearer ${cached.value}`;
    }
    return basic;
  };
  return {
    auth: {
      getCurrentCluster: () => ({ server }),
      async applyToHTTPSOptions(opts: RequestOptions): Promise<void> {
        const value = authorization();
        if (value !== undefined) opts.headers = { ...opts.headers, Authorization: value };
        Object.assign(opts, tls);
      },
    },
  };
}

function fields(value: YamlValue | undefined, what: string): Fields {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${what} is not a mapping`);
  return value;
}

function text(value: YamlValue | undefined): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function bool(value: YamlValue | undefined, what: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  throw new Error(`${what} must be true or false, got ${JSON.stringify(value)}`);
}

/** The `inner` mapping of the entry called `name` in a kubeconfig list (`clusters`, `contexts`, `users`). */
function named(list: YamlValue | undefined, inner: string, name: string): Fields | undefined {
  if (!Array.isArray(list)) return undefined;
  for (const entry of list) {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry) || entry.name !== name) continue;
    const value = entry[inner];
    return value === null || value === undefined ? {} : fields(value, `${inner} ${name}`);
  }
  return undefined;
}
