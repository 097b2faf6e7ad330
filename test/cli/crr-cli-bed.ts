// `kruised run` with ContainerRecreateRequests as the crash tests start it: the fake API server
// with the daemon's RBAC, the kubelet simulator on the bed's real containerd, the manager's CRR
// controller double, a data directory that outlives one daemon (a restart recovers from the same
// log), and a hook witness: an HTTP server on the host that a preStop hook calls (`hookCommand`)
// when it starts and when it ends, so a test counts hook runs that no daemon reports.
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { onTestFinished } from 'vitest';
import { createCriClient, type CriClient } from '../../adapters/cri/index.js';
import type { KubeObject } from '../bed/apiserver/index.js';
import { startKubeletSim, type ContainerJson, type ContainerStatusJson, type KubeletSim, type PodJson } from '../bed/kubelet/index.js';
import { startCrrController } from '../bed/manager/index.js';
import type { RuntimeBed } from '../bed/runtime-bed.js';
import type { CoreEvent } from '../support/events.js';
import { cliDaemonBed, NODE, type CliDaemonBed } from './image-puller-daemon.js';

export { NODE };
export { byEmission, repeatedEmissions, type CoreEvent } from '../support/events.js';
export const LOOP = 'while true; do sleep 1 & wait $!; done';

export interface CrrCliBed extends CliDaemonBed {
  readonly cri: CriClient;
  readonly sim: KubeletSim;
  /** Hook runs seen by the witness, in order: `start <label>` / `end <label>`. */
  readonly hookCalls: string[];
  /** A preStop exec command that calls the witness with `start`, runs `body`, then calls it with `end`. */
  hookCommand(label: string, body: string): string[];
  runPod(name: string, containers: ContainerJson[], spec?: Record<string, unknown>): Promise<PodJson>;
  container(pod: string, name: string): ContainerStatusJson | undefined;
  crrStatus(name: string): { phase?: string; completionTime?: string; containerRecreateStates?: unknown[] } | undefined;
  completed(name: string, timeoutMs?: number): Promise<{ phase?: string; containerRecreateStates?: unknown[] }>;
  /** Every core/v1 Event in namespace default. */
  events(): CoreEvent[];
}

export async function crrCliBed(bed: RuntimeBed): Promise<CrrCliBed> {
  if (bed.podNetwork !== 'host') throw new Error('the hook witness needs host networking (the bed offers only that)');
  const base = await cliDaemonBed(bed);
  const api = base.api;
  const cri = createCriClient({ endpoint: bed.endpoint, platform: 'linux' });
  const sim = await startKubeletSim({ kubeConfig: api.kubeConfig(), nodeName: NODE, cri, podNetwork: bed.podNetwork, restartBackoffMs: 100, pollMs: 150 });
  const manager = startCrrController(api, { intervalMs: 200 });
  const hookCalls: string[] = [];
  const witness = createHttpServer((req, res) => {
    hookCalls.push(decodeURIComponent((req.url ?? '/').slice(1)).replace('/', ' '));
    res.end('ok');
  });
  await new Promise<void>((resolve) => witness.listen(0, '127.0.0.1', resolve));
  const port = (witness.address() as AddressInfo).port;
  onTestFinished(async () => {
    manager.stop();
    await sim.stop();
    cri.close();
    witness.close();
    await base.close();
  });
  const podRef = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', namespace: 'default', name });
  const crrRef = (name: string) => ({ apiVersion: 'apps.kruise.io/v1beta1', kind: 'ContainerRecreateRequest', namespace: 'default', name });
  const call = (what: string, label: string) => `wget -q -O /dev/null http://127.0.0.1:${port}/${what}/${label}`;
  return {
    ...base,
    cri,
    sim,
    hookCalls,
    hookCommand: (label, body) => ['sh', '-c', `${call('start', label)}; (${body}); status=$?; ${call('end', label)}; exit $status`],
    async runPod(name, containers, spec = {}) {
      api.store.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName: NODE, containers, ...spec } });
      const ready = (p: KubeObject | undefined) => {
        const statuses = (p as unknown as PodJson | undefined)?.status?.containerStatuses ?? [];
        return statuses.length === containers.length && statuses.every((s) => s.state.running !== undefined && s.ready);
      };
      return (await api.store.waitFor(podRef(name), ready, 30_000)) as unknown as PodJson;
    },
    container: (pod, name) => (api.store.get(podRef(pod)) as unknown as PodJson | undefined)?.status?.containerStatuses?.find((c) => c.name === name),
    crrStatus: (name) => api.store.get(crrRef(name))?.status as never,
    async completed(name, timeoutMs = 60_000) {
      const done = await api.store.waitFor(
        crrRef(name),
        (o) => typeof (o?.status as { completionTime?: unknown } | undefined)?.completionTime === 'string',
        timeoutMs,
      );
      return done!.status as never;
    },
    events: () => api.store.list('v1', 'Event', { namespace: 'default' }) as unknown as CoreEvent[],
  };
}

/** Polls `check` every 50 ms until it holds. */
export async function until<T>(
  check: () => T | undefined | false | null | Promise<T | undefined | false | null>,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
