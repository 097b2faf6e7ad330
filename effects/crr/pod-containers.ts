// "Pod status from CRI" as upstream's daemon reads it (contract §2.4): the pod's containers are
// listed by kubelet's pod-UID label, and for every container name the newest one (by created_at)
// is looked at with ContainerStatus. Restart counts come from kubelet's annotation, the kube
// container ID is `<runtimeName>://<id>`, and an exit code is worded by the platform profile
// (NTSTATUS names on Windows). A container removed between the list and its status call is
// skipped in favour of the next newest of that name, so a kubelet GC racing us is not an error.
import { CriError, type ContainerManager, type ContainerStatus, type Container } from '../../adapters/cri/index.js';
import type { ExitCodes } from '../../adapters/platform/index.js';
import type { RuntimeContainer } from '../../machines/crr/types.js';

/** kubelet's labels and annotations on CRI containers (contract §2.4). */
export const LABEL_POD_UID = 'io.kubernetes.pod.uid';
export const LABEL_CONTAINER_NAME = 'io.kubernetes.container.name';
export const ANNOTATION_RESTART_COUNT = 'io.kubernetes.container.restartCount';

export type PodContainersCri = Pick<ContainerManager, 'listContainers' | 'containerStatus'>;

const STATES: Readonly<Record<string, RuntimeContainer['state']>> = {
  CONTAINER_CREATED: 'created',
  CONTAINER_RUNNING: 'running',
  CONTAINER_EXITED: 'exited',
};

/** CRI timestamps are decimal nanosecond strings past 2^53: divide as BigInt. */
const nsToMs = (ns: string): number => Number(BigInt(ns || '0') / 1_000_000n);

/** kubelet reads a bad or missing restart count as 0. */
function restartCountOf(annotations: Readonly<Record<string, string>>): number {
  const raw = annotations[ANNOTATION_RESTART_COUNT] ?? '';
  return /^\d+$/.test(raw) ? Number(raw) : 0;
}

function newestFirst(a: Container, b: Container): number {
  const d = BigInt(b.created_at || '0') - BigInt(a.created_at || '0');
  return d > 0n ? 1 : d < 0n ? -1 : 0;
}

function toRuntimeContainer(name: string, runtimeName: string, listed: Container, status: ContainerStatus, exitCodes: ExitCodes): RuntimeContainer {
  const state = STATES[status.state] ?? 'unknown';
  return {
    name,
    containerID: `${runtimeName}://${status.id || listed.id}`,
    state,
    restartCount: restartCountOf({ ...listed.annotations, ...status.annotations }),
    createdAtMs: nsToMs(status.created_at || listed.created_at),
    // kubelet takes startedAt only once the container has left CREATED.
    startedAtMs: state === 'created' ? 0 : nsToMs(status.started_at),
    exit: state === 'exited' ? { code: status.exit_code, text: exitCodes.message(status.exit_code) } : null,
  };
}

/** The first of `candidates` (newest first) that still exists, or undefined when none does. */
async function newestExisting(
  cri: PodContainersCri,
  candidates: readonly Container[],
  signal: AbortSignal,
): Promise<{ listed: Container; status: ContainerStatus } | undefined> {
  for (const listed of candidates) {
    try {
      const { status } = await cri.containerStatus(signal, { container_id: listed.id });
      if (status) return { listed, status };
    } catch (error) {
      if (!(error instanceof CriError && error.type === 'cri.notFound')) throw error;
    }
  }
  return undefined;
}

/** Newest runtime container per name of the pod with this UID, sorted by name. Rejects on a CRI error (the caller retries). */
export async function readPodContainers(
  cri: PodContainersCri,
  runtimeName: string,
  podUid: string,
  exitCodes: ExitCodes,
  signal: AbortSignal,
): Promise<RuntimeContainer[]> {
  const { containers } = await cri.listContainers(signal, { filter: { label_selector: { [LABEL_POD_UID]: podUid } } });
  const byName = new Map<string, Container[]>();
  for (const c of containers) {
    const name = c.labels[LABEL_CONTAINER_NAME] ?? '';
    if (name === '') continue; // not a kubelet container
    const list = byName.get(name) ?? [];
    list.push(c);
    byName.set(name, list);
  }
  const found = await Promise.all(
    [...byName].map(async ([name, list]) => {
      const hit = await newestExisting(cri, [...list].sort(newestFirst), signal);
      return hit ? toRuntimeContainer(name, runtimeName, hit.listed, hit.status, exitCodes) : undefined;
    }),
  );
  return found.filter((c): c is RuntimeContainer => c !== undefined).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
