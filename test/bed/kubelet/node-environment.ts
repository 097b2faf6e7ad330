// What a kubelet gives a container beyond its image, for the simulator: hostPath volumes (mapped
// into a directory of the test's own where asked, so a test never touches the machine's real
// /var/lib), the service-account volume (token, ca.crt, namespace at
// /var/run/secrets/kubernetes.io/serviceaccount, as the ServiceAccount admission plugin and the
// kubelet's projected volume provide it), the KUBERNETES_SERVICE_HOST/PORT variables, and the
// resource limits and securityContext as the CRI LinuxContainerConfig kubelet sends
// (kuberuntime's generateLinuxContainerResources: CFS quota over a 100 ms period, cpu shares
// from the request, the memory limit in bytes, the QoS class's oom_score_adj).
import { mkdir, writeFile } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import type { KeyValue, LinuxContainerConfigInput, MountInput } from '../../../adapters/cri/index.js';
import { CFS_PERIOD_US, cfsQuotaUs, cpuMillis, memoryBytes } from '../../bench/pod-limits.js';
import type { ContainerJson, PodJson } from './types.js';

export const SERVICE_ACCOUNT_MOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface ProbeResult {
  readonly namespace: string;
  readonly pod: string;
  readonly uid: string;
  readonly container: string;
  readonly containerId: string;
  readonly kind: 'liveness';
  /** When the probe was sent (ms since the epoch). */
  readonly at: number;
  readonly ok: boolean;
  /** `HTTP 200`, or why it failed. */
  readonly detail: string;
}

/** The simulated node's side of a pod; every member is optional and the defaults change nothing on the host. */
export interface NodeEnvironment {
  /** Where a hostPath volume's `path` is on this machine (default: the path itself). */
  readonly hostPath?: (path: string) => string;
  /** Where the kubelet keeps per-pod files (the service-account volume). Required for pods that mount one. */
  readonly podsDir?: string;
  /** The API server as pods reach it: KUBERNETES_SERVICE_HOST/PORT, and the CA of the service-account volume. */
  readonly apiServer?: { readonly host: string; readonly port: number; readonly caPem: string };
  /** The token the TokenRequest API would give the pod's service account; undefined means the account does not exist. */
  readonly serviceAccountToken?: (namespace: string, serviceAccount: string) => string | undefined;
  /** Every liveness probe result, as it happens. */
  readonly onProbe?: (result: ProbeResult) => void;
}

/** The files and CRI mounts of a container's volumeMounts and service-account volume. Throws what kubelet would report as CreateContainerConfigError. */
export async function containerMounts(pod: PodJson, c: ContainerJson, node: NodeEnvironment): Promise<MountInput[]> {
  const mounts: MountInput[] = [];
  for (const m of c.volumeMounts ?? []) {
    const volume = (pod.spec.volumes ?? []).find((v) => v.name === m.name);
    if (volume === undefined) throw new Error(`cannot find volume "${m.name}" to mount into container "${c.name}"`);
    if (volume.hostPath === undefined) throw new Error(`volume "${m.name}": only hostPath volumes are simulated`);
    const hostPath = (node.hostPath ?? ((p: string) => p))(volume.hostPath.path);
    if (volume.hostPath.type === 'DirectoryOrCreate') await mkdir(hostPath, { recursive: true, mode: 0o755 });
    mounts.push({ container_path: m.mountPath, host_path: hostPath, readonly: m.readOnly === true });
  }
  if (pod.spec.automountServiceAccountToken !== false && node.apiServer !== undefined) {
    const account = pod.spec.serviceAccountName ?? 'default';
    const token = node.serviceAccountToken?.(pod.metadata.namespace, account);
    if (token === undefined) throw new Error(`serviceaccount "${account}" not found`);
    if (node.podsDir === undefined) throw new Error('the simulator has no podsDir for service-account volumes');
    const dir = join(node.podsDir, pod.metadata.uid, 'volumes', 'kube-api-access');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'token'), token, { mode: 0o644 });
    await writeFile(join(dir, 'ca.crt'), node.apiServer.caPem, { mode: 0o644 });
    await writeFile(join(dir, 'namespace'), pod.metadata.namespace, { mode: 0o644 });
    mounts.push({ container_path: SERVICE_ACCOUNT_MOUNT, host_path: dir, readonly: true });
  }
  return mounts;
}

/** The variables kubelet adds to every container for the `kubernetes` service. */
export function serviceEnv(node: NodeEnvironment): KeyValue[] {
  if (node.apiServer === undefined) return [];
  const { host, port } = node.apiServer;
  return [
    { key: 'KUBERNETES_SERVICE_HOST', value: host },
    { key: 'KUBERNETES_SERVICE_PORT', value: String(port) },
    { key: 'KUBERNETES_SERVICE_PORT_HTTPS', value: String(port) },
    { key: 'KUBERNETES_PORT', value: `tcp://${host}:${port}` },
    { key: 'KUBERNETES_PORT_443_TCP', value: `tcp://${host}:${port}` },
    { key: 'KUBERNETES_PORT_443_TCP_PROTO', value: 'tcp' },
    { key: 'KUBERNETES_PORT_443_TCP_PORT', value: String(port) },
    { key: 'KUBERNETES_PORT_443_TCP_ADDR', value: host },
  ];
}

/** kubelet's MilliCPUToShares: 2 at least, 1024 per core. */
function cpuShares(millis: number): number {
  return millis === 0 ? 2 : Math.max(2, Math.floor((millis * 1024) / 1000));
}

/** kubelet's GetContainerOOMScoreAdjust for the pod's QoS class (the bed's containerd clamps what it cannot set). */
function oomScoreAdj(qos: string, memoryRequestBytes: number): number {
  if (qos === 'Guaranteed') return -997;
  if (qos === 'BestEffort') return 1000;
  const adj = 1000 - Math.floor((1000 * memoryRequestBytes) / totalmem());
  return Math.min(999, Math.max(3, adj));
}

function qosOf(pod: PodJson): string {
  const all = pod.spec.containers.map((c) => c.resources ?? {});
  const any = all.some((r) => Object.keys({ ...r.requests, ...r.limits }).some((k) => k === 'cpu' || k === 'memory'));
  if (!any) return 'BestEffort';
  const guaranteed = all.every((r) => ['cpu', 'memory'].every((k) => r.limits?.[k] !== undefined && (r.requests?.[k] ?? r.limits[k]) === r.limits[k]));
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** The CRI LinuxContainerConfig for a container's resources and securityContext. */
export function linuxConfig(pod: PodJson, c: ContainerJson, podNetwork: 'host' | 'bridge'): LinuxContainerConfigInput {
  const limits = c.resources?.limits ?? {};
  const requests = c.resources?.requests ?? {};
  const cpuRequest = requests.cpu ?? limits.cpu;
  const resources: NonNullable<LinuxContainerConfigInput['resources']> = {
    cpu_shares: cpuShares(cpuRequest === undefined ? 0 : cpuMillis(cpuRequest)),
    oom_score_adj: oomScoreAdj(qosOf(pod), memoryBytes(requests.memory ?? limits.memory ?? '0')),
  };
  if (limits.cpu !== undefined) Object.assign(resources, { cpu_period: CFS_PERIOD_US, cpu_quota: cfsQuotaUs(cpuMillis(limits.cpu)) });
  if (limits.memory !== undefined) resources.memory_limit_in_bytes = memoryBytes(limits.memory);
  const sc = c.securityContext ?? {};
  return {
    resources,
    security_context: {
      privileged: sc.privileged === true,
      no_new_privs: sc.allowPrivilegeEscalation === false,
      readonly_rootfs: sc.readOnlyRootFilesystem === true,
      ...(sc.capabilities ? { capabilities: { add_capabilities: sc.capabilities.add ?? [], drop_capabilities: sc.capabilities.drop ?? [] } } : {}),
      namespace_options: { network: podNetwork === 'host' ? 'NODE' : 'POD', pid: 'CONTAINER', ipc: 'POD' },
    },
  };
}
