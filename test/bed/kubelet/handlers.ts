// Runtime actions of the pod worker: pulling an image per pull policy, exec readiness probes,
// and the graceful kill: preStop hook (exec through CRI ExecSync, sleep, httpGet against an
// explicit host or the node IP; tcpSocket is invalid in kubelet and skipped), then StopContainer
// with what is left of the grace period, at least 2 s (kubelet's minimum).
import { setTimeout as sleep } from 'node:timers/promises';
import type { CriClient } from '../../../adapters/cri/index.js';
import type { ContainerJson, LifecycleHandlerJson, ProbeJson } from './types.js';

/** IfNotPresent/Never look first; Always always pulls. No pull secrets. */
export async function ensureImage(cri: CriClient, signal: AbortSignal, c: ContainerJson): Promise<void> {
  const image = { image: c.image ?? '' };
  const present = c.imagePullPolicy !== 'Always' && (await cri.imageStatus(signal, { image })).image !== null;
  if (!present && c.imagePullPolicy === 'Never') throw new Error(`image "${c.image}" is not present with pull policy of Never`);
  if (!present) await cri.pullImage(signal, { image });
}

/** preStop (bounded by the grace period), then StopContainer with the rest of it, at least 2 s. */
export async function killContainer(cri: CriClient, signal: AbortSignal, id: string, c: ContainerJson, graceSeconds: number, hostIP: string): Promise<void> {
  const started = Date.now();
  if (c.lifecycle?.preStop && graceSeconds > 0) await runPreStop(cri, signal, id, c.lifecycle.preStop, graceSeconds, hostIP);
  const left = Math.max(2, graceSeconds - Math.floor((Date.now() - started) / 1000));
  await cri.stopContainer(signal, { container_id: id, timeout: left });
}

/** One exec probe run: exit code 0 within `timeoutSeconds` passes. */
export async function probePasses(cri: CriClient, signal: AbortSignal, containerId: string, probe: ProbeJson): Promise<boolean> {
  if (!probe.exec?.command) return true;
  try {
    const res = await cri.execSync(signal, { container_id: containerId, cmd: probe.exec.command, timeout: probe.timeoutSeconds ?? 1 });
    return res.exit_code === 0;
  } catch {
    return false;
  }
}

/** Runs the hook for at most `graceSeconds`; failures are swallowed, as kubelet only logs them. */
export async function runPreStop(
  cri: CriClient,
  signal: AbortSignal,
  containerId: string,
  handler: LifecycleHandlerJson,
  graceSeconds: number,
  hostIP: string,
): Promise<void> {
  const bound = AbortSignal.any([signal, AbortSignal.timeout(graceSeconds * 1000)]);
  try {
    if (handler.exec?.command) {
      await cri.execSync(bound, { container_id: containerId, cmd: handler.exec.command, timeout: 0 });
    } else if (handler.sleep) {
      await sleep(handler.sleep.seconds * 1000, undefined, { signal: bound });
    } else if (handler.httpGet) {
      const h = handler.httpGet;
      const scheme = (h.scheme ?? 'HTTP').toLowerCase();
      const url = `${scheme}://${h.host || hostIP}:${h.port}${h.path ?? '/'}`;
      const headers = Object.fromEntries((h.httpHeaders ?? []).map((x) => [x.name, x.value]));
      await fetch(url, { headers, signal: bound }).then((r) => r.arrayBuffer());
    }
  } catch {
    // FailedPreStopHook: logged by kubelet, never blocks the stop
  }
}
