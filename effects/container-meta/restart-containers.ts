// The containermeta restarter (contract §7.4) for the containers one pass found stale, at once
// (upstream runs 10 restart workers): for each container ID, the runtime by the ID's scheme
// (unknown: dropped, as upstream), one ContainerStatus for its state, labels and annotations (a
// container that is gone or not running is dropped, as upstream's ListContainers check drops it),
// then the shared kill path (effects/crr/kill-container.ts) with the pod and container rebuilt
// from kubelet's labels and annotations (grace, preStop, ports), component
// kruise-daemon-containermeta and upstream's message `Stopping containerID <runtime>://<id> by
// container meta restarter`. The kill acts only once the event log holds the decision (`mayAct`),
// and it looks at the container again first, so a run repeated after a crash finds the container
// already stopped and kills nothing twice, never the container the kubelet started in its place.
import { CriError, type ContainerManager } from '../../adapters/cri/index.js';
import { EVENT_COMPONENTS, eventMessages } from '../../adapters/kube/index.js';
import type { RestartContainersInput, RestartContainersOutput, RestartOutcome } from '../../machines/container-meta/types.js';
import { errorText } from '../../machines/shared/index.js';
import { killContainer, type KillCri, type KillDeps } from '../crr/kill-container.js';
import { killSpecFromContainer } from './kubelet-annotations.js';

export type RestartCri = KillCri & Pick<ContainerManager, 'containerStatus'>;

export interface RestartDeps extends Omit<KillDeps, 'cri'> {
  /** The CRI client of the discovered runtime with this name, or undefined when there is none. */
  criFor(runtimeName: string): RestartCri | undefined;
}

type Result = RestartContainersOutput['results'][number];

async function restartOne(deps: RestartDeps, containerID: string, signal: AbortSignal): Promise<Result> {
  const done = (outcome: RestartOutcome, message: string): Result => ({ containerID, outcome, message });
  const parts = containerID.split('://');
  const cri = parts.length === 2 ? deps.criFor(parts[0]!) : undefined;
  if (cri === undefined) {
    deps.logger?.info({ containerID }, 'not found runtime service in daemon; not restarting the container');
    return done('alreadyStopped', `not found runtime service for ${parts[0]} in daemon`);
  }
  const id = parts[1]!;
  let status: Awaited<ReturnType<RestartCri['containerStatus']>>['status'];
  try {
    ({ status } = await cri.containerStatus(signal, { container_id: id }));
  } catch (error) {
    if (signal.aborted) throw error;
    if (error instanceof CriError && error.type === 'cri.notFound') return done('alreadyStopped', 'the container is gone');
    return done('failed', errorText(error));
  }
  if (status === null) return done('alreadyStopped', 'the container is gone');
  if (status.state !== 'CONTAINER_RUNNING') return done('alreadyStopped', `the container is ${status.state}`);
  const spec = killSpecFromContainer(id, status.labels, status.annotations, {
    component: EVENT_COMPONENTS.containerMeta,
    killingMessage: eventMessages.containerMetaKilling(containerID),
  });
  const outcome = await killContainer({ ...deps, cri }, spec, signal, { preStopFinished: () => undefined });
  if (outcome.kind === 'failed') return done('failed', outcome.message);
  return outcome.kind === 'stopped' ? done('stopped', '') : done('alreadyStopped', `the container is ${outcome.reason}`);
}

/** Stops every target; resolves with one result per target. Rejects only when `signal` aborts. */
export async function restartContainers(deps: RestartDeps, input: RestartContainersInput, signal: AbortSignal): Promise<Result[]> {
  return Promise.all(input.targets.map((t) => restartOne(deps, t.containerID, signal)));
}
