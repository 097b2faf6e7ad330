// The container-meta glue (contract §7.1): follows this node's pods (the pod informer, gate
// DaemonWatchingPod) and keeps one `containerMetaPod` actor per pod that passes upstream's filter
// (a controller owner in apps.kruise.io, or the kruise.io/sidecarset-hash annotation), key
// `containerMeta/<namespace>/<name>`. Every observation of such a pod whose view (views.ts)
// differs from the last one delivered, resourceVersion aside, becomes one `k8s.podObserved`
// through `host.deliver`, which spawns the actor on the first. Deleting pods get no new actor. A
// pod that is deleted, stops passing the filter, or is replaced by a new pod of the same name has
// its actor released (a new pod gets a fresh one). The trigger rules, the sync and the restarts
// are the machine's; the glue never reads an actor's context: it logs what the actors emit, and
// learns from `onStopped` that one ended. On start, recovered actors are adopted and told the
// current view; once the informer has synced, those whose pod is gone are released.
import type { Observable, Subscription } from 'rxjs';
import type { EventObject } from 'xstate';
import { jsonEqual, objectKey, type KubeObject, type Observation } from '../../../adapters/kube/index.js';
import type { ActorHost, StopReason } from '../../../engine/host.js';
import type { LogRecord } from '../../../engine/log/record.js';
import { containerMetaPodMachine } from '../../../machines/container-meta/container-meta-pod.machine.js';
import type {
  ContainerMetaEmitted,
  ContainerMetaPodInput,
  ContainerMetaTiming,
  MetaPodView,
  PodObservedEvent,
} from '../../../machines/container-meta/types.js';
import { silentFeatureLogger, type FeatureLogger } from '../feature-logger.js';
import { metaPodView, passesFilter } from './views.js';

export type ContainerMetaHost = Pick<ActorHost, 'deliver' | 'has' | 'keys' | 'snapshot' | 'release'>;

export const CONTAINER_META_KEY_PREFIX = 'containerMeta/';

/** The actor key of pod `namespace/name`. */
export const containerMetaKey = (podKey: string): string => `${CONTAINER_META_KEY_PREFIX}${podKey}`;

export interface ContainerMetaControllerOptions {
  /** Pods of this node in every namespace (`podInformerSynced`). */
  readonly podInformer: Observable<Observation<KubeObject>>;
  /** Names of the discovered runtimes as container IDs spell them (`containerd`). */
  readonly runtimeNames: readonly string[];
  /** Gate InPlaceUpdateEnvFromMetadata. */
  readonly envFromMetadata: boolean;
  readonly timing?: ContainerMetaTiming;
  readonly now: () => number;
  readonly logger?: FeatureLogger;
}

export interface ContainerMetaControllerStats {
  readonly actors: number;
  readonly deliveries: number;
  readonly dropped: number;
  readonly released: number;
}

export interface ContainerMetaController {
  readonly onStopped: (key: string, reason: StopReason) => void;
  readonly onEmitted: (key: string, event: EventObject, record: LogRecord) => void;
  /** Adopts the host's recovered containerMetaPod actors and subscribes to the pod informer. */
  start(host: ContainerMetaHost): void;
  stop(): void;
  stats(): ContainerMetaControllerStats;
}

/** Whether a recovered actor is a containerMetaPod one (its snapshot's machine, not its context). */
const isContainerMeta = (snapshot: unknown): boolean => (snapshot as { machine?: { id?: string } } | undefined)?.machine?.id === containerMetaPodMachine.id;

/** `containerMeta/<namespace>/<name>` → the actor's input. Neither part can hold a `/`. */
export function containerMetaInput(
  key: string,
  options: Pick<ContainerMetaControllerOptions, 'runtimeNames' | 'envFromMetadata' | 'timing'>,
): ContainerMetaPodInput {
  const podKey = key.slice(CONTAINER_META_KEY_PREFIX.length);
  const slash = podKey.indexOf('/');
  return {
    namespace: podKey.slice(0, slash),
    name: podKey.slice(slash + 1),
    runtimeNames: [...options.runtimeNames],
    envFromMetadata: options.envFromMetadata,
    ...(options.timing ? { timing: { ...options.timing } } : {}),
  };
}

/** The view without its resourceVersion: what decides whether an observation is news. */
const content = (view: MetaPodView): Omit<MetaPodView, 'resourceVersion'> => {
  const { resourceVersion: _rv, ...rest } = view;
  return rest;
};

export function createContainerMetaController(options: ContainerMetaControllerOptions): ContainerMetaController {
  const logger = options.logger ?? silentFeatureLogger;
  /** Keys of live containerMetaPod actors (delivered to, or recovered), with the last view delivered (none yet for a recovered one). */
  const actors = new Map<string, MetaPodView | undefined>();
  const subscriptions: Subscription[] = [];
  let host: ContainerMetaHost | undefined;
  let stopped = false;
  let deliveries = 0;
  let dropped = 0;
  let released = 0;

  function release(key: string, why: string): void {
    if (!actors.has(key)) return;
    actors.delete(key);
    if (host?.has(key)) {
      host.release(key);
      released += 1;
      logger.info({ actor: key, why }, 'container meta actor released');
    }
  }

  function deliver(key: string, view: MetaPodView): void {
    const h = host!;
    const live = actors.has(key) && h.has(key);
    const last = actors.get(key);
    if (live && last !== undefined && jsonEqual(content(last), content(view))) {
      dropped += 1;
      return;
    }
    if (!live && view.deleting) return; // upstream syncs no deleting pod: no actor for one
    const event: PodObservedEvent = { type: 'k8s.podObserved', at: options.now(), pod: view };
    actors.set(key, view);
    try {
      h.deliver(key, containerMetaPodMachine.id, event, () => containerMetaInput(key, options));
      deliveries += 1;
    } catch (error) {
      actors.delete(key);
      logger.error({ actor: key, err: error }, 'could not deliver the pod observation');
    }
  }

  function onPod(o: Observation<KubeObject>): void {
    if (o.type === 'synced') {
      // recovered actors whose pod is gone (deleted while the daemon was down)
      for (const key of [...actors.keys()]) if (actors.get(key) === undefined) release(key, 'its pod is gone');
      return;
    }
    const key = containerMetaKey(objectKey(o.object));
    if (o.type === 'delete') {
      release(key, 'its pod was deleted');
      return;
    }
    if (!passesFilter(o.object)) {
      release(key, 'its pod is no longer owned by a kruise workload');
      return;
    }
    const view = metaPodView(o.object);
    const last = actors.get(key);
    if (last !== undefined && last.uid !== view.uid) release(key, 'its pod was replaced by a new one of the same name');
    deliver(key, view);
  }

  function onEmitted(key: string, event: EventObject): void {
    if (!key.startsWith(CONTAINER_META_KEY_PREFIX)) return;
    const e = event as ContainerMetaEmitted;
    const pod = key.slice(CONTAINER_META_KEY_PREFIX.length);
    switch (e.type) {
      case 'containerMeta.reporting':
        logger.info({ pod, containerMetaSetStr: e.value }, 'Reporting container meta changed in Pod');
        break;
      case 'containerMeta.restarting':
        for (const t of e.targets) {
          logger.info(
            { pod, containerName: t.name, containerID: t.containerID },
            'Triggering container in Pod to restart, for it has inconsistent hash of env from metadata',
          );
        }
        break;
      case 'containerMeta.hashUnavailable':
        logger.warn(
          { pod, containerName: e.name, containerID: e.containerID, reason: e.reason },
          'Failed to hash container with env for Pod; trying again in 3 s',
        );
        break;
      case 'containerMeta.noRuntime':
        logger.warn({ pod, reason: e.reason }, 'Failed to get runtime for Pod');
        break;
      case 'containerMeta.badAnnotation':
        logger.warn({ pod, reason: e.reason }, 'Failed to get old runtime meta from Pod');
        break;
    }
  }

  function onStopped(key: string, reason: StopReason): void {
    if (!actors.delete(key)) return;
    if (reason === 'error') logger.error({ actor: key }, 'container meta actor failed; the next change of its pod starts a fresh one');
  }

  return {
    onStopped,
    onEmitted,
    start(h) {
      host = h;
      for (const key of h.keys()) if (key.startsWith(CONTAINER_META_KEY_PREFIX) && isContainerMeta(h.snapshot(key))) actors.set(key, undefined);
      subscriptions.push(
        options.podInformer.subscribe({
          next: (o) => {
            if (stopped) return;
            try {
              onPod(o);
            } catch (error) {
              logger.error({ err: error, key: o.key }, 'container meta observation failed');
            }
          },
          error: (error: unknown) => logger.error({ informer: 'pod', err: error }, 'informer ended with an error'),
        }),
      );
    },
    stop() {
      stopped = true;
      for (const s of subscriptions) s.unsubscribe();
      subscriptions.length = 0;
    },
    stats: () => ({ actors: actors.size, deliveries, dropped, released }),
  };
}
