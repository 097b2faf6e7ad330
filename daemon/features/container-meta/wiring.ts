// The container-meta feature in the daemon (contract §7): runs when gate DaemonWatchingPod made the
// pod informer, as upstream's containermeta controller does (gate InPlaceUpdateEnvFromMetadata
// decides only whether env hashes are computed and stale containers restarted). Its API client
// (user agent kruise-daemon/kruise-daemon-containermeta) patches the annotation and records the
// restarter's events; every discovered runtime serves the pods whose container IDs name it; the
// platform profile says how to read an environment by exec when the runtime gives no OCI spec
// (`env` or `cmd /c set`) and how to word preStop output. Effects are bound before the engine opens
// its log (recovery may start them), so they wait on a deferred barrier that `start()` hands the
// log to.
import type { Logger } from 'pino';
import type { DiscoveredRuntime } from '../../../adapters/cri/index.js';
import { CONTROLLER_NAMES, EventRecorder, PodAnnotationWriter } from '../../../adapters/kube/index.js';
import type { PlatformProfile } from '../../../adapters/platform/index.js';
import { bindContainerMeta } from '../../../effects/container-meta/index.js';
import { deferredBarrier } from '../../../effects/deferred-barrier.js';
import { containerMetaPodMachine } from '../../../machines/container-meta/container-meta-pod.machine.js';
import type { ContainerMetaTiming } from '../../../machines/container-meta/types.js';
import type { ClusterView } from '../../cluster.js';
import type { RunningEngine } from '../../engine-start.js';
import type { FeatureWiring } from '../../engine-wiring.js';
import type { DaemonFlags } from '../../flags.js';
import { createContainerMetaController, type ContainerMetaController } from './controller.js';

export interface WiredContainerMeta {
  readonly wiring: FeatureWiring;
  readonly controller: ContainerMetaController;
  start(engine: RunningEngine): void;
  stop(): Promise<void>;
}

export interface ContainerMetaWiringOptions {
  /** The machines' timers (tests shorten them); default upstream's. */
  readonly timing?: ContainerMetaTiming;
}

/** The feature, or undefined when gate DaemonWatchingPod is off (no pod informer: upstream runs no containermeta controller then). */
export function wireContainerMeta(
  flags: DaemonFlags,
  profile: PlatformProfile,
  cluster: ClusterView,
  runtimes: readonly DiscoveredRuntime[],
  logger: Logger,
  options: ContainerMetaWiringOptions = {},
): WiredContainerMeta | undefined {
  const podInformer = cluster.informers.get('podInformerSynced');
  if (!podInformer) return undefined;
  const transport = cluster.clients.forController(CONTROLLER_NAMES.containerMeta);
  const log = logger.child({ component: 'containermeta' });
  const events = new EventRecorder({ transport, host: flags.nodeName, logger: log });
  const writer = new PodAnnotationWriter({ transport });
  const barrier = deferredBarrier();
  // The first runtime of a name serves it, as discovery orders them.
  const byName = new Map<string, DiscoveredRuntime['client']>();
  for (const r of runtimes) if (!byName.has(r.runtimeName)) byName.set(r.runtimeName, r.client);
  const controller = createContainerMetaController({
    podInformer,
    runtimeNames: [...byName.keys()],
    envFromMetadata: flags.featureGates.enabled('InPlaceUpdateEnvFromMetadata'),
    ...(options.timing ? { timing: options.timing } : {}),
    now: Date.now,
    logger: log,
  });
  return {
    controller,
    wiring: {
      machines: [containerMetaPodMachine.id],
      bind: bindContainerMeta({ barrier, now: Date.now, criFor: (name) => byName.get(name), platform: profile, events, writer, logger: log }),
      onStopped: controller.onStopped,
      onEmitted: controller.onEmitted,
    },
    start(engine) {
      barrier.resolve(engine.log);
      controller.start(engine.host);
    },
    async stop() {
      controller.stop();
      await events.idle();
    },
  };
}
