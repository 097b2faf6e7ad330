// Just enough of kubelet to put a pod with containers on the bed's containerd: sandbox and
// container configs carrying kubelet's labels and annotations (contract §2.4), and cleanup.
import { randomUUID } from 'node:crypto';
import type { ContainerConfigInput, CriClient, PodSandboxConfigInput } from '../../../../adapters/cri/index.js';

export interface SimPod {
  readonly uid: string;
  readonly name: string;
  readonly namespace: string;
  readonly sandboxId: string;
  readonly config: PodSandboxConfigInput;
}

/** Host mode needs network NODE and an empty hostname (real-runtime.md §0); bridge mode gets its own netns. */
export async function runSimPod(cri: CriClient, podNetwork: 'host' | 'bridge', prefix = 'cri-adapter'): Promise<SimPod> {
  const uid = randomUUID();
  const name = `${prefix}-${uid.slice(0, 8)}`;
  const namespace = 'kruised-test';
  const config: PodSandboxConfigInput = {
    metadata: { name, uid, namespace, attempt: 0 },
    hostname: podNetwork === 'host' ? '' : name,
    labels: { 'io.kubernetes.pod.uid': uid, 'io.kubernetes.pod.name': name, 'io.kubernetes.pod.namespace': namespace },
    annotations: { 'kruised.test/owner': 'test/adapters/cri' },
    linux: { security_context: { namespace_options: { network: podNetwork === 'host' ? 'NODE' : 'POD', pid: 'CONTAINER', ipc: 'POD' } } },
  };
  const { pod_sandbox_id } = await cri.runPodSandbox(undefined, { config });
  return { uid, name, namespace, sandboxId: pod_sandbox_id, config };
}

export function containerConfig(pod: SimPod, name: string, image: string, command: string[], attempt = 0): ContainerConfigInput {
  return {
    metadata: { name, attempt },
    image: { image },
    command,
    labels: {
      'io.kubernetes.pod.uid': pod.uid,
      'io.kubernetes.pod.name': pod.name,
      'io.kubernetes.pod.namespace': pod.namespace,
      'io.kubernetes.container.name': name,
    },
    annotations: {
      'io.kubernetes.container.hash': 'a1b2c3d4',
      'io.kubernetes.container.restartCount': String(attempt),
      'io.kubernetes.pod.terminationGracePeriod': '30',
    },
  };
}

export async function startSimContainer(cri: CriClient, pod: SimPod, name: string, image: string, command: string[]): Promise<string> {
  const { container_id } = await cri.createContainer(undefined, {
    pod_sandbox_id: pod.sandboxId,
    config: containerConfig(pod, name, image, command),
    sandbox_config: pod.config,
  });
  await cri.startContainer(undefined, { container_id });
  return container_id;
}

/** RemovePodSandbox force-stops and removes the pod's containers too (containerd 1.6). */
export async function removeSimPod(cri: CriClient, pod: SimPod): Promise<void> {
  await cri.stopPodSandbox(undefined, { pod_sandbox_id: pod.sandboxId }, { timeoutMs: 30_000 }).catch(() => undefined);
  await cri.removePodSandbox(undefined, { pod_sandbox_id: pod.sandboxId }, { timeoutMs: 30_000 });
}
