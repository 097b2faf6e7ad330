// The demo's ContainerRecreateRequest step: a CRR for one container of the demo pod is created
// through the manager double's webhook (createCrr), as kruise-manager's webhook would, and the
// daemon restarts the container while the manager double's controller (started by the caller)
// publishes the container-status snapshots. Every change of the CRR's phase or
// containerRecreateStates in the API server's store is printed as it happens, then the
// container's new ID and restart count once the CRR is Completed.
import type { FakeApiServer, KubeObject } from '../apiserver/index.js';
import { createCrr } from '../manager/index.js';

interface CrrStatus {
  phase?: string;
  completionTime?: string;
  message?: string;
  containerRecreateStates?: Array<{ name: string; phase: string; isKilled?: boolean; message?: string }>;
}

export interface CrrRestartTarget {
  readonly namespace: string;
  readonly podName: string;
  readonly container: string;
  /** Strategy grace; small, as the container exits on SIGTERM. */
  readonly graceSeconds: number;
}

/** Creates the CRR, prints its progress, and resolves with its final status once it has a completionTime. */
export async function restartThroughCrr(
  api: Pick<FakeApiServer, 'store' | 'registry'>,
  target: CrrRestartTarget,
  print: (line: string) => void,
): Promise<CrrStatus> {
  const name = `restart-${target.container}`;
  const unsubscribe = watchCrr(api, target.namespace, name, print);
  try {
    const crr = createCrr(api, {
      name,
      namespace: target.namespace,
      podName: target.podName,
      containers: [target.container],
      strategy: { terminationGracePeriodSeconds: target.graceSeconds },
    });
    print(
      `cluster: ContainerRecreateRequest ${target.namespace}/${name} (${crr.apiVersion}) asks to recreate container ${target.container}, created as kruise-manager's webhook would`,
    );
    const ref = { apiVersion: crr.apiVersion!, kind: 'ContainerRecreateRequest', namespace: target.namespace, name };
    const done = await api.store.waitFor(ref, (o) => typeof statusOf(o)?.completionTime === 'string', 30_000);
    const status = statusOf(done);
    if (typeof status?.completionTime !== 'string')
      throw new Error(`CRR ${target.namespace}/${name} did not complete: ${JSON.stringify(done?.status ?? null)}`);
    return status;
  } finally {
    unsubscribe();
  }
}

/** One line per change of the CRR's phase or containerRecreateStates (the snapshot and label writes are not shown). */
function watchCrr(api: Pick<FakeApiServer, 'store'>, namespace: string, name: string, print: (line: string) => void): () => void {
  let last = '';
  return api.store.subscribe((e) => {
    const o = e.object;
    if (o.kind !== 'ContainerRecreateRequest' || o.metadata.namespace !== namespace || o.metadata.name !== name) return;
    const status = statusOf(o);
    if (!status?.phase) return;
    const states = (status.containerRecreateStates ?? []).map(
      (s) => `${s.name} ${s.phase}${s.isKilled ? ' (killed)' : ''}${s.message ? ` "${s.message}"` : ''}`,
    );
    const now = `${status.phase}${states.length > 0 ? `; containers: ${states.join(', ')}` : ''}${status.message ? `; "${status.message}"` : ''}`;
    if (now === last) return;
    last = now;
    print(`cluster: CRR ${namespace}/${name} ${now}`);
  });
}

function statusOf(crr: KubeObject | undefined): CrrStatus | undefined {
  return crr?.status as CrrStatus | undefined;
}
