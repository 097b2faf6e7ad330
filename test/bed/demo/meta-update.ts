// The demo's container-meta step: an in-place update of env from metadata. A pod as a CloneSet
// creates it (owned by a kruise workload, gated on InPlaceUpdateReady) runs a container whose env
// var VERSION reads the pod's label `version` through the downward API. kruised reports the
// container in the runtime-containers-meta annotation with the hash of that env; the manager
// double for in-place updates then does what kruise-manager does for a template change of the
// label: InPlaceUpdateReady False, and the new label. kruised restarts exactly that container, once,
// and reports the new one; the manager sees its hash match and sets InPlaceUpdateReady True. The
// value inside the container before and after is read with exec, and every step is printed as the
// API server's store sees it.
import type { CriClient } from '../../../adapters/cri/index.js';
import type { FakeApiServer, KubeObject } from '../apiserver/index.js';
import type { PodJson } from '../kubelet/types.js';
import { kruisePod, runtimeMetaOf, startInPlaceUpdateController } from '../manager/index.js';

const NAME = 'meta-demo';
/** Exits at once on SIGTERM, so the restart's graceful stop is quick. */
const LOOP = "trap 'exit 0' TERM; while true; do sleep 1 & wait $!; done";

export async function inPlaceUpdateOfEnv(
  api: Pick<FakeApiServer, 'store' | 'registry'>,
  cri: CriClient,
  node: string,
  image: string,
  print: (line: string) => void,
): Promise<{ restarts: number; before: string; after: string }> {
  const manager = startInPlaceUpdateController(api, { intervalMs: 200 });
  const unsubscribe = watch(api, print);
  const ref = { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: NAME };
  const pod = () => api.store.get(ref) as unknown as PodJson | undefined;
  const main = () => pod()?.status?.containerStatuses?.[0];
  try {
    const env = [{ name: 'VERSION', valueFrom: { fieldRef: { fieldPath: "metadata.labels['version']" } } }];
    api.store.create(
      kruisePod(NAME, node, [{ name: 'app', image, command: ['sh', '-c', LOOP], env }], {
        labels: { version: 'v1' },
        spec: { terminationGracePeriodSeconds: 2 },
      }),
    );
    print(`cluster: pod default/${NAME}, owned by a CloneSet, runs container app with env VERSION from the label version=v1 (downward API)`);
    await api.store.waitFor(ref, () => main()?.state.running !== undefined && runtimeMetaOf(pod())?.containers[0]?.containerID === main()?.containerID, 30_000);
    const first = main()!.containerID!;
    const before = await versionIn(cri, first);
    print(`cluster: inside ${first}: VERSION=${before}`);

    manager.update('default', NAME, { labels: { version: 'v2' } });
    print('cluster: the manager (double) updates the pod in place as kruise-manager does: InPlaceUpdateReady False, then the label version=v2');
    const done = await manager.completed('default', NAME, 60_000);
    const now = done.status!.containerStatuses![0]!;
    const after = await versionIn(cri, now.containerID!);
    print(`cluster: inside ${now.containerID} (restartCount ${now.restartCount}): VERSION=${after}`);
    return { restarts: now.restartCount, before, after };
  } finally {
    unsubscribe();
    manager.stop();
  }
}

async function versionIn(cri: CriClient, containerID: string): Promise<string> {
  const answer = await cri.execSync(undefined, { container_id: containerID.slice(containerID.indexOf('://') + 3), cmd: ['env'], timeout: 10 });
  const line = Buffer.from(answer.stdout)
    .toString('utf8')
    .split('\n')
    .find((l) => l.startsWith('VERSION='));
  return line?.slice('VERSION='.length) ?? '(not set)';
}

/** One line per change the demo is about: the annotation's entry, InPlaceUpdateReady, and the restarter's Killing event. */
function watch(api: Pick<FakeApiServer, 'store'>, print: (line: string) => void): () => void {
  let lastMeta = '';
  let lastReady = '';
  return api.store.subscribe((e) => {
    const o = e.object as KubeObject & { reason?: string; message?: string; involvedObject?: { name?: string }; source?: { component?: string } };
    if (o.kind === 'Event' && e.type === 'ADDED' && o.reason === 'Killing' && o.involvedObject?.name === NAME) {
      print(`cluster: Event Killing from ${o.source?.component}: ${o.message}`);
      return;
    }
    if (o.kind !== 'Pod' || o.metadata.name !== NAME) return;
    const entry = runtimeMetaOf(o)?.containers[0];
    const meta = entry
      ? `${entry.containerID}, restartCount ${entry.restartCount}, extractedEnvFromMetadataHash ${entry.hashes.extractedEnvFromMetadataHash ?? 'none'}`
      : '';
    if (meta !== '' && meta !== lastMeta) {
      lastMeta = meta;
      print(`cluster: kruised reports in apps.kruise.io/runtime-containers-meta: ${meta}`);
    }
    const ready = (o as unknown as PodJson).status?.conditions?.find((c) => c.type === 'InPlaceUpdateReady')?.status ?? '';
    if (ready !== '' && ready !== lastReady) {
      lastReady = ready;
      print(`cluster: InPlaceUpdateReady ${ready}`);
    }
  });
}
