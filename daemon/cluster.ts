// The daemon's view of the cluster at startup (contract §1.5): clients from --kubeconfig (else
// in-cluster) with upstream's user agents and QPS/burst overrides, the server version (fatal when
// unreachable, as upstream), the served kruise versions (v1beta1 when served, else v1alpha1), and
// the informers every controller watches, registered as /healthz checks under upstream's names.
// Observations are also logged (debug) and counted here; the features subscribe to the same informers.
// In a pod, where the service-account files are is the platform's choice (windows.md §3.2): on
// Linux the projected volume's path; in a Windows HostProcess pod the system drive in bind mode
// (containerd ≥ 1.7) or %CONTAINER_SANDBOX_MOUNT_POINT% in the older symlink mode, whichever
// holds the token.
import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Subscription } from 'rxjs';
import {
  chooseKruiseVersions,
  CONTROLLER_NAMES,
  crrInformer,
  kubeClients,
  nodeImageInformer,
  nodePodProbeInformer,
  podInformer,
  serverVersion,
  type Informer,
  type KruiseVersions,
  type KubeClients,
  type KubeObject,
} from '../adapters/kube/index.js';
import { isInCluster } from '../adapters/kube/index.js';
import { pickServiceAccount, platformOsOf, platformProfile, type PlatformProfile, type ServiceAccountCandidate } from '../adapters/platform/index.js';
import type { DaemonFlags } from './flags.js';
import type { HealthCheck, MetricSource } from './http.js';

export interface ClusterView {
  readonly clients: KubeClients;
  readonly versions: KruiseVersions;
  readonly informers: ReadonlyMap<string, Informer<KubeObject>>;
  stop(): void;
}

/**
 * The prefix of the service-account files when the daemon runs in a pod with no kubeconfig (the
 * platform's candidates, first whose token exists), or undefined when credentials come from a
 * kubeconfig. Throws, naming every place looked at, when in a pod and no candidate has a token.
 */
export async function serviceAccountPrefix(
  flags: Pick<DaemonFlags, 'kubeconfig'>,
  profile: Pick<PlatformProfile, 'paths'>,
  env: Readonly<Record<string, string | undefined>> = process.env,
  exists: (file: string) => boolean | Promise<boolean> = existsSync,
): Promise<ServiceAccountCandidate | undefined> {
  if (flags.kubeconfig || env.KUBECONFIG || !isInCluster(env)) return undefined;
  const candidates = profile.paths.serviceAccountCandidates();
  const found = await pickServiceAccount(candidates, exists);
  if (found === undefined)
    throw new Error(
      `in a pod (KUBERNETES_SERVICE_HOST is set) but no service-account token at ${candidates.map((c) => `${c.tokenFile} (${c.why})`).join(', ')}`,
    );
  return found;
}

export async function connectCluster(
  flags: DaemonFlags,
  logger: Logger,
  checks: Map<string, HealthCheck>,
  metrics: MetricSource[],
  profile: Pick<PlatformProfile, 'paths'> = platformProfile(platformOsOf(process.platform)),
): Promise<ClusterView> {
  const account = await serviceAccountPrefix(flags, profile);
  if (account) logger.info({ tokenFile: account.tokenFile, why: account.why }, 'service account found');
  const clients = await kubeClients(flags.kubeconfig || undefined, {
    qps: flags.restConfigQps,
    burst: flags.restConfigBurst,
    ...(account ? { inClusterPrefix: account.prefix } : {}),
  });
  const version = await serverVersion(clients.transport);
  const versions = await chooseKruiseVersions(clients.transport);
  logger.info({ server: clients.server, version: version.gitVersion, kruise: versions }, 'connected to the API server');

  const node = flags.nodeName;
  const kubeLogger = logger.child({ component: 'kube' });
  const informers = new Map<string, Informer<KubeObject>>([
    ['nodeImageInformerSynced', nodeImageInformer(clients.forController(CONTROLLER_NAMES.imagePuller), node, versions.nodeImage, { logger: kubeLogger })],
    ['crrInformerSynced', crrInformer(clients.forController(CONTROLLER_NAMES.crr), node, versions.crr, { logger: kubeLogger })],
  ]);
  if (flags.featureGates.enabled('PodProbeMarkerGate')) {
    informers.set('nodePodProbeInformerSynced', nodePodProbeInformer(clients.forController(CONTROLLER_NAMES.podProbe), node, { logger: kubeLogger }));
  }
  if (flags.featureGates.enabled('DaemonWatchingPod')) {
    informers.set('podInformerSynced', podInformer(clients.forController(CONTROLLER_NAMES.containerMeta), node, { logger: kubeLogger }));
  }
  const subscriptions: Subscription[] = [];
  let observations = 0;
  for (const [check, informer] of informers) {
    checks.set(check, informer.healthCheck());
    subscriptions.push(
      informer.subscribe({
        next: (observation) => {
          observations += 1;
          logger.debug({ informer: check.replace(/InformerSynced$/, ''), type: observation.type, key: observation.key }, 'observed');
        },
        error: (error: unknown) => logger.error({ check, err: error }, 'informer ended with an error'),
      }),
    );
  }
  metrics.push({ name: 'kruised_kube_observations_total', help: 'Observations delivered by the informers.', type: 'counter', value: () => observations });
  return {
    clients,
    versions,
    informers,
    stop: () => {
      for (const s of subscriptions) s.unsubscribe();
    },
  };
}
