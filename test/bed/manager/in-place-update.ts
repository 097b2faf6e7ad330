// A TEST DOUBLE of kruise-manager's in-place update of env from metadata (pkg/util/inplaceupdate,
// as CloneSet, Advanced StatefulSet and SidecarSet use it; contract §7.2), written into the fake
// API server's store:
// - `kruisePod` builds a pod the way a CloneSet creates one: a controller owner reference in
//   apps.kruise.io and the InPlaceUpdateReady readiness gate;
// - the controller sets InPlaceUpdateReady True on a gated pod that has no such condition and is
//   not updating (upstream's Refresh);
// - `update` is realControl.Update for a template change of labels or annotations that some
//   container's env reads: first InPlaceUpdateReady False (reason StartInPlaceUpdate) with Ready
//   False, then the new labels/annotations and the apps.kruise.io/inplace-update-state annotation
//   with updateEnvFromMetadata true;
// - the controller then checks every change of the pod as defaultCheckContainersInPlaceUpdateCompleted
//   does (every spec container has a runtime-containers-meta entry with the status's container ID
//   and an extractedEnvFromMetadataHash equal to the manager's own hash, env-hash.ts) and, once it
//   passes, sets InPlaceUpdateReady True and records the pod's completion.
// Not modelled: revisions and their hashes, container launch priorities (batches), image updates,
// grace periods, and plainHash (upstream only consults it to skip its image checks).
import { containerHash } from '../kubelet/go-encoding.js';
import type { ConditionJson, ContainerJson, PodJson } from '../kubelet/types.js';
import { managerExpectedHash } from './env-hash.js';
import { podRef, rfc3339, storeOf, type KubeObject, type ManagerTarget } from './target.js';

export const IN_PLACE_UPDATE_READY = 'InPlaceUpdateReady';
export const IN_PLACE_UPDATE_STATE = 'apps.kruise.io/inplace-update-state';
export const RUNTIME_CONTAINERS_META = 'apps.kruise.io/runtime-containers-meta';

export interface MetaEntryJson {
  name: string;
  containerID: string;
  restartCount: number;
  hashes: { plainHash: number; extractedEnvFromMetadataHash?: number };
}

/** A pod as a CloneSet creates it: owned by the CloneSet (controller, apps.kruise.io) and gated on InPlaceUpdateReady. */
export function kruisePod(
  name: string,
  nodeName: string,
  containers: ContainerJson[],
  extra: { labels?: Record<string, string>; annotations?: Record<string, string>; namespace?: string; spec?: Record<string, unknown> } = {},
): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: extra.namespace ?? 'default',
      labels: extra.labels ?? {},
      annotations: extra.annotations ?? {},
      ownerReferences: [
        { apiVersion: 'apps.kruise.io/v1alpha1', kind: 'CloneSet', name: 'clone', uid: 'cloneset-uid', controller: true, blockOwnerDeletion: true },
      ],
    },
    spec: { nodeName, containers, readinessGates: [{ conditionType: IN_PLACE_UPDATE_READY }], ...extra.spec },
  };
}

/** The runtime-containers-meta annotation of a pod, parsed; undefined without one. */
export function runtimeMetaOf(pod: KubeObject | PodJson | undefined): { containers: MetaEntryJson[] } | undefined {
  const raw = pod?.metadata.annotations?.[RUNTIME_CONTAINERS_META];
  return raw === undefined ? undefined : (JSON.parse(raw) as { containers: MetaEntryJson[] });
}

export interface InPlaceUpdate {
  /** When `update` set InPlaceUpdateReady False, and when the check passed (ms). */
  readonly startedAt: number;
  completedAt?: number;
}

export interface InPlaceUpdateController {
  /** Starts an in-place update of the pod's labels and annotations, as the manager does for a template change the env reads. */
  update(namespace: string, name: string, change: { labels?: Record<string, string>; annotations?: Record<string, string> }): InPlaceUpdate;
  /** Resolves once the update of that pod completed (InPlaceUpdateReady True again); rejects after `timeoutMs`. */
  completed(namespace: string, name: string, timeoutMs?: number): Promise<PodJson>;
  /** The manager's own expected env hash of a container of the pod as stored now. */
  expectedHash(namespace: string, name: string, container: string): number;
  /** kubelet's HashContainer of a spec container, as the manager computes it for plainHash. */
  plainHash(namespace: string, name: string, container: string): number;
  /** Updates per pod key (`namespace/name`), in order. */
  readonly updates: ReadonlyMap<string, readonly InPlaceUpdate[]>;
  readonly errors: readonly Error[];
  stop(): void;
}

function condition(pod: PodJson, type: string): ConditionJson | undefined {
  return pod.status?.conditions?.find((c) => c.type === type);
}

function withCondition(pod: PodJson, next: ConditionJson): PodJson {
  const conditions = (pod.status?.conditions ?? []).filter((c) => c.type !== next.type);
  return { ...pod, status: { ...pod.status, conditions: [...conditions, next] } };
}

const gated = (pod: PodJson) => pod.spec.readinessGates?.some((g) => g.conditionType === IN_PLACE_UPDATE_READY) === true;

/** defaultCheckContainersInPlaceUpdateCompleted for an env-from-metadata update: why it is not complete, or undefined when it is. */
export function notCompleted(pod: PodJson): string | undefined {
  let meta: { containers: MetaEntryJson[] } | undefined;
  try {
    meta = runtimeMetaOf(pod);
  } catch (error) {
    return `runtime-containers-meta does not parse: ${(error as Error).message}`;
  }
  if (meta === undefined) return 'waiting for all containers hash consistent, but runtime-container-meta not found';
  for (const c of pod.spec.containers) {
    const status = pod.status?.containerStatuses?.find((s) => s.name === c.name);
    if (!status) return `no container ${c.name} in status`;
    const entry = meta.containers.find((e) => e.name === c.name);
    if (!entry) return `no container ${c.name} in runtime-container-meta`;
    if (entry.containerID !== status.containerID) return `container ${c.name}: meta has ${entry.containerID}, status ${status.containerID}`;
    const expected = managerExpectedHash(c, pod);
    if ((entry.hashes.extractedEnvFromMetadataHash ?? 0) !== expected) {
      return `container ${c.name}: extractedEnvFromMetadataHash ${entry.hashes.extractedEnvFromMetadataHash ?? 0} != ${expected}`;
    }
  }
  return undefined;
}

export function startInPlaceUpdateController(target: ManagerTarget, options: { intervalMs?: number } = {}): InPlaceUpdateController {
  const store = storeOf(target);
  const errors: Error[] = [];
  const updates = new Map<string, InPlaceUpdate[]>();
  const waiters: Array<{ key: string; resolve: (pod: PodJson) => void }> = [];
  let stopped = false;
  let scheduled = false;

  const get = (namespace: string, name: string) => store.get(podRef(namespace, name)) as unknown as PodJson | undefined;

  function reconcile(pod: PodJson): void {
    if (!gated(pod) || pod.metadata.deletionTimestamp !== undefined) return;
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    const ready = condition(pod, IN_PLACE_UPDATE_READY);
    const updating = pod.metadata.annotations?.[IN_PLACE_UPDATE_STATE] !== undefined && ready?.status === 'False';
    if (updating && notCompleted(pod) !== undefined) return;
    if (ready?.status === 'True') return;
    store.update(withCondition(pod, { type: IN_PLACE_UPDATE_READY, status: 'True', lastProbeTime: null, lastTransitionTime: rfc3339() }));
    if (!updating) return;
    const last = updates.get(key)?.at(-1);
    if (last && last.completedAt === undefined) last.completedAt = Date.now();
    const fresh = get(pod.metadata.namespace, pod.metadata.name)!;
    for (const w of waiters.filter((x) => x.key === key)) w.resolve(fresh);
    waiters.splice(0, waiters.length, ...waiters.filter((x) => x.key !== key));
  }

  function reconcileAll(): void {
    scheduled = false;
    if (stopped) return;
    for (const obj of store.list('v1', 'Pod')) {
      try {
        reconcile(obj as unknown as PodJson);
      } catch (error) {
        // a conflict with another writer: the next change reconciles again
        if ((error as { code?: number }).code !== 409) errors.push(error as Error);
      }
    }
  }

  const schedule = () => {
    if (scheduled || stopped) return;
    scheduled = true;
    setImmediate(reconcileAll);
  };
  const unsubscribe = store.subscribe((event) => {
    if (event.object.kind === 'Pod') schedule();
  });
  const timer = setInterval(schedule, options.intervalMs ?? 500);

  return {
    update(namespace, name, change) {
      const key = `${namespace}/${name}`;
      const started: InPlaceUpdate = { startedAt: Date.now() };
      updates.set(key, [...(updates.get(key) ?? []), started]);
      const now = rfc3339();
      // 1. InPlaceUpdateReady False, and Ready False with it (util.SetPodReadyCondition)
      store.mutate(podRef(namespace, name), (obj) => {
        const pod = obj as unknown as PodJson;
        const unready = withCondition(pod, {
          type: IN_PLACE_UPDATE_READY,
          status: 'False',
          reason: 'StartInPlaceUpdate',
          lastProbeTime: null,
          lastTransitionTime: now,
        });
        return withCondition(unready, {
          type: 'Ready',
          status: 'False',
          reason: 'ReadinessGatesNotReady',
          message: `the status of pod readiness gate "${IN_PLACE_UPDATE_READY}" is not "True", but False`,
          lastProbeTime: null,
          lastTransitionTime: now,
        }) as unknown as KubeObject;
      });
      // 2. the new metadata and the in-place update state
      store.mutate(podRef(namespace, name), (obj) => {
        const state = {
          revision: `rev-${updates.get(key)!.length}`,
          updateTimestamp: now,
          lastContainerStatuses: null,
          updateEnvFromMetadata: true,
          verticalUpdateOnly: false,
        };
        obj.metadata.labels = { ...obj.metadata.labels, ...change.labels };
        obj.metadata.annotations = { ...obj.metadata.annotations, ...change.annotations, [IN_PLACE_UPDATE_STATE]: JSON.stringify(state) };
      });
      return started;
    },
    completed(namespace, name, timeoutMs = 30_000) {
      const key = `${namespace}/${name}`;
      const last = updates.get(key)?.at(-1);
      if (last?.completedAt !== undefined) return Promise.resolve(get(namespace, name)!);
      return new Promise<PodJson>((resolve, reject) => {
        const timer = setTimeout(() => {
          const pod = get(namespace, name);
          reject(new Error(`in-place update of ${key} not completed after ${timeoutMs} ms: ${pod ? notCompleted(pod) : 'pod gone'}`));
        }, timeoutMs);
        waiters.push({
          key,
          resolve: (pod) => {
            clearTimeout(timer);
            resolve(pod);
          },
        });
        schedule();
      });
    },
    expectedHash(namespace, name, container) {
      const pod = get(namespace, name)!;
      return managerExpectedHash(pod.spec.containers.find((c) => c.name === container)!, pod);
    },
    plainHash(namespace, name, container) {
      const pod = get(namespace, name)!;
      return Number.parseInt(containerHash(pod.spec.containers.find((c) => c.name === container)!), 16);
    },
    updates,
    errors,
    stop() {
      stopped = true;
      clearInterval(timer);
      unsubscribe();
    },
  };
}
