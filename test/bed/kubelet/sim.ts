// A kubelet simulator: a TEST DOUBLE, not a kubelet. It watches the pods bound to one node on
// an API server (the fake one in test/bed/apiserver, through the real client-node informer),
// runs them on a real CRI runtime (the bed's containerd), and reports their status through
// `pods/<name>/status`, so that kruised sees what it would see next to a real kubelet: CRI
// containers with kubelet's labels and annotations (contract §2.4), restarts as NEW containers
// with restartCount + 1, pod status with `containerd://` IDs, graceful deletion.
//
// What it does, simply: one worker per pod UID (pod-worker.ts), synced every `pollMs` and on
// every informer event; restarts after a fixed `restartBackoffMs` (kubelet: 10 s doubling to
// 5 min). With a NodeEnvironment (node-environment.ts) it also gives containers hostPath volumes
// (mapped into a test's directory where asked), the service-account volume and the
// KUBERNETES_SERVICE_* variables, resource limits and securityContext as CRI LinuxContainerConfig
// (so containerd applies them as cgroup limits), and runs liveness probes (liveness.ts). What it
// does NOT do: init/ephemeral containers, volumes other than hostPath, image pull secrets,
// postStart hooks, startup probes, httpGet/tcpSocket readiness probes (they count as passing),
// named ports in an httpGet preStop, `$(VAR)` env expansion, service env vars other than the
// `kubernetes` service's, pod IPs other than the node's in host mode, node status or leases,
// events, and recovery of another process's containers after a restart. It writes pod status with a
// strategic-merge PATCH of `status` (kubelet also patches, computing a two-way diff).
import { CoreV1Api, ListWatch, PatchStrategy, setHeaderOptions, Watch, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import type { CriClient } from '../../../adapters/cri/index.js';
import type { NodeEnvironment } from './node-environment.js';
import { PodWorker, type WorkerDeps } from './pod-worker.js';
import type { PodJson, PodStatusJson } from './types.js';

export interface KubeletSimOptions {
  readonly kubeConfig: KubeConfig;
  readonly nodeName: string;
  readonly cri: CriClient;
  readonly podNetwork: 'host' | 'bridge';
  /** Wait before restarting an exited container (default 1000 ms). */
  readonly restartBackoffMs?: number;
  /** CRI poll period (default 250 ms). */
  readonly pollMs?: number;
  /** The node's IP: `status.hostIP`, and `podIP` in host mode (default 127.0.0.1). */
  readonly hostIP?: string;
  /** Volumes, the service account, the API server as pods see it, and the probe observer (node-environment.ts). */
  readonly node?: NodeEnvironment;
  /** Registers the Node object (as kubelet does at start) with these labels besides kubernetes.io/hostname, os and arch. */
  readonly registerNode?: { readonly labels?: Readonly<Record<string, string>> };
}

export interface KubeletSim {
  readonly nodeName: string;
  /** `containerd` for the bed; the scheme of every `containerID`. */
  readonly runtimeName: string;
  /** Errors that syncs hit (each sync is retried on the next poll), oldest first. */
  readonly errors: readonly Error[];
  /** The CRI sandbox the simulator runs for a pod UID, if any. */
  sandboxOf(podUid: string): string | undefined;
  /** Stops watching, then force-removes every sandbox (and so container) it created. Idempotent. */
  stop(): Promise<void>;
}

/** Creates the Node object unless it exists (kubelet's registerWithAPIServer, without status). */
async function registerNode(core: CoreV1Api, name: string, labels: Readonly<Record<string, string>>): Promise<void> {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  const body = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': arch, ...labels } },
  };
  try {
    await core.createNode({ body });
  } catch (e) {
    if (statusCode(e) !== 409) throw e;
  }
}

const plain = (obj: unknown): PodJson => JSON.parse(JSON.stringify(obj)) as PodJson;
const statusCode = (e: unknown): number | undefined => (e as { code?: unknown }).code as number | undefined;

export async function startKubeletSim(options: KubeletSimOptions): Promise<KubeletSim> {
  const { kubeConfig, nodeName, cri } = options;
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const strategic = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
  const abort = new AbortController();
  const errors: Error[] = [];
  const runtimeName = (await cri.version(undefined)).runtime_name;
  if (options.registerNode) await registerNode(core, nodeName, options.registerNode.labels ?? {});
  const deps: WorkerDeps = {
    cri,
    runtimeName,
    podNetwork: options.podNetwork,
    hostIP: options.hostIP ?? '127.0.0.1',
    restartBackoffMs: options.restartBackoffMs ?? 1000,
    signal: abort.signal,
    sandboxes: new Set(),
    node: options.node ?? {},
    async patchStatus(pod: PodJson, status: PodStatusJson) {
      const { name, namespace } = pod.metadata;
      await core.patchNamespacedPodStatus({ name, namespace, body: { status } }, strategic);
    },
    async deletePod(pod: PodJson) {
      const { name, namespace, uid } = pod.metadata;
      try {
        await core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0, body: { preconditions: { uid } } });
      } catch (e) {
        if (statusCode(e) !== 404 && statusCode(e) !== 409) throw e;
      }
    },
  };

  const workers = new Map<string, PodWorker>();
  const busy = new Map<PodWorker, Promise<void>>();
  const dirty = new Set<PodWorker>();
  let stopped = false;

  function kick(worker: PodWorker): void {
    if (stopped) return;
    if (busy.has(worker)) return void dirty.add(worker);
    const run = worker
      .sync()
      .catch((e: unknown) => {
        if (!abort.signal.aborted)
          errors.push(
            new Error(`sync of pod ${worker.pod.metadata.namespace}/${worker.pod.metadata.name}: ${e instanceof Error ? e.message : String(e)}`, { cause: e }),
          );
      })
      .finally(() => {
        busy.delete(worker);
        if (worker.gone && worker.finished) workers.delete(worker.pod.metadata.uid);
        if (dirty.delete(worker)) kick(worker);
      });
    busy.set(worker, run);
  }

  const fieldSelector = `spec.nodeName=${nodeName}`;
  const informer = new ListWatch<V1Pod>(
    '/api/v1/pods',
    new Watch(kubeConfig),
    () => core.listPodForAllNamespaces({ fieldSelector }),
    false,
    undefined,
    fieldSelector,
  );

  function observe(obj: V1Pod): void {
    const pod = plain(obj);
    const uid = pod.metadata.uid;
    let worker = workers.get(uid);
    if (worker) worker.update(pod);
    else {
      worker = new PodWorker(pod, deps);
      workers.set(uid, worker);
    }
    kick(worker);
  }

  function tick(): void {
    const live = new Set(informer.list().map((p) => p.metadata?.uid));
    for (const worker of workers.values()) {
      if (!live.has(worker.pod.metadata.uid)) worker.gone = true;
      kick(worker);
    }
  }

  informer.on('add', observe);
  informer.on('update', observe);
  informer.on('delete', () => tick());
  // client-node's ListWatch stops for good on a watch error other than 410/timeout: restart it.
  informer.on('error', (e: unknown) => {
    if (stopped) return;
    errors.push(new Error(`pod informer: ${e instanceof Error ? e.message : String(e)}`, { cause: e }));
    setTimeout(() => void (stopped ? undefined : informer.start()), 500);
  });
  await informer.start();
  const timer = setInterval(tick, options.pollMs ?? 250);

  return {
    nodeName,
    runtimeName,
    errors,
    sandboxOf: (uid) => workers.get(uid)?.sandboxId,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      await informer.stop();
      abort.abort(new Error('kubelet simulator stopped'));
      await Promise.allSettled(busy.values());
      for (const id of deps.sandboxes) {
        await cri.stopPodSandbox(undefined, { pod_sandbox_id: id }, { timeoutMs: 30_000 }).catch(() => undefined);
        await cri.removePodSandbox(undefined, { pod_sandbox_id: id }, { timeoutMs: 30_000 }).catch(() => undefined);
      }
      deps.sandboxes.clear();
    },
  };
}
