// The CRR feature end to end, in process: the fake API server enforcing the daemon's RBAC, the
// kubelet simulator running pods on the bed's REAL containerd, the manager's CRR controller double
// (snapshot publishing, deadlines, label removal), and the daemon's own composition — flags,
// connectCluster (informers), runtime discovery, wireCrr and startEngine on an event log in a temp
// dir — with a CRI client that notes every StopContainer. `startDaemon()` can be called again
// after `stop()` on the same data dir: that is a restart, and the log's unfinished actors recover.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { onTestFinished } from 'vitest';
import { createCriClient, CriError, type CriClient, type DiscoveredRuntime } from '../../../adapters/cri/index.js';
import type { KubeObject } from '../../../adapters/kube/index.js';
import { platformProfile } from '../../../adapters/platform/index.js';
import { connectCluster } from '../../../daemon/cluster.js';
import { startEngine, type RunningEngine } from '../../../daemon/engine-start.js';
import { combineWirings } from '../../../daemon/engine-wiring.js';
import { wireCrr, type WiredCrr } from '../../../daemon/features/crr/wiring.js';
import { parseDaemonFlags } from '../../../daemon/flags.js';
import type { HealthCheck, MetricSource } from '../../../daemon/http.js';
import { findRuntimes } from '../../../daemon/runtime.js';
import { authorizerFromRules, kruiseDaemonRules, startFakeApiServer, type FakeApiServer } from '../../bed/apiserver/index.js';
import { until } from '../../bed/apiserver/fixtures.js';
import { startKubeletSim, type ContainerJson, type ContainerStatusJson, type KubeletSim, type PodJson } from '../../bed/kubelet/index.js';
import { createCrr, startCrrController, type CrrController, type CrrInput } from '../../bed/manager/index.js';
import type { RuntimeBed } from '../../bed/runtime-bed.js';
import { tempDir } from '../../support/tmp.js';

export { until };
export const NODE = 'crr-node';
export const NS = 'default';
/** A shell loop that sleeps in the background, so a trapped signal is handled at once. */
export const LOOP = 'while true; do sleep 1 & wait $!; done';

export interface StopCall {
  readonly id: string;
  readonly timeout: number;
  readonly at: number;
  /** When StopContainer returned (or failed). */
  doneAt?: number;
}

/** An ExecSync (a preStop exec hook): container, start and end. */
export interface ExecCall {
  readonly id: string;
  readonly at: number;
  doneAt?: number;
}

export interface CrrStatus {
  phase?: string;
  message?: string;
  completionTime?: string;
  containerRecreateStates?: Array<{ name: string; phase: string; message?: string; isKilled?: boolean }>;
  containerStatusSnapshot?: Array<{ name: string; ready: boolean; restartCount: number; containerID: string }>;
}

export interface InProcessDaemon {
  readonly crr: WiredCrr;
  readonly engine: RunningEngine;
  /** Log lines the daemon wrote, parsed. */
  readonly logs: Array<{ level: number; msg: string; [k: string]: unknown }>;
  stop(): Promise<void>;
}

export interface CrrBed {
  readonly api: FakeApiServer;
  readonly cri: CriClient;
  readonly sim: KubeletSim;
  readonly manager: CrrController;
  readonly dataDir: string;
  /** Every StopContainer any daemon of this bed made, in order. */
  readonly stops: StopCall[];
  /** Every ExecSync (preStop exec hook) any daemon of this bed made, in order. */
  readonly execs: ExecCall[];
  /** From now on every ExecSync, once noted, waits for `gate(call)` before it reaches the runtime. */
  holdExecs(gate: (call: ExecCall) => Promise<void>): void;
  /** CRI ids whose StopContainer fails (a fault the runtime cannot be made to produce on demand). */
  readonly failStops: Set<string>;
  /** Every state of every CRR the store held, in order, with the time it was seen. */
  readonly history: Array<{ at: number; name: string; status: CrrStatus }>;
  /** Starts the daemon's composition; `args` are further `kruised run` flags. */
  startDaemon(options?: { featureGates?: string; args?: readonly string[] }): Promise<InProcessDaemon>;
  /** Creates a pod bound to the node and waits until every container runs (and is ready). */
  runPod(name: string, containers: ContainerJson[], spec?: Record<string, unknown>): Promise<PodJson>;
  pod(name: string): PodJson | undefined;
  statusOf(pod: string, container: string): ContainerStatusJson | undefined;
  /** The manager webhook double's create. */
  createCrr(input: CrrInput): KubeObject;
  /** A CRR stored as given (no webhook), with the labels the daemon selects on, for inputs the webhook would refuse. */
  rawCrr(name: string, pod: { name: string; uid: string }, containers: unknown[], extra?: Record<string, unknown>): KubeObject;
  crr(name: string, namespace?: string): (KubeObject & { status?: CrrStatus }) | undefined;
  /** Waits until the CRR has a completionTime; returns its status. */
  completed(name: string, timeoutMs?: number, namespace?: string): Promise<CrrStatus>;
  events(): Array<{ reason: string; type: string; message: string; involvedObject: Record<string, unknown>; source?: Record<string, unknown> }>;
}

export function idOf(containerID: string): string {
  return containerID.slice(containerID.indexOf('://') + 3);
}

/** A CRI client as is, but StopContainer and ExecSync are noted, and StopContainer fails for ids in `failStops`. */
function notingClient(
  cri: CriClient,
  stops: StopCall[],
  failStops: ReadonlySet<string>,
  execs: ExecCall[],
  execGate: () => ((call: ExecCall) => Promise<void>) | undefined,
): CriClient {
  return new Proxy(cri, {
    get(target, prop, receiver) {
      if (prop === 'execSync') {
        const exec: CriClient['execSync'] = async (signal, request, options) => {
          const call: ExecCall = { id: request.container_id, at: Date.now() };
          execs.push(call);
          try {
            await execGate()?.(call);
            return await target.execSync(signal, request, options);
          } finally {
            call.doneAt = Date.now();
          }
        };
        return exec;
      }
      if (prop !== 'stopContainer') return Reflect.get(target, prop, receiver);
      const stop: CriClient['stopContainer'] = async (signal, request, options) => {
        const call: StopCall = { id: request.container_id, timeout: Number(request.timeout ?? 0), at: Date.now() };
        stops.push(call);
        try {
          if (failStops.has(request.container_id))
            throw new CriError({ type: 'cri.unknown', code: 2, details: 'injected StopContainer failure', method: 'StopContainer' });
          return await target.stopContainer(signal, request, options);
        } finally {
          call.doneAt = Date.now();
        }
      };
      return stop;
    },
  });
}

export async function crrBed(bed: RuntimeBed, options: { crrVersions?: readonly string[] } = {}): Promise<CrrBed> {
  const api = await startFakeApiServer({ authorize: authorizerFromRules(kruiseDaemonRules) });
  if (options.crrVersions) api.setServedVersions('containerrecreaterequests.apps.kruise.io', options.crrVersions);
  const cri = createCriClient({ endpoint: bed.endpoint, platform: 'linux' });
  const sim = await startKubeletSim({ kubeConfig: api.kubeConfig(), nodeName: NODE, cri, podNetwork: bed.podNetwork, restartBackoffMs: 100, pollMs: 150 });
  const manager = startCrrController(api, { intervalMs: 200 });
  const dataDir = await tempDir('kruised-crr-');
  const kubeconfig = join(dataDir, 'kubeconfig');
  await writeFile(kubeconfig, api.kubeconfigYaml());
  const stops: StopCall[] = [];
  const execs: ExecCall[] = [];
  let execGate: ((call: ExecCall) => Promise<void>) | undefined;
  const failStops = new Set<string>();
  const history: CrrBed['history'] = [];
  const unwatch = api.store.subscribe((event) => {
    if (event.object.kind !== 'ContainerRecreateRequest') return;
    history.push({ at: Date.now(), name: event.object.metadata.name!, status: JSON.parse(JSON.stringify(event.object.status ?? {})) as CrrStatus });
  });
  const daemons: InProcessDaemon[] = [];
  onTestFinished(async () => {
    for (const d of daemons) await d.stop();
    unwatch();
    manager.stop();
    await sim.stop();
    cri.close();
    await api.close();
  });

  async function startDaemon(o: { featureGates?: string; args?: readonly string[] } = {}): Promise<InProcessDaemon> {
    const args = [
      `--kubeconfig=${kubeconfig}`,
      `--data-dir=${join(dataDir, 'daemon')}`,
      `--cri-endpoint=${bed.endpoint}`,
      '--event-log-commit-delay=1',
      ...(o.featureGates ? [`--feature-gates=${o.featureGates}`] : []),
      ...(o.args ?? []),
    ];
    const flags = parseDaemonFlags(args, { platform: 'linux', env: { NODE_NAME: NODE } });
    const logs: InProcessDaemon['logs'] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as InProcessDaemon['logs'][number]) });
    const profile = platformProfile('linux');
    const found = await findRuntimes(flags, profile, logger);
    const runtimes: DiscoveredRuntime[] = found.map((r) => ({ ...r, client: notingClient(r.client, stops, failStops, execs, () => execGate) }));
    const checks = new Map<string, HealthCheck>();
    const cluster = await connectCluster(flags, logger, checks, [] as MetricSource[]);
    const crr = wireCrr(flags, profile, cluster, runtimes, logger);
    const engine = await startEngine(flags, profile, logger, combineWirings([crr.wiring]));
    crr.start(engine);
    let stopped = false;
    const daemon: InProcessDaemon = {
      crr,
      engine,
      logs,
      async stop() {
        if (stopped) return;
        stopped = true;
        await crr.stop();
        cluster.stop();
        await engine.stop();
        for (const r of found) r.client.close();
      },
    };
    daemons.push(daemon);
    return daemon;
  }

  const podRef = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', namespace: NS, name });
  const pod = (name: string) => api.store.get(podRef(name)) as unknown as PodJson | undefined;
  const crrRef = (name: string, namespace = NS) => ({ apiVersion: 'apps.kruise.io/v1beta1', kind: 'ContainerRecreateRequest', namespace, name });
  const crr = (name: string, namespace = NS) => api.store.get(crrRef(name, namespace)) as (KubeObject & { status?: CrrStatus }) | undefined;
  return {
    api,
    cri,
    sim,
    manager,
    dataDir,
    stops,
    execs,
    holdExecs(gate) {
      execGate = gate;
    },
    failStops,
    history,
    startDaemon,
    async runPod(name, containers, spec = {}) {
      api.store.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS }, spec: { nodeName: NODE, containers, ...spec } });
      const all = (p: KubeObject | undefined) => {
        const statuses = (p as unknown as PodJson | undefined)?.status?.containerStatuses ?? [];
        return statuses.length === containers.length && statuses.every((s) => s.state.running !== undefined && s.ready);
      };
      return (await api.store.waitFor(podRef(name), all, 30_000)) as unknown as PodJson;
    },
    pod,
    statusOf: (name, container) => pod(name)?.status?.containerStatuses?.find((c) => c.name === container),
    createCrr: (input) => createCrr(api, input),
    rawCrr(name, target, containers, extra = {}) {
      const labels = {
        'crr.apps.kruise.io/active': 'true',
        'crr.apps.kruise.io/node-name': NODE,
        'crr.apps.kruise.io/pod-uid': target.uid,
        'crr.apps.kruise.io/pod-name': target.name,
      };
      return api.store.create({
        apiVersion: 'apps.kruise.io/v1beta1',
        kind: 'ContainerRecreateRequest',
        metadata: { name, namespace: NS, labels },
        spec: { podName: target.name, containers, strategy: { failurePolicy: 'Fail', terminationGracePeriodSeconds: 2 }, ...extra },
      });
    },
    crr,
    async completed(name, timeoutMs = 30_000, namespace = NS) {
      const done = await api.store.waitFor(crrRef(name, namespace), (o) => typeof (o?.status as CrrStatus | undefined)?.completionTime === 'string', timeoutMs);
      return done!.status as CrrStatus;
    },
    events: () => api.store.list('v1', 'Event', { namespace: NS }) as never,
  };
}
