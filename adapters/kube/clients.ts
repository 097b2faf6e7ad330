// The composition root's entry to the API server: load credentials the way controller-runtime
// does for the daemon (--kubeconfig, else $KUBECONFIG, else in-cluster, else ~/.kube/config) and
// hand out transports with upstream's user agents: `kruise-daemon` for the process and
// `kruise-daemon/<controller>` per controller (client-go's AddUserAgent), each with its own
// client-side throttle as client-go gives each client its own.
//
// client-node's KubeConfig module pulls in the whole generated API (~47 MiB of anonymous memory,
// ts-stack.md §9), so it is imported here, lazily, only for kubeconfig files; in a cluster (the
// daemon's normal case) the light service-account source of in-cluster.ts is used instead.
import type { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import { inClusterAuth, isInCluster } from './in-cluster.js';
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
  /** The process's own client (`kruise-daemon`): discovery, server version. */
  readonly transport: KubeTransport;
  /** A controller's client, `kruise-daemon/<name>`; one per name. */
  forController(name: string): KubeTransport;
}

export function kubeClientsFrom(auth: KubeAuthSource, options: KubeClientOptions = {}): KubeClients {
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
    transport,
    forController(name) {
      let t = perController.get(name);
      if (!t) perController.set(name, (t = transport.withUserAgent(`${transportOptions.userAgent}/${name}`)));
      return t;
    },
  };
}

/**
 * Clients as controller-runtime's loader finds credentials: the --kubeconfig file (`kubeconfig`),
 * else $KUBECONFIG, else the pod's service account, else ~/.kube/config.
 */
export async function kubeClients(kubeconfig: string | undefined, options: KubeClientOptions = {}): Promise<KubeClients> {
  const useServiceAccount = !kubeconfig && !process.env.KUBECONFIG && isInCluster();
  const auth = useServiceAccount ? inClusterAuth({ ...(options.inClusterPrefix !== undefined ? { prefix: options.inClusterPrefix } : {}) }) : await loadKubeConfig(kubeconfig);
  return kubeClientsFrom(auth, options);
}

/** A client-node KubeConfig from a file, or $KUBECONFIG / ~/.kube/config when `kubeconfig` is empty. */
export async function loadKubeConfig(kubeconfig: string | undefined): Promise<KubeConfig> {
  const { KubeConfig } = await import('@kubernetes/client-node/dist/config.js');
  const kc = new KubeConfig();
  if (kubeconfig) kc.loadFromFile(kubeconfig);
  else kc.loadFromDefault();
  if (!kc.getCurrentCluster()) throw new Error(kubeconfig ? `kubeconfig ${kubeconfig} has no current cluster` : 'no kubeconfig and not running in a cluster');
  return kc;
}
