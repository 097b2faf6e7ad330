// CRI configs the way kubelet (k8s 1.32 `kuberuntime`) builds them: sandbox metadata and labels
// (`newPodLabels`), container labels and annotations (`newContainerLabels`,
// `newContainerAnnotations`; contract §2.4), and the container's environment.
import type { ContainerConfigInput, KeyValue, LinuxContainerConfigInput, MountInput, PodSandboxConfigInput } from '../../../adapters/cri/index.js';
import { containerHash, containerPortsJson, lifecycleHandlerJson } from './go-encoding.js';
import type { ContainerJson, PodJson } from './types.js';

export const LABEL_POD_NAME = 'io.kubernetes.pod.name';
export const LABEL_POD_NAMESPACE = 'io.kubernetes.pod.namespace';
export const LABEL_POD_UID = 'io.kubernetes.pod.uid';
export const LABEL_CONTAINER_NAME = 'io.kubernetes.container.name';
export const ANNOTATION_HASH = 'io.kubernetes.container.hash';
export const ANNOTATION_RESTART_COUNT = 'io.kubernetes.container.restartCount';
export const ANNOTATION_TERMINATION_MESSAGE_PATH = 'io.kubernetes.container.terminationMessagePath';
export const ANNOTATION_TERMINATION_MESSAGE_POLICY = 'io.kubernetes.container.terminationMessagePolicy';
export const ANNOTATION_DELETION_GRACE = 'io.kubernetes.pod.deletionGracePeriod';
export const ANNOTATION_TERMINATION_GRACE = 'io.kubernetes.pod.terminationGracePeriod';
export const ANNOTATION_PRESTOP = 'io.kubernetes.container.preStopHandler';
export const ANNOTATION_PORTS = 'io.kubernetes.container.ports';

/**
 * What the real API server's defaulting would have filled in and the fake does not: restart
 * policy, grace period, termination message path/policy, port protocol, httpGet path/scheme,
 * probe timings. Returns a copy.
 */
export function withApiDefaults(pod: PodJson): PodJson {
  const container = (c: ContainerJson): ContainerJson => {
    const tag = /:([^/:@]+)$/.exec(c.image ?? '')?.[1];
    const httpDefaults = <T extends { httpGet?: { path?: string; scheme?: string } }>(h: T | undefined): T | undefined =>
      h?.httpGet ? { ...h, httpGet: { ...h.httpGet, path: h.httpGet.path || '/', scheme: h.httpGet.scheme || 'HTTP' } } : h;
    const preStop = httpDefaults(c.lifecycle?.preStop);
    const probe = httpDefaults(c.readinessProbe);
    const liveness = httpDefaults(c.livenessProbe);
    return {
      ...c,
      terminationMessagePath: c.terminationMessagePath ?? '/dev/termination-log',
      terminationMessagePolicy: c.terminationMessagePolicy ?? 'File',
      imagePullPolicy: c.imagePullPolicy ?? (tag === undefined || tag === 'latest' ? 'Always' : 'IfNotPresent'),
      ...(c.ports ? { ports: c.ports.map((p) => ({ ...p, protocol: p.protocol ?? 'TCP' })) } : {}),
      ...(c.lifecycle ? { lifecycle: { ...c.lifecycle, ...(preStop ? { preStop } : {}) } } : {}),
      ...(probe ? { readinessProbe: { timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3, ...probe } } : {}),
      ...(liveness ? { livenessProbe: { timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3, ...liveness } } : {}),
    };
  };
  return {
    ...pod,
    spec: {
      ...pod.spec,
      restartPolicy: pod.spec.restartPolicy ?? 'Always',
      terminationGracePeriodSeconds: pod.spec.terminationGracePeriodSeconds ?? 30,
      containers: pod.spec.containers.map(container),
    },
  };
}

export function sandboxConfig(pod: PodJson, podNetwork: 'host' | 'bridge'): PodSandboxConfigInput {
  const { name, namespace, uid } = pod.metadata;
  return {
    metadata: { name, uid, namespace, attempt: 0 },
    // Host mode needs network NODE and an empty hostname (the bed's rule); kubelet would use the node's hostname.
    hostname: podNetwork === 'host' ? '' : name,
    labels: { ...pod.metadata.labels, [LABEL_POD_NAME]: name, [LABEL_POD_NAMESPACE]: namespace, [LABEL_POD_UID]: uid },
    annotations: { ...pod.metadata.annotations },
    linux: { security_context: { namespace_options: { network: podNetwork === 'host' ? 'NODE' : 'POD', pid: 'CONTAINER', ipc: 'POD' } } },
  };
}

export function containerLabels(pod: PodJson, container: ContainerJson): Record<string, string> {
  return {
    [LABEL_POD_NAME]: pod.metadata.name,
    [LABEL_POD_NAMESPACE]: pod.metadata.namespace,
    [LABEL_POD_UID]: pod.metadata.uid,
    [LABEL_CONTAINER_NAME]: container.name,
  };
}

/** `newContainerAnnotations`: expects a pod that went through `withApiDefaults`. */
export function containerAnnotations(pod: PodJson, container: ContainerJson, restartCount: number): Record<string, string> {
  const out: Record<string, string> = {
    [ANNOTATION_HASH]: containerHash(container),
    [ANNOTATION_RESTART_COUNT]: String(restartCount),
    [ANNOTATION_TERMINATION_MESSAGE_PATH]: container.terminationMessagePath ?? '',
    [ANNOTATION_TERMINATION_MESSAGE_POLICY]: container.terminationMessagePolicy ?? '',
  };
  if (pod.metadata.deletionGracePeriodSeconds !== undefined) out[ANNOTATION_DELETION_GRACE] = String(pod.metadata.deletionGracePeriodSeconds);
  if (pod.spec.terminationGracePeriodSeconds !== undefined) out[ANNOTATION_TERMINATION_GRACE] = String(pod.spec.terminationGracePeriodSeconds);
  if (container.lifecycle?.preStop) out[ANNOTATION_PRESTOP] = lifecycleHandlerJson(container.lifecycle.preStop);
  if (container.ports && container.ports.length > 0) out[ANNOTATION_PORTS] = containerPortsJson(container.ports);
  return out;
}

/** `metadata.labels['k']`, `metadata.annotations['k']`, name/namespace/uid, spec.nodeName, status IPs. */
function fieldValue(pod: PodJson, path: string, ips: { hostIP: string; podIP: string }): string {
  const sub = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (sub) return (sub[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations)?.[sub[2]!] ?? '';
  switch (path) {
    case 'metadata.name':
      return pod.metadata.name;
    case 'metadata.namespace':
      return pod.metadata.namespace;
    case 'metadata.uid':
      return pod.metadata.uid;
    case 'spec.nodeName':
      return pod.spec.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec.serviceAccountName ?? '';
    case 'status.hostIP':
      return ips.hostIP;
    case 'status.podIP':
      return ips.podIP;
    default:
      return '';
  }
}

/** Plain values and fieldRef values; no `$(VAR)` expansion, no service-link variables. */
export function containerEnv(pod: PodJson, container: ContainerJson, ips: { hostIP: string; podIP: string }): KeyValue[] {
  return (container.env ?? []).map((e) => ({
    key: e.name,
    value: e.valueFrom?.fieldRef ? fieldValue(pod, e.valueFrom.fieldRef.fieldPath, ips) : (e.value ?? ''),
  }));
}

/** What the node adds to a container (node-environment.ts): mounts, the service variables, limits and security. */
export interface NodeAdditions {
  readonly mounts: MountInput[];
  readonly env: KeyValue[];
  readonly linux: LinuxContainerConfigInput;
}

export function containerConfig(
  pod: PodJson,
  container: ContainerJson,
  restartCount: number,
  ips: { hostIP: string; podIP: string },
  node?: NodeAdditions,
): ContainerConfigInput {
  return {
    metadata: { name: container.name, attempt: restartCount },
    image: { image: container.image ?? '' },
    ...(container.command ? { command: container.command } : {}),
    ...(container.args ? { args: container.args } : {}),
    ...(container.workingDir ? { working_dir: container.workingDir } : {}),
    envs: [...containerEnv(pod, container, ips), ...(node?.env ?? [])],
    ...(node ? { mounts: node.mounts, linux: node.linux } : {}),
    labels: containerLabels(pod, container),
    annotations: containerAnnotations(pod, container, restartCount),
  };
}
