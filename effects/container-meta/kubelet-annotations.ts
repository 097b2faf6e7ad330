// What kubelet writes on every CRI container it creates (contract §2.4), read back the way
// kruise-daemon's kuberuntime reads it (pkg/daemon/kuberuntime/labels.go):
// - the container hash, hex, parsed with strconv.ParseUint(s, 16, 64): no prefix, no sign, no
//   underscores; absent or unparsable is 0;
// - the restart count, strconv.Atoi: an optional sign and decimal digits; absent or bad is 0;
// - for a kill without the pod (the containermeta restarter): the pod's deletion and termination
//   grace periods (ParseInt base 10; bad is absent), the preStop handler and the ports (JSON;
//   bad is absent), rebuilt into the kill path's spec (restoreSpecsFromContainerLabels).
import type { KillSpec } from '../crr/kill-container.js';
import type { ContainerPortSpec, PreStopHandler } from '../../machines/crr/types.js';

export const LABEL_POD_NAME = 'io.kubernetes.pod.name';
export const LABEL_POD_NAMESPACE = 'io.kubernetes.pod.namespace';
export const LABEL_POD_UID = 'io.kubernetes.pod.uid';
export const LABEL_CONTAINER_NAME = 'io.kubernetes.container.name';
export const ANNOTATION_HASH = 'io.kubernetes.container.hash';
export const ANNOTATION_RESTART_COUNT = 'io.kubernetes.container.restartCount';
export const ANNOTATION_DELETION_GRACE = 'io.kubernetes.pod.deletionGracePeriod';
export const ANNOTATION_TERMINATION_GRACE = 'io.kubernetes.pod.terminationGracePeriod';
export const ANNOTATION_PRESTOP = 'io.kubernetes.container.preStopHandler';
export const ANNOTATION_PORTS = 'io.kubernetes.container.ports';

/** kubelet's minimumGracePeriodInSeconds: the grace when the container carries none. */
const MINIMUM_GRACE_SECONDS = 2;
const UINT64_MAX = (1n << 64n) - 1n;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

type Annotations = Readonly<Record<string, string>>;

/** The kubelet hash as decimal text ('0' when absent or not a uint64 in hex). */
export function plainHashOf(annotations: Annotations): string {
  const raw = annotations[ANNOTATION_HASH];
  if (raw === undefined || !/^[0-9a-fA-F]+$/.test(raw)) return '0';
  const value = BigInt(`0x${raw}`);
  return value > UINT64_MAX ? '0' : value.toString();
}

/** The restart count (0 when absent or not an int). */
export function restartCountOf(annotations: Annotations): number {
  const raw = annotations[ANNOTATION_RESTART_COUNT];
  if (raw === undefined || !/^[+-]?\d+$/.test(raw)) return 0;
  const value = BigInt(raw);
  return value < INT64_MIN || value > INT64_MAX ? 0 : Number(value);
}

function int64(raw: string | undefined): number | undefined {
  if (raw === undefined || !/^[+-]?\d+$/.test(raw)) return undefined;
  const value = BigInt(raw);
  return value < INT64_MIN || value > INT64_MAX ? undefined : Number(value);
}

function json(raw: string | undefined): unknown {
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

type Json = Record<string, unknown>;
const record = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const port = (v: unknown): number | string | undefined => (typeof v === 'number' && Number.isInteger(v) ? v : typeof v === 'string' ? v : undefined);

/** v1.LifecycleHandler JSON as the kill path takes it; null when there is none or it does not parse. */
export function preStopOf(annotations: Annotations): PreStopHandler | null {
  const raw = json(annotations[ANNOTATION_PRESTOP]);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
  const h = record(raw);
  const out: { exec?: PreStopHandler['exec']; httpGet?: PreStopHandler['httpGet']; tcpSocket?: PreStopHandler['tcpSocket'] } = {};
  if (typeof h.exec === 'object' && h.exec !== null) out.exec = { command: list(record(h.exec).command).filter((c): c is string => typeof c === 'string') };
  const http = record(h.httpGet);
  const httpPort = port(http.port);
  if (httpPort !== undefined) {
    const scheme = http.scheme === 'HTTPS' ? 'HTTPS' : http.scheme === 'HTTP' ? 'HTTP' : undefined;
    const headers = list(http.httpHeaders)
      .map(record)
      .map((x) => ({ name: str(x.name), value: str(x.value) }));
    out.httpGet = {
      port: httpPort,
      ...(str(http.path) ? { path: str(http.path) } : {}),
      ...(str(http.host) ? { host: str(http.host) } : {}),
      ...(scheme ? { scheme } : {}),
      ...(headers.length > 0 ? { httpHeaders: headers } : {}),
    };
  }
  const tcp = record(h.tcpSocket);
  const tcpPort = port(tcp.port);
  if (tcpPort !== undefined) out.tcpSocket = { port: tcpPort, ...(str(tcp.host) ? { host: str(tcp.host) } : {}) };
  // a handler kubelet wrote but the kill path cannot run (sleep) still counts as one: it fails as an invalid handler
  return Object.keys(out).length > 0 ? out : Object.keys(h).length > 0 ? {} : null;
}

/** []v1.ContainerPort JSON: the ports a named httpGet port resolves against. */
export function portsOf(annotations: Annotations): ContainerPortSpec[] {
  const out: ContainerPortSpec[] = [];
  for (const raw of list(json(annotations[ANNOTATION_PORTS]))) {
    const p = record(raw);
    if (typeof p.containerPort !== 'number' || !Number.isInteger(p.containerPort)) continue;
    out.push({ containerPort: p.containerPort, ...(str(p.name) ? { name: str(p.name) } : {}), ...(str(p.protocol) ? { protocol: str(p.protocol) } : {}) });
  }
  return out;
}

/** The grace: the pod's deletion grace if the container carries one, else its termination grace, else 2 s. */
export function graceOf(annotations: Annotations): number {
  return int64(annotations[ANNOTATION_DELETION_GRACE]) ?? int64(annotations[ANNOTATION_TERMINATION_GRACE]) ?? MINIMUM_GRACE_SECONDS;
}

/** restoreSpecsFromContainerLabels: the kill path's spec from the container's own labels and annotations. */
export function killSpecFromContainer(
  containerId: string,
  labels: Annotations,
  annotations: Annotations,
  speech: Pick<KillSpec, 'component' | 'killingMessage'>,
): KillSpec {
  return {
    containerId,
    pod: { namespace: labels[LABEL_POD_NAMESPACE] ?? '', name: labels[LABEL_POD_NAME] ?? '', uid: labels[LABEL_POD_UID] ?? '' },
    container: { name: labels[LABEL_CONTAINER_NAME] ?? '', preStop: preStopOf(annotations), ports: portsOf(annotations) },
    gracePeriodSeconds: graceOf(annotations),
    ...speech,
  };
}
