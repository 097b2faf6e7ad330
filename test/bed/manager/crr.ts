// TEST DOUBLES of kruise-manager's ContainerRecreateRequest side (contract §4.1, §5): the CRR
// mutating/validating webhook as a create function, the controller's container-status snapshot,
// and the SidecarTerminator's CRR. They follow upstream's rules but are not upstream code. The
// unready grace (finalizer, unready time) is crr-controller.ts's; the pod's readiness gate is not modelled.
import type { PodJson } from '../kubelet/types.js';
import { goJson } from '../kubelet/go-encoding.js';
import { at, KRUISE_GROUP, podRef, servedVersions, storeOf, type KubeObject, type ManagerTarget } from './target.js';

export const CRR_LABEL_ACTIVE = 'crr.apps.kruise.io/active';
export const CRR_LABEL_NODE_NAME = 'crr.apps.kruise.io/node-name';
export const CRR_LABEL_POD_UID = 'crr.apps.kruise.io/pod-uid';
export const CRR_LABEL_POD_NAME = 'crr.apps.kruise.io/pod-name';
export const CRR_ANNOTATION_SYNC_STATUSES = 'crr.apps.kruise.io/sync-container-statuses';

export interface CrrStrategy {
  failurePolicy?: 'Fail' | 'Ignore';
  orderedRecreate?: boolean;
  forceRecreate?: boolean;
  terminationGracePeriodSeconds?: number;
  unreadyGracePeriodSeconds?: number;
  minStartedSeconds?: number;
}

export interface CrrInput {
  readonly name: string;
  /** Default `default`. */
  readonly namespace?: string;
  readonly podName: string;
  readonly containers: ReadonlyArray<string | { readonly name: string }>;
  readonly strategy?: CrrStrategy;
  readonly activeDeadlineSeconds?: number;
  readonly ttlSecondsAfterFinished?: number;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly ownerReferences?: readonly unknown[];
  /** The version to create as; default the most preferred served one. */
  readonly version?: 'v1alpha1' | 'v1beta1';
}

/** The webhook's denial (a 400 in a real cluster). */
export class CrrRejected extends Error {}

export interface SnapshotEntry {
  name: string;
  ready: boolean;
  restartCount: number;
  containerID?: string;
}

const isActive = (pod: PodJson): boolean => pod.metadata.deletionTimestamp === undefined && pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed';
const sidecarTerminated = (pod: PodJson): boolean => (pod.status?.conditions ?? []).some((c) => c.type === 'SidecarTerminated' && c.status === 'True');

/** The webhook on create: validation, defaults, labels, and per-container preStop/ports/statusContext from the pod. */
export function createCrr(target: ManagerTarget, input: CrrInput): KubeObject {
  return storeOf(target).create(crrWebhook(target, input));
}

/** What the webhook makes of a create request: the object createCrr stores (throws CrrRejected). */
export function crrWebhook(target: ManagerTarget, input: CrrInput): KubeObject {
  const store = storeOf(target);
  const namespace = input.namespace ?? 'default';
  const names = input.containers.map((c) => (typeof c === 'string' ? c : c.name));
  if (input.podName === '') throw new CrrRejected('podName can not be empty');
  if (names.length === 0) throw new CrrRejected('containers list can not be null');
  if (input.activeDeadlineSeconds !== undefined && input.activeDeadlineSeconds < 3) throw new CrrRejected('activeDeadlineSeconds can not be less than 3s');
  const strategy: CrrStrategy = { ...input.strategy };
  strategy.failurePolicy ??= 'Fail';
  if (strategy.failurePolicy !== 'Fail' && strategy.failurePolicy !== 'Ignore')
    throw new CrrRejected(`unknown failurePolicy ${String(strategy.failurePolicy)}`);
  const pod = store.get(podRef(namespace, input.podName)) as unknown as PodJson | undefined;
  if (!pod) throw new CrrRejected(`no found Pod named ${input.podName}`);
  if (!isActive(pod) && !sidecarTerminated(pod)) throw new CrrRejected('not allowed to recreate containers in an inactive Pod');
  if (!pod.spec.nodeName) throw new CrrRejected('not allowed to recreate containers in a pending Pod');
  // The real API server defaults terminationGracePeriodSeconds to 30; the fake does not.
  strategy.terminationGracePeriodSeconds ??= pod.spec.terminationGracePeriodSeconds ?? 30;

  const seen = new Set<string>();
  const containers = names.map((name) => {
    if (seen.has(name)) throw new CrrRejected(`can not recreate ${name} multi times`);
    seen.add(name);
    const spec = pod.spec.containers.find((c) => c.name === name);
    if (!spec) throw new CrrRejected(`container ${name} not found in Pod`);
    const status = pod.status?.containerStatuses?.find((c) => c.name === name);
    if (!status) throw new CrrRejected(`not found ${name} containerStatus in Pod Status`);
    if (!status.containerID) throw new CrrRejected(`no containerID in ${name} containerStatus, maybe the container has not been initialized`);
    const p = spec.lifecycle?.preStop;
    const preStop = p && {
      ...(p.exec ? { exec: p.exec } : {}),
      ...(p.httpGet ? { httpGet: p.httpGet } : {}),
      ...(p.tcpSocket ? { tcpSocket: p.tcpSocket } : {}),
    };
    return {
      name,
      ...(preStop ? { preStop } : {}),
      ...(preStop?.httpGet && spec.ports ? { ports: spec.ports } : {}),
      statusContext: { containerID: status.containerID, restartCount: status.restartCount },
    };
  });

  const version = input.version ?? servedVersions(target, 'containerrecreaterequests', ['v1beta1'])[0] ?? 'v1beta1';
  return {
    apiVersion: `${KRUISE_GROUP}/${version}`,
    kind: 'ContainerRecreateRequest',
    metadata: {
      name: input.name,
      namespace,
      labels: {
        ...input.labels,
        [CRR_LABEL_POD_NAME]: input.podName,
        [CRR_LABEL_ACTIVE]: 'true',
        [CRR_LABEL_NODE_NAME]: pod.spec.nodeName,
        [CRR_LABEL_POD_UID]: pod.metadata.uid,
      },
      ...(input.annotations ? { annotations: { ...input.annotations } } : {}),
      ...(input.ownerReferences ? { ownerReferences: [...input.ownerReferences] } : {}),
    },
    spec: {
      podName: input.podName,
      containers,
      strategy,
      ...(input.activeDeadlineSeconds !== undefined ? { activeDeadlineSeconds: input.activeDeadlineSeconds } : {}),
      ...(input.ttlSecondsAfterFinished !== undefined ? { ttlSecondsAfterFinished: input.ttlSecondsAfterFinished } : {}),
    },
  } as KubeObject;
}

/** The controller's snapshot: spec containers running in the pod and started at or after the CRR's creation. */
export function crrSnapshot(crr: KubeObject, pod: PodJson): SnapshotEntry[] {
  const created = Date.parse(String(crr.metadata.creationTimestamp ?? ''));
  const names = ((at(crr, 'spec', 'containers') as Array<{ name: string }> | undefined) ?? []).map((c) => c.name);
  const out: SnapshotEntry[] = [];
  for (const name of names) {
    const s = pod.status?.containerStatuses?.find((c) => c.name === name);
    const started = s?.state.running ? Date.parse(s.state.running.startedAt ?? '') : NaN;
    if (!s || Number.isNaN(started) || started < created) continue;
    out.push({ name: s.name, ready: s.ready, restartCount: s.restartCount, ...(s.containerID ? { containerID: s.containerID } : {}) });
  }
  return out;
}

/**
 * Publishes the snapshot the way each served version carries it: v1alpha1 annotation (a JSON
 * string), v1beta1 `status.containerStatusSnapshot`. With both served it writes both, standing
 * in for the conversion webhook the fake API server does not have. Returns whether it wrote.
 */
export function publishCrrSnapshot(target: ManagerTarget, crr: KubeObject, pod: PodJson): boolean {
  const store = storeOf(target);
  const versions = servedVersions(target, 'containerrecreaterequests', ['v1beta1']);
  const snapshot = crrSnapshot(crr, pod);
  const text = goJson(snapshot);
  const patch: Record<string, unknown> = {};
  if (versions.includes('v1alpha1') && crr.metadata.annotations?.[CRR_ANNOTATION_SYNC_STATUSES] !== text)
    patch.metadata = { annotations: { [CRR_ANNOTATION_SYNC_STATUSES]: text } };
  if (versions.includes('v1beta1') && JSON.stringify(at(crr, 'status', 'containerStatusSnapshot') ?? null) !== JSON.stringify(snapshot))
    patch.status = { containerStatusSnapshot: snapshot };
  if (Object.keys(patch).length === 0) return false;
  const { namespace, name } = crr.metadata;
  store.patch({ apiVersion: crr.apiVersion ?? `${KRUISE_GROUP}/v1beta1`, kind: 'ContainerRecreateRequest', namespace: namespace!, name: name! }, patch);
  return true;
}

const envTrue = (c: PodJson['spec']['containers'][number], key: string): boolean => (c.env ?? []).some((e) => e.name === key && e.value === 'true');

/**
 * The SidecarTerminator's CRR for a pod (§5), or undefined when it would not create one: the pod
 * is deleted, Pending, restartPolicy Always, has no running sidecar marked
 * KRUISE_TERMINATE_SIDECAR_WHEN_JOB_EXIT, or its main containers have not all terminated
 * (OnFailure: all with exit code 0). The ignore-exit-code pod status patch is not modelled.
 */
export function sidecarTerminationCrr(pod: PodJson): CrrInput | undefined {
  const policy = pod.spec.restartPolicy ?? 'Always';
  if (pod.metadata.deletionTimestamp !== undefined || pod.status?.phase === 'Pending' || policy === 'Always') return undefined;
  const statusOf = (name: string) => pod.status?.containerStatuses?.find((s) => s.name === name);
  const sidecars = pod.spec.containers.filter((c) => envTrue(c, 'KRUISE_TERMINATE_SIDECAR_WHEN_JOB_EXIT'));
  const mains = pod.spec.containers.filter((c) => !sidecars.includes(c));
  const done = mains.every((c) => {
    const t = statusOf(c.name)?.state.terminated;
    return t !== undefined && (policy === 'Never' || t.exitCode === 0);
  });
  const running = sidecars.filter((c) => statusOf(c.name)?.state.terminated === undefined);
  if (mains.length === 0 || !done || running.length === 0) return undefined;
  return {
    name: `sidecar-termination-${pod.metadata.uid}`,
    namespace: pod.metadata.namespace,
    podName: pod.metadata.name,
    containers: running.map((c) => c.name),
    strategy: { forceRecreate: true, failurePolicy: 'Ignore' },
    ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name, uid: pod.metadata.uid, controller: true, blockOwnerDeletion: true }],
  };
}
