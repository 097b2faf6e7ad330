// watch-fanin: observations per second from the fake API server, through the pod informer (the
// real client-node request stack, JSON over loopback HTTP), into the actor host (durable log,
// one actor per pod UID, each observation carrying the whole pod), for 10,000 pods on one node:
// the initial list, then a burst of 10,000 modifications. Each phase's clock stops when every
// observation is delivered and the log is durable. The fake API server runs in a child process,
// so the RSS figures are the daemon side's alone. Fresh processes that run nothing but one pod
// informer on a node of 110 pods (kubelet's default maximum) show the adapter's own footprint,
// with kubeconfig-file credentials (client-node's KubeConfig module) and with the in-cluster
// service-account source the daemon uses in a pod; bare Node is the baseline.
//
// This module imports only Node built-ins at load time: the probe processes run it too.
import { forkChild, type BenchChild } from './harness.js';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Result } from './report.js';

const PODS = 10_000;
const NODE = 'bench-node';
const PROBE_NODE = 'probe-node';
const PROBE_PODS = 110;
const SELF = fileURLToPath(import.meta.url);

interface Memory {
  readonly rssMiB: number;
  readonly anonMiB: number;
}

interface ServerReady {
  readonly kubeconfig: string;
  readonly url: string;
}

export async function run(): Promise<Result[]> {
  const { withTempDir } = await import('./harness.js');
  return withTempDir('watch-fanin', (dir) => runIn(dir));
}

async function runIn(dir: string): Promise<Result[]> {
  const { atMost, figure } = await import('./report.js');
  const { progress } = await import('./harness.js');
  const server = await startChild<ServerReady>(['--fake-api-server', dir]);
  try {
    progress(`seeding ${PODS} pods on ${NODE}, ${PROBE_PODS} on ${PROBE_NODE} and 1000 elsewhere`);
    await server.call({ cmd: 'seed', node: NODE, count: PODS });
    await server.call({ cmd: 'seed', node: PROBE_NODE, count: PROBE_PODS });
    await server.call({ cmd: 'seed', node: 'other-node', count: 1000 });
    const alone = await measureInformerAlone(server);
    const fanin = await measureFanIn(join(dir, 'log'), server);
    progress(`one pod informer alone (${PROBE_PODS} pods) with each credential source, and bare Node, in fresh processes`);
    const viaKubeconfig = await probe(['kubeconfig', server.ready.kubeconfig]);
    const inCluster = await probe(['in-cluster', server.ready.url, dir]);
    const bare = await probe(['bare']);
    return [
      figure('watch-fanin.initial-list', PODS / fanin.listSeconds, 'observations/s'),
      figure('watch-fanin.modify-burst', PODS / fanin.burstSeconds, 'observations/s'),
      figure('watch-fanin.informer-only-initial-list', PODS / alone.listSeconds, 'observations/s'),
      figure('watch-fanin.informer-only-modify-burst', PODS / alone.burstSeconds, 'observations/s'),
      figure('watch-fanin.rss', fanin.memory.rssMiB, 'MiB'),
      figure('watch-fanin.rss-anon', fanin.memory.anonMiB, 'MiB'),
      atMost('watch-fanin.rss-one-informer-in-cluster', inCluster.rssMiB, 'MiB', 128),
      figure('watch-fanin.rss-anon-one-informer-in-cluster', inCluster.anonMiB, 'MiB'),
      figure('watch-fanin.rss-one-informer-kubeconfig', viaKubeconfig.rssMiB, 'MiB'),
      figure('watch-fanin.rss-anon-one-informer-kubeconfig', viaKubeconfig.anonMiB, 'MiB'),
      figure('watch-fanin.rss-bare-node', bare.rssMiB, 'MiB'),
      figure('watch-fanin.rss-anon-bare-node', bare.anonMiB, 'MiB'),
    ];
  } finally {
    server.child.kill();
  }
}

type PodInformer = ReturnType<typeof import('../../adapters/kube/index.js')['podInformer']>;

/**
 * The two timed phases: subscribe until all PODS are observed (the list), then a burst of PODS
 * modifications until all are observed. `settle` runs inside each phase's clock (log durability),
 * `whileWatching` after both, before the informer stops.
 */
async function phases(
  server: BenchChild<ServerReady>,
  informer: PodInformer,
  onUpsert: (key: string, pod: object) => void,
  settle: () => Promise<void>,
  whileWatching = () => {},
) {
  const { progress, timed } = await import('./harness.js');
  let upserts = 0;
  let waiting: { count: number; resolve: () => void } | undefined;
  const until = (count: number) =>
    new Promise<void>((resolve) => {
      if (upserts >= count) resolve();
      else waiting = { count, resolve };
    });
  let subscription: { unsubscribe(): void } | undefined;
  try {
    const listSeconds = await timed(async () => {
      subscription = informer.subscribe((o) => {
        if (o.type !== 'upsert') return;
        onUpsert(o.key, o.object);
        if (++upserts >= (waiting?.count ?? Infinity)) waiting?.resolve();
      });
      await until(PODS);
      await settle();
    });
    while (informer.stats().state !== 'watching') await new Promise((r) => setTimeout(r, 5));
    progress(`burst of ${PODS} modifications`);
    const burstSeconds = await timed(async () => {
      await server.call({ cmd: 'modify', node: NODE });
      await until(2 * PODS);
      await settle();
    });
    const stats = informer.stats();
    if (stats.upserts !== 2 * PODS || stats.restarts !== 0) throw new Error(`unexpected informer stats ${JSON.stringify(stats)}`);
    whileWatching();
    return { listSeconds, burstSeconds };
  } finally {
    subscription?.unsubscribe();
  }
}

/** The same two phases with a subscriber that only counts: the informer's own share of the time. */
async function measureInformerAlone(server: BenchChild<ServerReady>) {
  const { kubeClients, podInformer } = await import('../../adapters/kube/index.js');
  (await import('./harness.js')).progress(`initial list of ${PODS} pods through the informer alone (a subscriber that counts)`);
  const informer = podInformer((await kubeClients(server.ready.kubeconfig)).transport, NODE, { watchTimeoutSeconds: 3600 });
  return phases(
    server,
    informer,
    () => undefined,
    async () => undefined,
  );
}

async function measureFanIn(dir: string, server: BenchChild<ServerReady>) {
  const { assign, setup } = await import('xstate');
  const { LiveClock } = await import('../../engine/clock.js');
  const { ActorHost } = await import('../../engine/host.js');
  const { EventLog } = await import('../../engine/log/event-log.js');
  const { registryOf } = await import('../../machines/registry-types.js');
  const { kubeClients, podInformer } = await import('../../adapters/kube/index.js');
  const { collectGarbage, progress } = await import('./harness.js');
  // One actor per pod UID; each observation lands in its context, so every step is a new snapshot.
  const podObserver = setup({
    types: {
      context: {} as { rv: string; seen: number },
      input: {} as Record<string, never>,
      events: {} as { type: 'k8s.podObserved'; pod: { metadata?: { resourceVersion?: string } } },
    },
    actions: { remember: assign({ rv: ({ event }) => event.pod.metadata?.resourceVersion ?? '', seen: ({ context }) => context.seen + 1 }) },
  }).createMachine({
    id: 'benchPodObserver',
    version: '1',
    context: { rv: '', seen: 0 },
    initial: 'observing',
    states: { observing: { on: { 'k8s.podObserved': { actions: 'remember' } } } },
  });

  const { log } = await EventLog.open({ dir, fsync: 'group' });
  const host = new ActorHost({
    log,
    clock: new LiveClock(),
    registry: registryOf([{ machine: podObserver, summary: 'benchmark: remembers the last pod seen' }]),
  });
  const informer = podInformer((await kubeClients(server.ready.kubeconfig)).transport, NODE, { watchTimeoutSeconds: 3600 });
  const noInput = () => ({});
  const deliver = (key: string, pod: object) => host.deliver(key, 'benchPodObserver', { type: 'k8s.podObserved', pod }, noInput);
  let memory: Memory | undefined;
  const measure = () => {
    collectGarbage();
    memory = memoryNow();
  };
  try {
    collectGarbage();
    progress(`initial list of ${PODS} pods into ${PODS} actors`);
    const times = await phases(server, informer, deliver, () => log.durable(), measure);
    if (host.size !== PODS || !memory) throw new Error(`expected ${PODS} actors, host has ${host.size}`);
    return { ...times, memory };
  } finally {
    await host.shutdown();
    await log.close();
  }
}

function memoryNow(): Memory {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMiB: kib('VmRSS') / 1024, anonMiB: kib('RssAnon') / 1024 };
}

/** Forks this file in a child mode. */
const startChild = <R>(args: string[]) => forkChild<R>(SELF, args, ['--expose-gc']);

async function probe(args: string[]): Promise<Memory> {
  const child = await startChild<Memory>(['--rss-probe', ...args]);
  child.child.kill();
  return child.ready;
}

/** A pod as kruise-manager's workloads make them: owner, labels, two containers with statuses (about 1.2 KB of JSON). */
function benchPod(node: string, i: number): object {
  const id = String(i).padStart(5, '0');
  const containers = ['main', 'sidecar'].map((name) => ({ name, image: `registry.example/${name}:1.0`, env: [{ name: 'MODE', value: 'bench' }] }));
  const statuses = containers.map(({ name }, c) => ({ name, ready: true, restartCount: 0, containerID: `containerd://${String(c).repeat(59)}${id}` }));
  const owner = { apiVersion: 'apps.kruise.io/v1alpha1', kind: 'CloneSet', name: 'bench', uid: 'owner-uid', controller: true };
  const metadata = {
    name: `${node}-pod-${id}`,
    namespace: `ns-${i % 20}`,
    labels: { app: 'bench' },
    annotations: { 'kruise.io/sidecarset-hash': '{}' },
    ownerReferences: [owner],
  };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata,
    spec: { nodeName: node, containers },
    status: { phase: 'Running', podIP: `10.0.${i >> 8}.${i & 255}`, containerStatuses: statuses },
  };
}

/** Child: the fake API server, driven over IPC (seed, modify). */
async function serveFakeApi(dir: string): Promise<void> {
  const { startFakeApiServer } = await import('../bed/apiserver/index.js');
  const api = await startFakeApiServer({ historyLimit: 50_000, token: null });
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, api.kubeconfigYaml());
  let round = 0;
  process.on('message', (msg: { cmd: string; node: string; count?: number }) => {
    if (msg.cmd === 'seed') for (let i = 0; i < (msg.count ?? 0); i += 1) api.store.create(benchPod(msg.node, i));
    if (msg.cmd === 'modify') {
      round += 1;
      for (const pod of api.store.list('v1', 'Pod', { fieldSelector: `spec.nodeName=${msg.node}` })) {
        api.store.patch(
          { apiVersion: 'v1', kind: 'Pod', namespace: pod.metadata.namespace!, name: pod.metadata.name! },
          { metadata: { labels: { round: String(round) } } },
        );
      }
    }
    process.send!({ done: msg.cmd });
  });
  process.send!({ kubeconfig, url: api.url } satisfies ServerReady);
}

/** Child: one pod informer and nothing else (or nothing at all); reports its memory once watching. */
async function probeOneInformer(mode: string, target: string | undefined, dir: string | undefined): Promise<void> {
  if (mode !== 'bare') {
    const kube = await import('../../adapters/kube/index.js');
    let transport: InstanceType<typeof kube.KubeTransport>;
    if (mode === 'kubeconfig') transport = (await kube.kubeClients(target)).transport;
    else {
      const prefix = join(dir!, 'sa');
      await mkdir(join(prefix, kube.SERVICE_ACCOUNT_DIR), { recursive: true });
      await writeFile(join(prefix, kube.SERVICE_ACCOUNT_DIR, 'token'), 'bench-token');
      transport = kube.kubeClientsFrom(kube.inClusterAuth({ prefix, server: target! })).transport;
    }
    const informer = kube.podInformer(transport, PROBE_NODE);
    informer.subscribe(() => undefined);
    while (informer.stats().state !== 'watching') await new Promise((r) => setTimeout(r, 10));
  }
  await new Promise((r) => setTimeout(r, 500));
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  process.send!(memoryNow());
}

if (process.argv[1] === SELF && process.argv[2] === '--fake-api-server') await serveFakeApi(process.argv[3]!);
if (process.argv[1] === SELF && process.argv[2] === '--rss-probe') await probeOneInformer(process.argv[3]!, process.argv[4], process.argv[5]);
