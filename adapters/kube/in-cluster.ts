// In-cluster credentials without client-node's KubeConfig module, which drags in the whole
// generated API (~47 MiB of anonymous memory measured on Node 24, most of a 128 MiB budget).
// It does what client-go's rest.InClusterConfig (and `KubeConfig.loadFromCluster()`) does for a
// service account: the server from KUBERNETES_SERVICE_HOST/PORT, a bearer token re-read from its
// file every minute (bound tokens rotate), and the cluster CA, read once, as the only CA the API
// server's certificate is verified against (the process's default trust store is left alone).
import { readFileSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { isIPv6 } from 'node:net';
import type { KubeAuthSource } from './transport.js';

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface InClusterOptions {
  /** Prepended to the service-account paths (`KubeConfig.loadFromCluster(prefix)`; Windows HostProcess pods need one). */
  readonly prefix?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Overrides the server derived from the environment (tests, benchmarks). */
  readonly server?: string;
  readonly tokenRefreshMs?: number;
}

export function isInCluster(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  return Boolean(env.KUBERNETES_SERVICE_HOST && env.KUBERNETES_SERVICE_PORT);
}

export function inClusterAuth(options: InClusterOptions = {}): KubeAuthSource {
  const dir = `${options.prefix ?? ''}${SERVICE_ACCOUNT_DIR}`;
  const server = options.server ?? serverFromEnv(options.env ?? process.env);
  const ca = server.startsWith('https:') ? caCertificates(readFileSync(`${dir}/ca.crt`, 'utf8')) : undefined;
  const refreshMs = options.tokenRefreshMs ?? 60_000;
  let token: { value: string; readAt: number } | undefined;
  return {
    getCurrentCluster: () => ({ server }),
    async applyToHTTPSOptions(opts: RequestOptions): Promise<void> {
      const now = Date.now();
      if (!token || now - token.readAt >= refreshMs) token = { value: readFileSync(`${dir}/token`, 'utf8').trim(), readAt: now };
      opts.headers = { ...opts.headers, Authorization: `Bearer ${token.value}` };
      if (ca) opts.ca = ca;
    },
  };
}

function serverFromEnv(env: Readonly<Record<string, string | undefined>>): string {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) throw new Error('not in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set');
  // client-node's rule: these ports are plain HTTP, everything else HTTPS.
  const scheme = port === '80' || port === '8080' || port === '8001' ? 'http' : 'https';
  return `${scheme}://${isIPv6(host) ? `[${host}]` : host}:${port}`;
}

function caCertificates(pem: string): string[] {
  const certs = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (certs.length === 0) throw new Error('the service-account ca.crt holds no certificate');
  return certs;
}
