// Container meta end to end, in process: the fake API server enforcing the daemon's RBAC, the
// kubelet simulator running pods (downward-API env, kubelet's hash and restart-count annotations)
// on the bed's REAL containerd (or on the SIMULATED Windows-like runtime), the manager double for
// in-place updates (test/bed/manager/in-place-update.ts, with its own hash), and the daemon's own
// composition — flags, connectCluster (the pod informer), runtime discovery, wireContainerMeta and
// startEngine on an event log in a temp dir — with a CRI client that notes every call.
// `startDaemon()` can be called again after `stop()` on the same data dir: that is a restart, and
// the log's unfinished actors recover.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { onTestFinished } from 'vitest';
import { createCriClient, type CriClient, type DiscoveredRuntime } from '../../../adapters/cri/index.js';
import { platformProfile, type PlatformProfile } from '../../../adapters/platform/index.js';
import { connectCluster } from '../../../daemon/cluster.js';
import { startEngine, type RunningEngine } from '../../../daemon/engine-start.js';
import { combineWirings } from '../../../daemon/engine-wiring.js';
import { wireContainerMeta, type WiredContainerMeta } from '../../../daemon/features/container-meta/wiring.js';
import { parseDaemonFlags } from '../../../daemon/flags.js';
import type { HealthCheck, MetricSource } from '../../../daemon/http.js';
import { findRuntimes } from '../../../daemon/runtime.js';
import type { ContainerMetaTiming } from '../../../machines/container-meta/types.js';
import { authorizerFromRules, kruiseDaemonRules, startFakeApiServer, type FakeApiServer } from '../../bed/apiserver/index.js';
import { until } from '../../bed/apiserver/fixtures.js';
import { startKubeletSim, type ContainerJson, type ContainerStatusJson, type KubeletSim, type PodJson } from '../../bed/kubelet/index.js';
import { kruisePod, runtimeMetaOf, startInPlaceUpdateController, type InPlaceUpdateController, type MetaEntryJson } from '../../bed/manager/index.js';
import { tempDir } from '../../support/tmp.js';

export { until };
export const NODE = 'meta-node';
export const NS = 'default';

/** Every CRI call a daemon of this bed made, in order. */
export interface CriCall {
  readonly method: string;
  readonly at: number;
  readonly containerId?: string;
  readonly verbose?: boolean;
  readonly cmd?: readonly string[];
  /** ListContainers: the pod UID it selected on. */
  readonly podUid?: string;
}

export interface InProcessDaemon {
  readonly meta: WiredContainerMeta;
  readonly engine: RunningEngine;
  readonly dataDir: string;
  /** Log lines the daemon wrote, parsed. */
  readonly logs: Array<{ level: number; msg: string; [k: string]: unknown }>;
  stop(): Promise<void>;
}

export interface MetaBed {
  readonly api: FakeApiServer;
  /** The test's own CRI client (not the daemon's): exec to look inside containers. */
  readonly cri: CriClient;
  readonly sim: KubeletSim;
  readonly manager: InPlaceUpdateController;
  readonly dataDir: string;
  readonly calls: CriCall[];
  startDaemon(options?: { featureGates?: string; args?: readonly string[]; profile?: PlatformProfile; timing?: ContainerMetaTiming }): Promise<InProcessDaemon>;
  /** Creates a pod bound to the node (a CloneSet's unless `owned: false`) and waits until every container runs. */
  runPod(
    name: string,
    containers: ContainerJson[],
    extra?: { owned?: boolean; labels?: Record<string, string>; annotations?: Record<string, string>; spec?: Record<string, unknown> },
  ): Promise<PodJson>;
  pod(name: string): PodJson | undefined;
  statusOf(pod: string, container: string): ContainerStatusJson | undefined;
  /** The pod's runtime-containers-meta entry for a container. */
  metaOf(pod: string, container: string): MetaEntryJson | undefined;
  /** Waits until the pod satisfies `predicate`; returns it. */
  waitPod(name: string, predicate: (pod: PodJson) => boolean, timeoutMs?: number): Promise<PodJson>;
  /** `argv` run in the container with ExecSync by the test's client; stdout as text. */
  exec(containerID: string, argv: readonly string[]): Promise<string>;
  events(): Array<{ reason: string; type: string; message: string; involvedObject: Record<string, unknown>; source?: Record<string, unknown> }>;
}

export const idOf = (containerID: string): string => containerID.slice(containerID.indexOf('://') + 3);

const podUidOf = (request: Record<string, unknown> | undefined): string | undefined =>
  (request?.filter as { label_selector?: Record<string, string> } | undefined)?.label_selector?.['io.kubernetes.pod.uid'];

/** A CRI client as is, but every call noted. */
function notingClient(cri: CriClient, calls: CriCall[]): CriClient {
  return new Proxy(cri, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function' || typeof prop !== 'string' || prop === 'close') return value;
      return (signal: unknown, request: Record<string, unknown> | undefined, options: unknown) => {
        calls.push({
          method: prop[0]!.toUpperCase() + prop.slice(1),
          at: Date.now(),
          ...(typeof request?.container_id === 'string' ? { containerId: request.container_id } : {}),
          ...(request?.verbose === true ? { verbose: true } : {}),
          ...(Array.isArray(request?.cmd) ? { cmd: request.cmd as string[] } : {}),
          ...(podUidOf(request) !== undefined ? { podUid: podUidOf(request) } : {}),
        });
        return (value as (...args: unknown[]) => unknown).call(target, signal, request, options);
      };
    },
  });
}

export interface MetaBedOptions {
  /** The CRI endpoint the kubelet simulator and the daemon use (the bed's containerd, or a CRI double's). */
  readonly endpoint: string;
  readonly podNetwork: 'host' | 'bridge';
}

export async function metaBed(options: MetaBedOptions): Promise<MetaBed> {
  const api = await startFakeApiServer({ authorize: authorizerFromRules(kruiseDaemonRules) });
  const cri = createCriClient({ endpoint: options.endpoint, platform: 'linux' });
  const sim = await startKubeletSim({ kubeConfig: api.kubeConfig(), nodeName: NODE, cri, podNetwork: options.podNetwork, restartBackoffMs: 100, pollMs: 150 });
  const manager = startInPlaceUpdateController(api, { intervalMs: 200 });
  const dataDir = await tempDir('kruised-meta-');
  const kubeconfig = join(dataDir, 'kubeconfig');
  await writeFile(kubeconfig, api.kubeconfigYaml());
  const calls: CriCall[] = [];
  const daemons: InProcessDaemon[] = [];
  onTestFinished(async () => {
    for (const d of daemons) await d.stop();
    manager.stop();
    await sim.stop();
    cri.close();
    await api.close();
  });

  async function startDaemon(o: Parameters<MetaBed['startDaemon']>[0] = {}): Promise<InProcessDaemon> {
    const daemonDir = join(dataDir, 'daemon');
    const args = [
      `--kubeconfig=${kubeconfig}`,
      `--data-dir=${daemonDir}`,
      `--cri-endpoint=${options.endpoint}`,
      '--event-log-commit-delay=1',
      ...(o.featureGates ? [`--feature-gates=${o.featureGates}`] : []),
      ...(o.args ?? []),
    ];
    const flags = parseDaemonFlags(args, { platform: 'linux', env: { NODE_NAME: NODE } });
    const logs: InProcessDaemon['logs'] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line) as InProcessDaemon['logs'][number]) });
    const linux = platformProfile('linux');
    const found = await findRuntimes(flags, linux, logger);
    const runtimes: DiscoveredRuntime[] = found.map((r) => ({ ...r, client: notingClient(r.client, calls) }));
    const cluster = await connectCluster(flags, logger, new Map<string, HealthCheck>(), [] as MetricSource[]);
    const meta = wireContainerMeta(flags, o.profile ?? linux, cluster, runtimes, logger, o.timing ? { timing: o.timing } : {});
    if (!meta) throw new Error('container meta is not wired: gate DaemonWatchingPod is off');
    const engine = await startEngine(flags, linux, logger, combineWirings([meta.wiring]));
    meta.start(engine);
    let stopped = false;
    const daemon: InProcessDaemon = {
      meta,
      engine,
      dataDir: daemonDir,
      logs,
      async stop() {
        if (stopped) return;
        stopped = true;
        await meta.stop();
        cluster.stop();
        await engine.stop();
        for (const r of found) r.client.close();
      },
    };
    daemons.push(daemon);
    return daemon;
  }

  const ref = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', namespace: NS, name });
  const pod = (name: string) => api.store.get(ref(name)) as unknown as PodJson | undefined;
  return {
    api,
    cri,
    sim,
    manager,
    dataDir,
    calls,
    startDaemon,
    async runPod(name, containers, extra = {}) {
      const metadata = { labels: extra.labels ?? {}, annotations: extra.annotations ?? {} };
      const body =
        extra.owned === false
          ? { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS, ...metadata }, spec: { nodeName: NODE, containers, ...extra.spec } }
          : kruisePod(name, NODE, containers, { ...metadata, ...(extra.spec ? { spec: extra.spec } : {}) });
      api.store.create(body);
      const running = (p: unknown) => {
        const statuses = (p as PodJson | undefined)?.status?.containerStatuses ?? [];
        return statuses.length === containers.length && statuses.every((s) => s.state.running !== undefined);
      };
      return (await api.store.waitFor(ref(name), running, 30_000)) as unknown as PodJson;
    },
    pod,
    statusOf: (name, container) => pod(name)?.status?.containerStatuses?.find((c) => c.name === container),
    metaOf: (name, container) => runtimeMetaOf(pod(name))?.containers.find((c) => c.name === container),
    async waitPod(name, predicate, timeoutMs = 30_000) {
      return (await api.store.waitFor(ref(name), (p) => p !== undefined && predicate(p as unknown as PodJson), timeoutMs)) as unknown as PodJson;
    },
    async exec(containerID, argv) {
      const answer = await cri.execSync(undefined, { container_id: idOf(containerID), cmd: [...argv], timeout: 10 });
      if (answer.exit_code !== 0) throw new Error(`${argv.join(' ')} exited with ${answer.exit_code}: ${Buffer.from(answer.stderr).toString()}`);
      return Buffer.from(answer.stdout).toString('utf8');
    },
    events: () => api.store.list('v1', 'Event', { namespace: NS }) as never,
  };
}

/** Every record line of a daemon's event log, as text (segments in order). */
export async function eventLogText(daemonDataDir: string): Promise<string> {
  const dir = join(daemonDataDir, 'events');
  const files = (await readdir(dir)).filter((f) => f.endsWith('.jsonl')).sort();
  return (await Promise.all(files.map((f) => readFile(join(dir, f), 'utf8')))).join('');
}
