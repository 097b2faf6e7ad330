// Shared by meta-sync: the cluster side as a child process of the bench (the fake API server with
// the daemon's RBAC, the manager double for in-place updates, and a store tap that notes when the
// runtime-containers-meta annotation first named each container), driven over IPC. This module
// imports only Node built-ins at load time; the bed's modules are loaded by the child.
import { performance } from 'node:perf_hooks';

export const NODE = 'bench-node';
export const NS = 'default';
/** Exits at once on SIGTERM (the trap interrupts `wait`), so a kill costs no grace. */
export const SLEEPER = ['sh', '-c', 'trap "exit 0" TERM; sleep 1000000 & wait'];

/** Wall-clock ms with sub-millisecond precision. */
export const preciseNow = (): number => performance.timeOrigin + performance.now();

export const podName = (i: number): string => `meta-${String(i).padStart(3, '0')}`;

export type MetaCommand =
  | { cmd: 'pods'; from: number; count: number; image: string }
  | { cmd: 'annotated'; names: string[]; timeoutMs: number }
  | { cmd: 'update'; names: string[]; version: string }
  | { cmd: 'completed'; names: string[]; timeoutMs: number }
  | { cmd: 'errors' };

export interface MetaReady {
  readonly kubeconfigYaml: string;
}

export interface PodContainers {
  readonly name: string;
  readonly uid: string;
  /** Container name → kube container ID, as the pod status shows it. */
  readonly ids: Record<string, string>;
}

/** Per container ID, preciseNow in the API child: when the pod status first showed it running, and when the annotation first named it with its env hash. */
export interface Seen {
  readonly statusAt: Record<string, number>;
  readonly annotatedAt: Record<string, number>;
  /** Per pod name, when its Killing event was stored. */
  readonly killingAt: Record<string, number>;
}

type Pod = {
  metadata: { name: string; uid: string; annotations?: Record<string, string> };
  status?: { containerStatuses?: Array<{ name: string; containerID?: string; state: { running?: unknown } }> };
};

const META = 'apps.kruise.io/runtime-containers-meta';

/** Child: the fake API server and the in-place update double, driven over IPC (one reply per command). */
export async function serveMetaApi(): Promise<void> {
  const { authorizerFromRules, kruiseDaemonRules, startFakeApiServer } = await import('../bed/apiserver/index.js');
  const { kruisePod, startInPlaceUpdateController } = await import('../bed/manager/index.js');
  const api = await startFakeApiServer({ authorize: authorizerFromRules(kruiseDaemonRules) });
  const manager = startInPlaceUpdateController(api, { intervalMs: 500 });
  const seen: Seen = { statusAt: {}, annotatedAt: {}, killingAt: {} };
  const { annotatedAt, statusAt } = seen;
  api.store.subscribe((event) => {
    const at = preciseNow();
    const object = event.object as unknown as Pod & { reason?: string; involvedObject?: { name?: string } };
    if (event.object.kind === 'Event' && object.reason === 'Killing' && object.involvedObject?.name) seen.killingAt[object.involvedObject.name] ??= at;
    if (event.object.kind !== 'Pod') return;
    for (const s of object.status?.containerStatuses ?? []) if (s.containerID && s.state.running !== undefined) statusAt[s.containerID] ??= at;
    const raw = object.metadata.annotations?.[META];
    if (raw === undefined) return;
    for (const c of (JSON.parse(raw) as { containers: Array<{ containerID: string; hashes: { extractedEnvFromMetadataHash?: number } }> }).containers) {
      if (c.hashes.extractedEnvFromMetadataHash !== undefined && annotatedAt[c.containerID] === undefined) annotatedAt[c.containerID] = at;
    }
  });
  const ref = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', namespace: NS, name });
  const containersOf = (pod: Pod): PodContainers => ({
    name: pod.metadata.name,
    uid: pod.metadata.uid,
    ids: Object.fromEntries((pod.status?.containerStatuses ?? []).map((s) => [s.name, s.containerID ?? ''])),
  });

  const handle = async (msg: MetaCommand): Promise<unknown> => {
    switch (msg.cmd) {
      case 'pods': {
        const names = Array.from({ length: msg.count }, (_, i) => podName(msg.from + i));
        for (const name of names) {
          const env = [
            { name: 'VERSION', valueFrom: { fieldRef: { fieldPath: "metadata.labels['version']" } } },
            { name: 'POD_NOTE', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['note']" } } },
            { name: 'PLAIN', value: 'x' },
          ];
          const containers = [
            { name: 'main', image: msg.image, imagePullPolicy: 'IfNotPresent' as const, command: SLEEPER, env },
            { name: 'side', image: msg.image, imagePullPolicy: 'IfNotPresent' as const, command: SLEEPER },
          ];
          api.store.create(
            kruisePod(name, NODE, containers, {
              labels: { app: 'bench', version: 'v1' },
              annotations: { note: 'a note' },
              spec: { terminationGracePeriodSeconds: 2 },
            }),
          );
        }
        const running = (o: unknown) => {
          const s = (o as Pod | undefined)?.status?.containerStatuses ?? [];
          return s.length === 2 && s.every((c) => c.state.running !== undefined);
        };
        const out: PodContainers[] = [];
        for (const name of names) out.push(containersOf((await api.store.waitFor(ref(name), running, 120_000)) as unknown as Pod));
        return out;
      }
      case 'annotated': {
        const named = (o: unknown) => {
          const pod = o as Pod | undefined;
          const ids = Object.values(containersOf(pod ?? { metadata: { name: '', uid: '' } }).ids);
          return ids.length === 2 && ids.every((id) => id !== '' && annotatedAt[id] !== undefined);
        };
        await Promise.all(msg.names.map((name) => api.store.waitFor(ref(name), named, msg.timeoutMs)));
        return seen;
      }
      case 'update': {
        // one synchronous turn: the 20 updates reach the daemon's watch together
        const started: Record<string, number> = {};
        for (const name of msg.names) {
          started[name] = preciseNow();
          manager.update(NS, name, { labels: { version: msg.version } });
        }
        return started;
      }
      case 'completed': {
        const pods = await Promise.all(msg.names.map((name) => manager.completed(NS, name, msg.timeoutMs)));
        const at = preciseNow();
        return { at, pods: pods.map((p) => containersOf(p as unknown as Pod)), updates: msg.names.map((n) => manager.updates.get(`${NS}/${n}`)?.at(-1)) };
      }
      case 'errors':
        return manager.errors.map((e) => e.message);
    }
  };
  process.on('message', (msg: MetaCommand) => {
    handle(msg).then(
      (reply) => process.send!({ reply }),
      (error: unknown) => process.send!({ error: (error as Error).stack ?? String(error) }),
    );
  });
  process.on('disconnect', () => {
    manager.stop();
    void api.close().finally(() => process.exit(0));
  });
  process.send!({ kubeconfigYaml: api.kubeconfigYaml() } satisfies MetaReady);
}
