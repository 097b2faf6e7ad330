// The composition root's entry to the API server: load credentials the way controller-runtime
// does for the daemon (--kubeconfig, else $KUBECONFIG, else in-cluster, else ~/.kube/config) and
// hand out transports with upstream's user agents: `kruise-daemon` for the process and
// `kruise-daemon/<controller>` per controller (client-go's AddUserAgent), each with its own
// client-side throttle as client-go gives each client its own.
//
// Neither source loads client-node's KubeConfig module, which pulls in the whole generated API
// (~45 MiB, docs/architecture.md "Memory"): in a cluster (the daemon's normal case) in-cluster.ts
// reads the service account, and kubeconfig.ts reads a kubeconfig file. Only a kubeconfig that
// needs more than kubeconfig.ts handles (exec plugins, auth providers, proxies, several files
// in $KUBECONFIG) is loaded with KubeConfig, imported then and not before.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { inClusterAuth, isInCluster } from './in-cluster.js';
import { kubeconfigAuth } from './kubeconfig.js';
import { KubeTransport, type KubeAuthSource, type TransportOptions } from './transport.js';

export const DAEMON_USER_AGENT = 'kruise-daemon';

/** Upstream's per-controller user-agent suffixes (contract §1.5). */
export const CONTROLLER_NAMES = {
  imagePuller: 'kruise-daemon-imagepuller',
  crr: 'kruise-daemon-crr',
  podProbe: 'kruise-daemon-podprobe',
  containerMeta: 'kruise-daemon-containermeta',
} as const;

export interface KubeClientOptions {
  /** Default `kruise-daemon`. */
  readonly userAgent?: string;
  /** --rest-config-qps / --rest-config-burst: only values > 0 throttle (upstream leaves throttling off otherwise). */
  readonly qps?: number;
  readonly burst?: number;
  /** Default request deadline (30 s). */
  readonly timeoutMs?: number;
  /** Prefix for the service-account files (`loadFromCluster(prefix)`; Windows HostProcess pods need one). */
  readonly inClusterPrefix?: string;
}

export interface KubeClients {
  readonly server: string;
  /** Where the credentials came from, for the startup log (no secrets). */
  readonly credentials: string;
  /** The process's own client (`kruise-daemon`): discovery, server version. */
  readonly transport: KubeTransport;
  /** A controller's client, `kruise-daemon/<name>`; one per name. */
  forController(name: string): KubeTransport;
}

export function kubeClientsFrom(auth: KubeAuthSource, options: KubeClientOptions = {}, credentials = 'given'): KubeClients {
  const transportOptions: TransportOptions = {
    userAgent: options.userAgent ?? DAEMON_USER_AGENT,
    ...(options.qps !== undefined && options.qps > 0 ? { qps: options.qps } : {}),
    ...(options.burst !== undefined && options.burst > 0 ? { burst: options.burst } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  };
  const transport = new KubeTransport(auth, transportOptions);
  const perController = new Map<string, KubeTransport>();
  return {
    server: transport.server,
    credentials,
    transport,
    forController(name) {
      let t = perController.get(name);
      if (!t) {
        t = transport.withUserAgent(`${transportOptions.userAgent}/${name}`);
        perController.set(name, t);
      }
      return t;
    },
  };
}

/**
 * Clients as controller-runtime's loader finds credentials: the --kubeconfig file (`kubeconfig`),
 * else $KUBECONFIG, else the pod's service account, else ~/.kube/config.
 */
export async function kubeClients(kubeconfig: string | undefined, options: KubeClientOptions = {}): Promise<KubeClients> {
  if (!kubeconfig && !process.env.KUBECONFIG && isInCluster()) {
    return kubeClientsFrom(
      inClusterAuth({ ...(options.inClusterPrefix !== undefined ? { prefix: options.inClusterPrefix } : {}) }),
      options,
      'in-cluster service account',
    );
  }
  const { auth, credentials } = await kubeconfigCredentials(kubeconfig);
  return kubeClientsFrom(auth, options, credentials);
}

/** Credentials from the kubeconfig file `kubeconfig`, or $KUBECONFIG / ~/.kube/config when it is empty. */
export async function kubeconfigCredentials(kubeconfig: string | undefined): Promise<{ auth: KubeAuthSource; credentials: string }> {
  const files = kubeconfig ? [kubeconfig] : (process.env.KUBECONFIG ?? '').split(delimiter).filter((f) => f !== '');
  if (files.length === 0) {
    const home = join(homedir(), '.kube', 'config');
    if (!existsSync(home)) throw new Error('no kubeconfig and not running in a cluster');
    files.push(home);
  }
  let why = `${files.length} files to merge`;
  if (files.length === 1) {
    const light = kubeconfigAuth(files[0]!);
    if ('auth' in light) return { auth: light.auth, credentials: `kubeconfig ${files[0]}` };
    why = light.unsupported;
  }
  return { auth: await clientNodeKubeConfig(kubeconfig), credentials: `kubeconfig ${files.join(delimiter)} (client-node's loader, for ${why})` };
}

/** client-node's KubeConfig, for the kubeconfigs kubeconfig.ts leaves to it. */
async function clientNodeKubeConfig(kubeconfig: string | undefined): Promise<KubeAuthSource> {
  const { KubeConfig } = await import('@kubernetes/client-node/dist/config.js');
  const kc = new KubeConfig();
  if (kubeconfig) kc.loadFromFile(kubeconfig);
  else kc.loadFromDefault();
  if (!kc.getCurrentCluster()) throw new Error(kubeconfig ? `kubeconfig ${kubeconfig} has no current cluster` : 'no kubeconfig and not running in a cluster');
  return {
    getCurrentCluster: () => kc.getCurrentCluster(),
    async applyToHTTPSOptions(opts) {
      await kc.applyToHTTPSOptions(opts);
      // KubeConfig's agent opens a connection per request; the transport's keep-alive agents pool
      // them by the same TLS options. Only a proxy needs KubeConfig's own agent.
      if (!kc.getCurrentCluster()?.proxyUrl) delete opts.agent;
    },
  };
}
