// Credentials from a kubeconfig file without client-node's KubeConfig module (which loads the
// whole generated API, ~45 MiB; docs/architecture.md, "Memory"), for what kubeconfigs for a node
// agent hold: the current context's server, its CA (inline or a file), insecure-skip-tls-verify,
// tls-server-name, and a user with a bearer token (inline or a file re-read every minute), a
// client certificate and key (inline or files), or a username and password. Relative paths are
// relative to the kubeconfig's directory, as in client-go. The YAML is read by js-yaml (the
// parser client-node uses too), with YAML merge keys, as Go's YAML reads them.
//
// A file needing more (an exec plugin, an auth provider, a proxy, impersonation) is reported as
// unsupported with the reason, and clients.ts loads it with client-node's KubeConfig instead,
// lazily: only such files pay for it. Fields are typed as client-go types them: a number where a
// string belongs is an error, as it is for client-go, naming the field but never its value.
import { readFileSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import type { Schema } from 'js-yaml';
import type { KubeAuthSource } from './transport.js';

export type KubeconfigCredentials = { readonly auth: KubeAuthSource } | { readonly unsupported: string };

type Fields = { readonly [key: string]: unknown };

/** Fields whose behaviour this module does not implement: their presence sends the file to client-node. */
const CLUSTER_NEEDS_CLIENT_NODE = ['proxy-url'];
const USER_NEEDS_CLIENT_NODE = ['exec', 'auth-provider', 'as', 'as-uid', 'as-groups', 'as-user-extra'];

// js-yaml is loaded on the first kubeconfig read (synchronously, as logger.ts loads pino-pretty): a
// daemon on its service account, as the DaemonSet runs, never carries it.
let yaml: { readonly lib: typeof import('js-yaml'); readonly schema: Schema } | undefined;
function yamlLib(): NonNullable<typeof yaml> {
  if (yaml === undefined) {
    const lib = createRequire(import.meta.url)('js-yaml') as typeof import('js-yaml');
    yaml = { lib, schema: lib.CORE_SCHEMA.withTags(lib.mergeTag) };
  }
  return yaml;
}

/**
 * The file's YAML (or JSON) as data. A syntax error names the line and column only: js-yaml's own
 * message quotes the offending lines, which may hold a token.
 */
export function readKubeconfigYaml(text: string, file: string): unknown {
  const { lib, schema } = yamlLib();
  try {
    return lib.load(text, { schema });
  } catch (error) {
    if (!(error instanceof lib.YAMLException)) throw error;
    const at = error.mark ? ` at line ${error.mark.line + 1}, column ${error.mark.column + 1}` : '';
    throw new Error(`kubeconfig ${file} is not valid YAML: ${error.reason}${at}`);
  }
}

export function kubeconfigAuth(file: string, options: { tokenRefreshMs?: number } = {}): KubeconfigCredentials {
  const where = `kubeconfig ${file}`;
  const config = fields(readKubeconfigYaml(readFileSync(file, 'utf8'), file), where);
  const text = (owner: Fields, key: string, path: string): string | undefined => stringField(owner[key], `${where}: ${path}${key}`);
  const contextName = text(config, 'current-context', '');
  const context = contextName === undefined ? undefined : named(config.contexts, 'context', contextName, where);
  const contextPath = `contexts[${JSON.stringify(contextName)}].context.`;
  const clusterName = context && text(context, 'cluster', contextPath);
  const cluster = clusterName === undefined ? undefined : named(config.clusters, 'cluster', clusterName, where);
  const clusterPath = `clusters[${JSON.stringify(clusterName)}].cluster.`;
  const server = cluster && text(cluster, 'server', clusterPath);
  if (!cluster || !server) throw new Error(`kubeconfig ${file} has no current cluster`);
  const userName = context && text(context, 'user', contextPath);
  const user = (userName !== undefined ? named(config.users, 'user', userName, where) : undefined) ?? {};
  const userPath = `users[${JSON.stringify(userName)}].user.`;
  const special = [...CLUSTER_NEEDS_CLIENT_NODE.filter((k) => cluster[k] != null), ...USER_NEEDS_CLIENT_NODE.filter((k) => user[k] != null)];
  if (special.length > 0) return { unsupported: special.join(', ') };

  const dir = dirname(file);
  const fromFile = (path: string) => readFileSync(resolve(dir, path));
  const dataOrFile = (owner: Fields, path: string, dataKey: string, fileKey: string): Buffer | undefined => {
    const inline = text(owner, dataKey, path);
    if (inline !== undefined) return Buffer.from(inline, 'base64');
    const p = text(owner, fileKey, path);
    return p === undefined ? undefined : fromFile(p);
  };
  const insecure = boolField(cluster['insecure-skip-tls-verify'], `${where}: ${clusterPath}insecure-skip-tls-verify`);
  const tls: RequestOptions = {};
  if (server.startsWith('https:')) {
    const ca = insecure ? undefined : dataOrFile(cluster, clusterPath, 'certificate-authority-data', 'certificate-authority');
    const cert = dataOrFile(user, userPath, 'client-certificate-data', 'client-certificate');
    const key = dataOrFile(user, userPath, 'client-key-data', 'client-key');
    const servername = text(cluster, 'tls-server-name', clusterPath);
    if ((cert === undefined) !== (key === undefined)) throw new Error(`kubeconfig ${file}: a client certificate needs its key, and a key its certificate`);
    Object.assign(tls, ca && { ca }, cert && { cert, key }, insecure && { rejectUnauthorized: false }, servername && { servername });
  }

  const token = text(user, 'token', userPath);
  const tokenFile = text(user, 'tokenFile', userPath);
  const username = text(user, 'username', userPath);
  if ((token !== undefined || tokenFile !== undefined) && username !== undefined)
    throw new Error(`kubeconfig ${file}: a user has a username/password or a bearer token, not both`);
  const basic = username === undefined ? undefined : `Basic ${Buffer.from(`${username}:${text(user, 'password', userPath) ?? ''}`).toString('base64')}`;
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

function fields(value: unknown, what: string): Fields {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${what} is not a mapping`);
  return value as Fields;
}

/** A string field as client-go reads it: absent, null or '' is unset; a number or a boolean is an error (quote it). */
function stringField(value: unknown, what: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') return value;
  throw new Error(
    `${what} must be a string, not ${Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'a mapping' : `a ${typeof value}`} (quote it)`,
  );
}

// YAML 1.1's booleans, which Go's YAML reads (js-yaml reads YAML 1.2, where `yes` is a string).
const YAML11_TRUE = /^(y|Y|yes|Yes|YES|on|On|ON)$/;
const YAML11_FALSE = /^(n|N|no|No|NO|off|Off|OFF)$/;

function boolField(value: unknown, what: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && YAML11_TRUE.test(value)) return true;
  if (typeof value === 'string' && YAML11_FALSE.test(value)) return false;
  throw new Error(`${what} must be true or false, got ${JSON.stringify(value)}`);
}

/** The `inner` mapping of the entry called `name` in a kubeconfig list (`clusters`, `contexts`, `users`). */
function named(list: unknown, inner: string, name: string, where: string): Fields | undefined {
  if (!Array.isArray(list)) return undefined;
  for (const entry of list as unknown[]) {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry) || (entry as Fields).name !== name) continue;
    const value = (entry as Fields)[inner];
    return value === null || value === undefined ? {} : fields(value, `${where}: ${inner} ${name}`);
  }
  return undefined;
}
