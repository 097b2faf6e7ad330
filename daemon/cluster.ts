// The daemon's view of the cluster at startup (contract §1.5): clients from --kubeconfig (else
// in-cluster) with upstream's user agents and QPS/burst overrides, the server version (fatal when
// unreachable, as upstream), the served kruise versions (v1beta1 when served, else v1alpha1), and
// the informers every controller watches, registered as /healthz checks under upstream's names.
// Observations are also logged (debug) and counted here; the features subscribe to the same informers.
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
import type { DaemonFlags } from './flags.js';
import type { HealthCheck, MetricSource } from './http.js';

export interface ClusterView {
  readonly clients: KubeClients;
  readonly versions: KruiseVersions;
  readonly informers: ReadonlyMap<string, Informer<KubeObject>>;
  stop(): void;
}

export async function connectCluster(flags: DaemonFlags, logger: Logger, checks: Map<string, HealthCheck>, metrics: MetricSource[]): Promise<ClusterView> {
  const clients = await kubeClients(flags.kubeconfig || undefined, { qps: flags.restConfigQps, burst: flags.restConfigBurst });
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
