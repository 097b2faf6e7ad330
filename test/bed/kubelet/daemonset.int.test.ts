// The DaemonSet controller double and the kubelet simulator on the real containerd, driven by the
// real kubectl over HTTPS against the fake API server: a DaemonSet's pod runs with its env
// (downward API), hostPath volume (mapped into the test's directory), resource limits (as cgroup
// limits) and liveness probe; `kubectl set image` rolls it (the old pod gets SIGTERM and is gone
// before the new one exists), `rollout history/undo` work from the ControllerRevisions, and
// deleting the DaemonSet removes its pods and revisions.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCriClient, type CriClient } from '../../../adapters/cri/index.js';
import { kubectlFor, kubectlSkipReason, type Kubectl } from '../../deploy/kubectl.js';
import { clusterResources, startFakeApiServer, type FakeApiServer, type KubeObject } from '../apiserver/index.js';
import { runtimeBed, runtimeBedSkipReason } from '../runtime-bed.js';
import { startDaemonSetController, startKubeletSim, waitUntil, type DaemonSetController, type KubeletSim, type PodJson, type ProbeResult } from './index.js';

const bed = runtimeBed();
const skip = bed === undefined ? runtimeBedSkipReason() : kubectlSkipReason();
const NODE = 'ds-node-1';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function daemonSet(image: string, port: number): string {
  const script = [
    'echo "$NODE_NAME" > /data/node',
    'echo ok > /data/index.html',
    'trap "echo term >> /data/terms; kill %1; exit 0" TERM',
    `httpd -f -p 127.0.0.1:${port} -h /data &`,
    'wait',
  ].join('\n');
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: 'ds-int' } },
      minReadySeconds: 1,
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
      template: {
        metadata: { labels: { app: 'ds-int' } },
        spec: {
          hostNetwork: true,
          terminationGracePeriodSeconds: 5,
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          tolerations: [{ operator: 'Exists' }],
          containers: [
            {
              name: 'main',
              image,
              command: ['sh', '-c', script],
              env: [{ name: 'NODE_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'spec.nodeName' } } }],
              volumeMounts: [{ name: 'data', mountPath: '/data' }],
              resources: { limits: { cpu: '100m', memory: '64Mi' } },
              livenessProbe: { httpGet: { path: '/', port }, initialDelaySeconds: 0, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 3 },
            },
          ],
          volumes: [{ name: 'data', hostPath: { path: '/var/lib/ds-int', type: 'DirectoryOrCreate' } }],
        },
      },
    },
  });
}

const podsOf = (api: FakeApiServer) => api.store.list('v1', 'Pod', { namespace: 'default' }) as unknown as PodJson[];
const running = (pod: PodJson | undefined) => pod?.status?.containerStatuses?.[0]?.state.running !== undefined;

describe.skipIf(skip !== undefined)(`a DaemonSet on the kubelet simulator, driven by kubectl ${skip ?? ''}`.trim(), () => {
  let api: FakeApiServer;
  let cri: CriClient;
  let sim: KubeletSim;
  let controller: DaemonSetController;
  let kubectl: Kubectl;
  let dir: string;
  let port: number;
  const probes: ProbeResult[] = [];
  const events: Array<{ type: string; pod: PodJson }> = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ds-int-'));
    port = await freePort();
    api = await startFakeApiServer({ resources: clusterResources, tls: true });
    api.store.subscribe((e) => {
      if (e.object.kind === 'Pod') events.push({ type: e.type, pod: e.object as unknown as PodJson });
    });
    cri = createCriClient({ endpoint: bed!.endpoint, platform: 'linux' });
    sim = await startKubeletSim({
      kubeConfig: api.kubeConfig(),
      nodeName: NODE,
      cri,
      podNetwork: bed!.podNetwork,
      restartBackoffMs: 200,
      pollMs: 200,
      registerNode: {},
      node: { hostPath: (p) => join(dir, 'host', p), onProbe: (r) => probes.push(r) },
    });
    controller = startDaemonSetController({ kubeConfig: api.kubeConfig() });
    kubectl = kubectlFor(api.kubeconfigYaml());
  });
  /** What went on, for failure messages. */
  const diagnose = () =>
    JSON.stringify(
      {
        pods: podsOf(api).map((p) => ({ name: p.metadata.name, deleting: p.metadata.deletionTimestamp, status: p.status })),
        ds: api.store.list('apps/v1', 'DaemonSet').map((d) => d.status),
        simErrors: sim.errors.map((e) => e.message),
        controllerErrors: controller.errors.map((e) => e.message),
        probes: probes.slice(-3),
      },
      null,
      1,
    );

  afterAll(async () => {
    await controller?.stop();
    await sim?.stop();
    cri?.close();
    await api?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('creates the pod on the node with the env, hostPath mount, cgroup limits and a passing liveness probe, and kubectl sees it rolled out', async () => {
    const applied = await kubectl.run(['apply', '-f', '-'], { input: daemonSet(bed!.images.busybox, port) });
    expect(applied.stderr).toBe('');
    expect(applied.stdout.trim()).toBe('daemonset.apps/web created');
    const status = await kubectl.run(['rollout', 'status', 'ds/web', '--timeout=40s']);
    expect(status.stdout, `${status.stderr}\n${diagnose()}`).toContain('daemon set "web" successfully rolled out');

    const [pod, ...others] = podsOf(api);
    expect(others).toEqual([]);
    expect(pod!.spec.nodeName).toBe(NODE);
    expect(pod!.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'DaemonSet', name: 'web', controller: true })]);
    expect(pod!.metadata.labels?.['controller-revision-hash']).toMatch(/^[a-z0-9]+$/);
    const id = pod!.status!.containerStatuses![0]!.containerID!.replace('containerd://', '');
    expect(readFileSync(join(dir, 'host/var/lib/ds-int/node'), 'utf8').trim()).toBe(NODE);

    const cat = async (...files: string[]) => {
      for (const file of files) {
        const res = await cri.execSync(undefined, { container_id: id, cmd: ['cat', file], timeout: 5 });
        if (res.exit_code === 0) return Buffer.from(res.stdout).toString().trim();
      }
      return undefined;
    };
    expect(await cat('/sys/fs/cgroup/memory/memory.limit_in_bytes', '/sys/fs/cgroup/memory.max')).toBe(String(64 * 1024 * 1024));
    expect(await cat('/sys/fs/cgroup/cpu/cpu.cfs_quota_us', '/sys/fs/cgroup/cpu.max')).toMatch(/^10000( 100000)?$/);

    await waitUntil('two liveness probes', () => probes.length >= 2, 15_000);
    expect(probes.slice(0, 2).map((p) => [p.ok, p.detail])).toEqual([
      [true, 'HTTP 200'],
      [true, 'HTTP 200'],
    ]);
    expect(sim.errors).toEqual([]);
  });

  it('rolls to a new image after kubectl set image: SIGTERM to the old pod, which is gone before the new pod is created', async () => {
    const [old] = podsOf(api);
    const set = await kubectl.run(['set', 'image', 'ds/web', `main=${bed!.images.busybox2}`]);
    expect(set.stdout.trim(), set.stderr).toBe('daemonset.apps/web image updated');
    const status = await kubectl.run(['rollout', 'status', 'ds/web', '--timeout=90s']);
    expect(status.stdout, `${status.stderr}\n${diagnose()}`).toContain('successfully rolled out');
    const [now, ...others] = podsOf(api);
    expect(others).toEqual([]);
    expect(now!.metadata.uid).not.toBe(old!.metadata.uid);
    expect(now!.spec.containers[0]!.image).toBe(bed!.images.busybox2);
    expect(now!.metadata.labels?.['controller-revision-hash']).not.toBe(old!.metadata.labels?.['controller-revision-hash']);
    expect(readFileSync(join(dir, 'host/var/lib/ds-int/terms'), 'utf8')).toBe('term\n');
    const oldDeleted = events.findIndex((e) => e.type === 'DELETED' && e.pod.metadata.uid === old!.metadata.uid);
    const newAdded = events.findIndex((e) => e.type === 'ADDED' && e.pod.metadata.uid === now!.metadata.uid);
    expect(oldDeleted).toBeGreaterThanOrEqual(0);
    expect(newAdded).toBeGreaterThan(oldDeleted);
    await api.store.waitFor({ apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: now!.metadata.name }, (p) => running(p as unknown as PodJson), 30_000);
  });

  it('lists both revisions in kubectl rollout history and rolls back with kubectl rollout undo', async () => {
    const history = await kubectl.run(['rollout', 'history', 'ds/web']);
    expect(history.stdout, history.stderr).toMatch(/REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
    const undo = await kubectl.run(['rollout', 'undo', 'ds/web']);
    expect(undo.stdout.trim(), undo.stderr).toBe('daemonset.apps/web rolled back');
    const status = await kubectl.run(['rollout', 'status', 'ds/web', '--timeout=90s']);
    expect(status.stdout, status.stderr).toContain('successfully rolled out');
    const ds = api.store.get({ apiVersion: 'apps/v1', kind: 'DaemonSet', namespace: 'default', name: 'web' }) as KubeObject & {
      spec: { template: { spec: { containers: Array<{ image: string }> } } };
    };
    expect(ds.spec.template.spec.containers[0]!.image).toBe(bed!.images.busybox);
    expect(podsOf(api).map((p) => p.spec.containers[0]!.image)).toEqual([bed!.images.busybox]);
    const after = await kubectl.run(['rollout', 'history', 'ds/web']);
    expect(after.stdout).toMatch(/\n2\s+<none>\n3\s+<none>/); // revision 1 became 3, as the real controller renumbers it
  });

  it('removes the pods and ControllerRevisions once the DaemonSet is deleted, and never failed a liveness probe', async () => {
    const deleted = await kubectl.run(['delete', 'ds', 'web']);
    expect(deleted.stdout.trim(), deleted.stderr).toBe('daemonset.apps "web" deleted');
    await waitUntil('no pods left', () => podsOf(api).length === 0, 30_000);
    expect(api.store.list('apps/v1', 'ControllerRevision', { namespace: 'default' })).toEqual([]);
    expect(probes.length).toBeGreaterThan(2);
    expect(probes.filter((p) => !p.ok)).toEqual([]);
    expect(controller.errors).toEqual([]);
  });
});
