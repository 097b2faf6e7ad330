// The CRR feature in the daemon: its API client (user agent kruise-daemon/kruise-daemon-crr) for
// status writes (the CRR writer), events and pod reads, the EventRecorder for `Killing` /
// `FailedPreStopHook` / `LifecycleHTTPFallback`, the CRR workers (`--crr-workers`), the machines'
// timing (`--crr-min-backoff`, `--crr-max-backoff`, the CRI deadline) given to every spawn,
// every discovered runtime (a CRR's container IDs name the runtime by scheme, contract §4.3 step
// 4), the platform's exit-code naming and output shaping for preStop hooks, and the engine hooks.
// There is no gate: upstream always runs the CRR controller. The pod informer is used when gate
// DaemonWatchingPod made one; otherwise the pod is read with a GET. Effects are bound before the
// engine opens its log (recovery may start them), so they wait on a deferred barrier that
// `start()` hands the log to.
import type { Logger } from 'pino';
import type { DiscoveredRuntime } from '../../../adapters/cri/index.js';
import { CONTROLLER_NAMES, CrrStatusWriter, EventRecorder, KubeApiError, objectPath, podRef, type KubeObject } from '../../../adapters/kube/index.js';
import type { PlatformProfile } from '../../../adapters/platform/index.js';
import { bindCrrPod, CrrWorkers } from '../../../effects/crr/index.js';
import { crrPodMachine } from '../../../machines/crr/crr-pod.machine.js';
import type { CrrTiming } from '../../../machines/crr/types.js';
import { deferredBarrier } from '../../../effects/deferred-barrier.js';
import type { ClusterView } from '../../cluster.js';
import type { RunningEngine } from '../../engine-start.js';
import type { FeatureWiring } from '../../engine-wiring.js';
import type { DaemonFlags } from '../../flags.js';
import { createCrrController, type CrrController } from './controller.js';

export interface WiredCrr {
  readonly wiring: FeatureWiring;
  readonly controller: CrrController;
  /** The `--crr-workers` pool every CRR effect holds a worker of. */
  readonly workers: CrrWorkers;
  start(engine: RunningEngine): void;
  stop(): Promise<void>;
}

export function wireCrr(flags: DaemonFlags, profile: PlatformProfile, cluster: ClusterView, runtimes: readonly DiscoveredRuntime[], logger: Logger): WiredCrr {
  const transport = cluster.clients.forController(CONTROLLER_NAMES.crr);
  const log = logger.child({ component: 'crr' });
  const events = new EventRecorder({ transport, host: flags.nodeName, logger: log });
  const barrier = deferredBarrier();
  const crrInformer = cluster.informers.get('crrInformerSynced');
  if (!crrInformer) throw new Error('the CRR informer is not running');
  const podInformer = cluster.informers.get('podInformerSynced');
  const getPod = async (namespace: string, name: string): Promise<KubeObject | undefined> => {
    try {
      return await transport.request<KubeObject>({ method: 'GET', path: objectPath(podRef(namespace, name)) });
    } catch (error) {
      if (error instanceof KubeApiError && error.type === 'kube.notFound') return undefined;
      throw error;
    }
  };
  const timing: CrrTiming = {
    minBackoffMs: flags.crrMinBackoffMs,
    maxBackoffMs: flags.crrMaxBackoffMs,
    criDeadlineMs: flags.criBaseTimeoutMs || profile.cri.baseTimeoutMs,
  };
  const controller = createCrrController({
    crrInformer,
    ...(podInformer ? { podInformer } : { getPod }),
    crrVersion: cluster.versions.crr,
    runtimeNames: [...new Set(runtimes.map((r) => r.runtimeName))],
    timing,
    now: Date.now,
    logger: log,
  });
  const workers = new CrrWorkers(flags.crrWorkers);
  const writer = new CrrStatusWriter({
    transport,
    crrVersion: cluster.versions.crr,
    cached: (namespace, name) => crrInformer.get(`${namespace}/${name}`),
  });
  // The first runtime of a name serves it, as discovery orders them.
  const byName = new Map<string, DiscoveredRuntime['client']>();
  for (const r of runtimes) if (!byName.has(r.runtimeName)) byName.set(r.runtimeName, r.client);
  return {
    controller,
    workers,
    wiring: {
      machines: [crrPodMachine.id],
      bind: bindCrrPod({ barrier, now: Date.now, criFor: (name) => byName.get(name), platform: profile, events, writer, workers, logger: log }),
      onStopped: controller.onStopped,
    },
    start(engine) {
      barrier.resolve(engine.log);
      controller.start(engine.host);
    },
    async stop() {
      controller.stop();
      await controller.idle();
      await events.idle();
    },
  };
}
