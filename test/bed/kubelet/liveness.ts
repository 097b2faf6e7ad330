// Liveness probes, kubelet style (pkg/kubelet/prober): the first after initialDelaySeconds, then
// every periodSeconds; httpGet succeeds on a status in [200, 400) within timeoutSeconds, exec on
// exit code 0. failureThreshold consecutive failures mark the container failed; the pod worker
// then kills it with the pod's grace period and restarts it per restartPolicy. A probe runs in
// the background, so a slow one never holds up the pod's sync. Every result goes to
// NodeEnvironment.onProbe, so a test can assert on what the kubelet saw.
import type { CriClient } from '../../../adapters/cri/index.js';
import type { NodeEnvironment } from './node-environment.js';
import type { ContainerJson, PodJson, ProbeJson } from './types.js';

export interface LivenessState {
  nextAt: number;
  failures: number;
  inFlight: boolean;
  /** failureThreshold consecutive failures: the container must be killed. */
  failed: boolean;
}

export function newLiveness(probe: ProbeJson | undefined, startedAt: number): LivenessState | undefined {
  return probe ? { nextAt: startedAt + (probe.initialDelaySeconds ?? 0) * 1000, failures: 0, inFlight: false, failed: false } : undefined;
}

async function runProbe(cri: CriClient, containerId: string, probe: ProbeJson, c: ContainerJson, podIP: string): Promise<{ ok: boolean; detail: string }> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  if (probe.httpGet) {
    const h = probe.httpGet;
    const port = typeof h.port === 'number' || /^\d+$/.test(h.port) ? Number(h.port) : c.ports?.find((p) => p.name === h.port)?.containerPort;
    if (port === undefined) return { ok: false, detail: `unknown port ${h.port}` };
    const url = `${(h.scheme ?? 'HTTP').toLowerCase()}://${h.host || podIP}:${port}${h.path ?? '/'}`;
    try {
      const res = await fetch(url, {
        headers: Object.fromEntries((h.httpHeaders ?? []).map((x) => [x.name, x.value])),
        signal: AbortSignal.timeout(timeoutMs),
      });
      await res.arrayBuffer();
      return { ok: res.status >= 200 && res.status < 400, detail: `HTTP ${res.status}` };
    } catch (e) {
      return { ok: false, detail: `Get "${url}": ${(e as Error).message}` };
    }
  }
  if (probe.exec?.command) {
    try {
      const res = await cri.execSync(undefined, { container_id: containerId, cmd: probe.exec.command, timeout: probe.timeoutSeconds ?? 1 });
      return { ok: res.exit_code === 0, detail: `exit code ${res.exit_code}` };
    } catch (e) {
      return { ok: false, detail: (e as Error).message };
    }
  }
  return { ok: true, detail: 'no handler simulated (tcpSocket, grpc)' };
}

/** Starts a probe when one is due; its result lands in `state` (and onProbe) when it completes. */
export function probeLiveness(
  state: LivenessState,
  args: { cri: CriClient; pod: PodJson; c: ContainerJson; containerId: string; podIP: string; node: NodeEnvironment; now: number },
): void {
  const probe = args.c.livenessProbe;
  if (!probe || state.inFlight || state.failed || args.now < state.nextAt) return;
  state.inFlight = true;
  state.nextAt = args.now + (probe.periodSeconds ?? 10) * 1000;
  const at = Date.now();
  void runProbe(args.cri, args.containerId, probe, args.c, args.podIP).then(({ ok, detail }) => {
    state.inFlight = false;
    state.failures = ok ? 0 : state.failures + 1;
    if (state.failures >= (probe.failureThreshold ?? 3)) state.failed = true;
    const { namespace, name, uid } = args.pod.metadata;
    args.node.onProbe?.({ namespace, pod: name, uid, container: args.c.name, containerId: args.containerId, kind: 'liveness', at, ok, detail });
  });
}
