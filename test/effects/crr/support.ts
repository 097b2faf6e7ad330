// Shared by the CRR effect tests: a node made of the fake API server, the kubelet simulator on a
// CRI runtime (the bed's real containerd, or the simulated one), and a real EventRecorder; pods
// started and awaited by name; a pass-through CRI wrapper that notes StopContainer calls; and a
// parent statechart that runs one effect and keeps every event it reports.
import { createActor, createMachine, type AnyActorLogic, type EventObject } from 'xstate';
import type { CriClient } from '../../../adapters/cri/index.js';
import { EventRecorder, kubeClientsFrom, type KubeObject } from '../../../adapters/kube/index.js';
import { platformProfile, type PlatformOs } from '../../../adapters/platform/index.js';
import type { CrrCri, KillDeps } from '../../../effects/crr/index.js';
import { startFakeApiServer, type FakeApiServer } from '../../bed/apiserver/index.js';
import { until } from '../../bed/apiserver/fixtures.js';
import { startKubeletSim, type ContainerJson, type ContainerStatusJson, type KubeletSim, type PodJson } from '../../bed/kubelet/index.js';

export { until };
export const NS = 'default';

export interface PodEvent {
  readonly reason: string;
  readonly type: string;
  readonly message: string;
  readonly source: { component: string; host: string };
  readonly involvedObject: Record<string, unknown>;
  readonly count: number;
}

export interface RunningPod {
  readonly uid: string;
  /** `<runtime>://<id>` of the container named `main`. */
  readonly containerID: string;
  /** The runtime's own ID. */
  readonly id: string;
}

export interface CrrNode {
  readonly api: FakeApiServer;
  readonly cri: CriClient;
  readonly sim: KubeletSim;
  readonly recorder: EventRecorder;
  readonly platform: ReturnType<typeof platformProfile>;
  /** Creates a pod with one container `main` and waits until it runs. */
  runPod(name: string, main: Omit<ContainerJson, 'name' | 'image'>, spec?: Record<string, unknown>): Promise<RunningPod>;
  /** The pod's `main` container status as the simulator last reported it. */
  mainStatus(name: string): ContainerStatusJson | undefined;
  /** Every event written for the pod so far (after the recorder drained). */
  eventsOf(podName: string): Promise<PodEvent[]>;
  close(): Promise<void>;
}

export async function startCrrNode(options: {
  cri: CriClient;
  image: string;
  os: PlatformOs;
  podNetwork: 'host' | 'bridge';
  nodeName: string;
}): Promise<CrrNode> {
  const api = await startFakeApiServer();
  const sim = await startKubeletSim({
    kubeConfig: api.kubeConfig(),
    nodeName: options.nodeName,
    cri: options.cri,
    podNetwork: options.podNetwork,
    restartBackoffMs: 200,
    pollMs: 200,
  });
  const recorder = new EventRecorder({ transport: kubeClientsFrom(api.kubeConfig()).transport, host: options.nodeName });
  const ref = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', namespace: NS, name });
  const mainOf = (pod: KubeObject | undefined) => (pod as unknown as PodJson | undefined)?.status?.containerStatuses?.find((c) => c.name === 'main');
  return {
    api,
    cri: options.cri,
    sim,
    recorder,
    platform: platformProfile(options.os),
    async runPod(name, main, spec = {}) {
      const pod = api.store.create({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: NS },
        spec: { nodeName: options.nodeName, containers: [{ name: 'main', image: options.image, ...main }], ...spec },
      });
      const running = mainOf(await api.store.waitFor(ref(name), (p) => mainOf(p)?.state.running !== undefined, 30_000))!;
      const containerID = running.containerID!;
      return { uid: pod.metadata.uid!, containerID, id: containerID.slice(containerID.indexOf('://') + 3) };
    },
    mainStatus: (name) => mainOf(api.store.get(ref(name))),
    async eventsOf(podName) {
      await recorder.idle();
      return (api.store.list('v1', 'Event', { namespace: NS }) as unknown as PodEvent[]).filter((e) => e.involvedObject.name === podName);
    },
    async close() {
      await recorder.idle();
      await sim.stop();
      await api.close();
    },
  };
}

/** The CRI client as is, noting each StopContainer's container and timeout. */
export function notingStops(cri: CriClient): { cri: CrrCri; stops: Array<{ id: string; timeout: number }> } {
  const stops: Array<{ id: string; timeout: number }> = [];
  return {
    stops,
    cri: {
      listContainers: (s, r, o) => cri.listContainers(s, r, o),
      containerStatus: (s, r, o) => cri.containerStatus(s, r, o),
      execSync: (s, r, o) => cri.execSync(s, r, o),
      stopContainer: (s, r, o) => {
        stops.push({ id: r.container_id, timeout: Number(r.timeout ?? 0) });
        return cri.stopContainer(s, r, o);
      },
    },
  };
}

export function killDeps(node: CrrNode, cri: CrrCri): KillDeps {
  return { cri, events: node.recorder, platform: node.platform, now: Date.now };
}

/** Calls to the kill path's hooks and the outcome, in order, as strings: `preStopFinished`, `preStopFinished:<error>`. */
export function hookLog(): { calls: Array<{ at: number; what: string }>; preStopFinished(error?: string): void } {
  const calls: Array<{ at: number; what: string }> = [];
  return { calls, preStopFinished: (error) => void calls.push({ at: Date.now(), what: error === undefined ? 'preStopFinished' : `preStopFinished:${error}` }) };
}

/** Runs one effect under a parent machine; `events` gets everything it reports, done/error included. */
export function runEffect(logic: AnyActorLogic, input: unknown) {
  const events: EventObject[] = [];
  const keep = ({ event }: { event: EventObject }) => void events.push(event);
  const machine = createMachine({
    invoke: { id: 'effect', src: logic, input, onDone: { actions: keep }, onError: { actions: keep } },
    on: { '*': { actions: keep } },
  });
  const actor = createActor(machine).start();
  return { events, stop: () => actor.stop() };
}
