// In-cluster credentials without client-node's KubeConfig module, which drags in the whole
// generated API (~47 MiB of anonymous memory measured on Node 24, most of a 128 MiB budget).
// It does what `KubeConfig.loadFromCluster()` does for a service account: the server from
// KUBERNETES_SERVICE_HOST/PORT, a bearer token re-read from its file every minute (bound tokens
// rotate), and the cluster CA. Requests still go through client-node's request context and fetch.
//
// Trade-off: the CA is added to the process's default trust store (tls.setDefaultCACertificates)
// rather than to a private dispatcher, because building one needs undici, which this project
// does not depend on directly. The daemon makes no other TLS connections from Node that would
// trust less with it (pulls go through containerd), so the widening is confined to the cluster CA.
import { readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import type { RequestContext } from '@kubernetes/client-node/dist/gen/http/http.js';
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
  if (server.startsWith('https:')) trustCa(readFileSync(`${dir}/ca.crt`, 'utf8'));
  const refreshMs = options.tokenRefreshMs ?? 60_000;
  let token: { value: string; readAt: number } | undefined;
  return {
    getCurrentCluster: () => ({ server }),
    async applySecurityAuthentication(context: RequestContext): Promise<void> {
      const now = Date.now();
      if (!token || now - token.readAt >= refreshMs) token = { value: readFileSync(`${dir}/token`, 'utf8').trim(), readAt: now };
      context.setHeaderParam('Authorization', `Bearer ${token.value}`);
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

function trustCa(pem: string): void {
  const certs = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (certs.length === 0) throw new Error('the service-account ca.crt holds no certificate');
  const current = getCACertificates('default');
  const known = new Set(current.map((c) => c.trim()));
  setDefaultCACertificates([...current, ...certs.filter((c) => !known.has(c.trim()))]);
}
