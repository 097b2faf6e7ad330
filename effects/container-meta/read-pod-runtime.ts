// The containermeta sync's read of the runtime (contract §7.2 step 2 and §7.3), in at most
// 1 + (containers whose environment is needed) CRI calls, and no exec where the runtime can say:
// 1. ListContainers by kubelet's pod-UID label. The list already carries every container's state,
//    labels and annotations (restart count, kubelet hash), so upstream's ContainerStatus per
//    listed container is not needed; the newest container of each name (by created_at) is the
//    one the pod status speaks of (kruise's GetPodStatus + FindContainerStatusByName).
// 2. For each running container whose hash is wanted and not already known: one verbose
//    ContainerStatus, whose OCI runtime spec holds the environment (adapters/cri/container-env.ts);
//    only without a spec does it exec `env` (Linux) or `cmd /c set` (Windows), 3 s each.
// The environment read holds the container's whole environment, secrets included: it is cut down
// here to the values of the names the hash reads (pickEnvValues) before anything leaves this
// function, so nothing else can reach an event or the event log. A container that vanished, or a
// CRI error on its status, is an `unavailable` env (upstream keeps the hash at 0 and tries again
// in 3 s); a failing ListContainers rejects (the machine backs off).
import { readContainerEnvironment, type EnvCri } from '../../adapters/cri/container-env.js';
import { CriError, type Container, type ContainerManager } from '../../adapters/cri/index.js';
import type { ExecShaping, PlatformOs } from '../../adapters/platform/index.js';
import { pickEnvValues } from '../../machines/container-meta/container-environment.js';
import type { EnvReading, ReadPodRuntimeInput, RuntimeContainerView } from '../../machines/container-meta/types.js';
import { LABEL_CONTAINER_NAME, LABEL_POD_UID, plainHashOf, restartCountOf } from './kubelet-annotations.js';

export type ReadRuntimeCri = Pick<ContainerManager, 'listContainers'> & EnvCri;

export interface ReadRuntimePlatform {
  readonly os: PlatformOs;
  readonly exec: Pick<ExecShaping, 'envCommand' | 'envNamesCaseInsensitive'>;
}

const STATES: Readonly<Record<string, RuntimeContainerView['state']>> = {
  CONTAINER_CREATED: 'created',
  CONTAINER_RUNNING: 'running',
  CONTAINER_EXITED: 'exited',
};

function newestFirst(a: Container, b: Container): number {
  const d = BigInt(b.created_at || '0') - BigInt(a.created_at || '0');
  return d > 0n ? 1 : d < 0n ? -1 : 0;
}

/** The values `names` have in container `id`, and nothing else of its environment. */
async function readEnv(cri: EnvCri, id: string, names: readonly string[], platform: ReadRuntimePlatform, signal: AbortSignal): Promise<EnvReading> {
  try {
    const env = await readContainerEnvironment(cri, signal, id, { platform });
    if (env.source === 'unavailable') return { source: 'unavailable', reason: env.reason };
    return { source: env.source, values: pickEnvValues(env, names) };
  } catch (error) {
    if (signal.aborted || !(error instanceof CriError)) throw error;
    const reason = error.type === 'cri.notFound' ? 'the container is gone' : `ContainerStatus failed: ${error.type}: ${error.message}`;
    return { source: 'unavailable', reason };
  }
}

/** Newest runtime container per name of the pod, sorted by name, with the wanted env values. */
export async function readPodRuntime(
  cri: ReadRuntimeCri,
  input: ReadPodRuntimeInput,
  platform: ReadRuntimePlatform,
  signal: AbortSignal,
): Promise<RuntimeContainerView[]> {
  const { containers } = await cri.listContainers(signal, { filter: { label_selector: { [LABEL_POD_UID]: input.podUid } } });
  const newest = new Map<string, Container>();
  for (const c of [...containers].sort(newestFirst)) {
    const name = c.labels[LABEL_CONTAINER_NAME] ?? '';
    if (name !== '' && !newest.has(name)) newest.set(name, c);
  }
  const views = await Promise.all(
    [...newest].map(async ([name, c]): Promise<RuntimeContainerView> => {
      const containerID = `${input.runtimeName}://${c.id}`;
      const state = STATES[c.state] ?? 'unknown';
      const wanted = input.envWanted.find((w) => w.name === name);
      const read = wanted !== undefined && wanted.envNames.length > 0 && state === 'running' && !wanted.hashedIds.includes(containerID);
      return {
        name,
        containerID,
        state,
        restartCount: restartCountOf(c.annotations),
        plainHash: plainHashOf(c.annotations),
        env: read ? await readEnv(cri, c.id, wanted.envNames, platform, signal) : null,
      };
    }),
  );
  return views.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
