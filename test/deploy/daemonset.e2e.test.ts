// kruised installed as an operator installs it (issue 11): deploy/README.md's command blocks, run
// as written with the real kubectl v1.32 against the fake API server over HTTPS, on a node made
// of the kubelet simulator and the bed's real containerd, with a DaemonSet controller double and
// kruise-manager's doubles. Steps: make image and push it; the chart's kruise-daemon kept off
// kruised's nodes; kubectl apply -k of an overlay naming the image; the node moved; the pod runs
// what the manifest says (image, command, args, NODE_NAME, host network, the hostPaths mapped into
// this test's directory with the bed's containerd socket under /var/run, the service account,
// 50m/128Mi as cgroup limits, the liveness probe); /healthz and /metrics; an ImagePullJob and a
// CRR through the pod; a rolling update with a kill and a pull in flight, finished by the new pod
// from the event log with no second kill and no second pull event; rollout undo; kubectl delete
// -k leaving nothing of kruised and everything of kruise. Figures go to stderr for the report.
import { execFileSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCriClient, type CriClient } from '../../adapters/cri/index.js';
import { memoryOf } from '../bench/deployed-daemon.js';
import {
  authorizerFromStore,
  clusterResources,
  serviceAccountSubject,
  startFakeApiServer,
  type FakeApiServer,
  type FakeStore,
} from '../bed/apiserver/index.js';
import { startSlowLink, type SlowLink } from '../bed/demo/slow-link.js';
import {
  startDaemonSetController,
  startKubeletSim,
  waitUntil,
  type DaemonSetController,
  type KubeletSim,
  type PodJson,
  type ProbeResult,
} from '../bed/kubelet/index.js';
import { createCrr, nodeImageFromImagePullJob } from '../bed/manager/index.js';
import { runtimeBed, runtimeBedSkipReason } from '../bed/runtime-bed.js';
import { ensureImage, IMAGE_LAYOUT, imageBuildSkipReason, ROOT, type BuiltImage } from './image-build.js';
import { kubectlFor, kubectlSkipReason, type Kubectl, type KubectlResult } from './kubectl.js';
import { startManagerLoop, type ManagerLoop } from './manager-loop.js';
import { readmeStep, type ReadmeStep } from './readme-steps.js';

const NODE = 'e2e-node';
const ADMIN_TOKEN = 'e2e-admin-token';
const SA_TOKEN = 'e2e-kruised-sa-token';
const PORT = 10221; // the manifest's --addr: the pod is on the host network

/** Whether something already listens on the daemon's fixed port (another test run's daemon). */
function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const bed = runtimeBed();
const skip = bed === undefined ? runtimeBedSkipReason() : (kubectlSkipReason() ?? imageBuildSkipReason());

const pods = (store: FakeStore, ns: string) => store.list('v1', 'Pod', { namespace: ns }) as unknown as PodJson[];
const byLabel = (store: FakeStore, ns: string, key: string, value: string) => pods(store, ns).filter((p) => p.metadata.labels?.[key] === value);
const running = (p: PodJson | undefined) => p?.status?.containerStatuses?.[0]?.state.running !== undefined && p.metadata.deletionTimestamp === undefined;
const containerId = (p: PodJson) => p.status!.containerStatuses![0]!.containerID!.replace('containerd://', '');
const eventsFor = (store: FakeStore, reason: string, name: string) =>
  store.list('v1', 'Event').filter((e) => e.reason === reason && (e.involvedObject as { name?: string } | undefined)?.name === name);

async function get(path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${PORT}${path}`, { signal: AbortSignal.timeout(2000) });
  return { status: res.status, body: await res.text() };
}

/** The pid of a container's first process on this host: the process whose cgroup path names the container. */
function pidOf(id: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cgroup`, 'utf8').includes(id) && readFileSync(`/proc/${entry}/cmdline`, 'utf8').startsWith('node\0'))
        return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

describe.skipIf(skip !== undefined)(`kruised installed with kubectl from deploy/README.md on the bed ${skip ?? ''}`.trim(), { timeout: 10 * 60_000 }, () => {
  let image: BuiltImage;
  let api: FakeApiServer;
  let cri: CriClient;
  let sim: KubeletSim;
  let controller: DaemonSetController;
  let manager: ManagerLoop;
  let kubectl: Kubectl;
  let link: SlowLink | undefined;
  let dir: string;
  let work: string;
  let env: Record<string, string>;
  const probes: ProbeResult[] = [];
  const podEvents: Array<{ type: string; pod: PodJson; at: number }> = [];
  const figures: string[] = [];
  const ran: string[] = [];

  const kruisedPods = () => byLabel(api.store, 'kruise-system', 'app.kubernetes.io/name', 'kruised');
  const upstreamPods = () => byLabel(api.store, 'kruise-system', 'control-plane', 'daemon');
  const diagnose = () =>
    JSON.stringify(
      {
        kruised: kruisedPods().map((p) => ({ name: p.metadata.name, deleting: p.metadata.deletionTimestamp, status: p.status?.containerStatuses })),
        simErrors: sim.errors.map((e) => e.message).slice(-5),
        controllerErrors: controller.errors.map((e) => e.message).slice(-5),
        managerErrors: manager.errors.map((e) => e.message).slice(-5),
        forbidden: api.requests.filter((r) => r.status === 403).slice(-5),
        crrs: api.store
          .list('apps.kruise.io/v1beta1', 'ContainerRecreateRequest')
          .map((c) => ({ name: c.metadata.name, labels: c.metadata.labels, spec: c.spec, status: c.status })),
        events: api.store
          .list('v1', 'Event')
          .slice(-8)
          .map((e) => `${e.reason}: ${e.message}`),
      },
      null,
      1,
    );

  /** Runs a README step as written; the step's output is returned, a failure shows it. */
  async function step(name: ReadmeStep, timeoutMs = 300_000): Promise<KubectlResult> {
    ran.push(name);
    const result = await kubectl.shell(`set -eu\n${readmeStep(name)}`, { cwd: work, env, timeoutMs });
    expect(result.code, `README step ${name} failed:\n${result.stdout}\n${result.stderr}\n${diagnose()}`).toBe(0);
    return result;
  }

  beforeAll(async () => {
    image = await ensureImage();
    dir = mkdtempSync('/tmp/kruised-e2e-');
    work = join(dir, 'operator');
    mkdirSync(work);
    // The node's /var/run holds the runtime's socket where containerd puts it; the bed's socket
    // is hard-linked there (a socket file is an inode: connect() through the link reaches it).
    mkdirSync(join(dir, 'node/var/run/containerd'), { recursive: true });
    linkSync(bed!.socket, join(dir, 'node/var/run/containerd/containerd.sock'));
    let store: FakeStore | undefined;
    const daemonRbac = (a: Parameters<ReturnType<typeof authorizerFromStore>>[0]) =>
      authorizerFromStore(store!, serviceAccountSubject('kruise-system', 'kruised'))(a);
    api = await startFakeApiServer({
      resources: clusterResources,
      tls: true,
      token: ADMIN_TOKEN,
      user: 'kubernetes-admin',
      identities: { [SA_TOKEN]: { user: 'system:serviceaccount:kruise-system:kruised', authorize: daemonRbac } },
    });
    store = api.store;
    api.store.subscribe((e) => {
      if (e.object.kind === 'Pod') podEvents.push({ type: e.type, pod: e.object as unknown as PodJson, at: Date.now() });
    });
    // What the kruise install and the cluster's own controllers have made: default service
    // accounts, and the chart's kruise-daemon (a busybox stand-in with the chart's shape).
    for (const ns of ['default', 'kruise-system']) api.store.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: ns } });
    api.store.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'kruise-daemon', namespace: 'kruise-system' } });
    api.store.create({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'kruise-daemon', namespace: 'kruise-system', labels: { 'control-plane': 'daemon' } },
      spec: {
        selector: { matchLabels: { 'control-plane': 'daemon' } },
        minReadySeconds: 3,
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '10%' } },
        template: {
          metadata: { labels: { 'control-plane': 'daemon' } },
          spec: {
            serviceAccountName: 'kruise-daemon',
            hostNetwork: true,
            terminationGracePeriodSeconds: 10,
            tolerations: [{ operator: 'Exists' }],
            affinity: {
              nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                  nodeSelectorTerms: [{ matchExpressions: [{ key: 'type', operator: 'NotIn', values: ['virtual-kubelet'] }] }],
                },
              },
            },
            containers: [{ name: 'daemon', image: bed!.images.busybox, command: ['sleep', '3600'] }],
          },
        },
      },
    });
    cri = createCriClient({ endpoint: bed!.endpoint, platform: 'linux' });
    sim = await startKubeletSim({
      kubeConfig: api.kubeConfig(),
      nodeName: NODE,
      cri,
      podNetwork: bed!.podNetwork,
      restartBackoffMs: 1000,
      registerNode: {},
      node: {
        hostPath: (p) => join(dir, 'node', p),
        podsDir: join(dir, 'pods'),
        apiServer: { host: '127.0.0.1', port: api.port, caPem: api.caPem! },
        serviceAccountToken: (ns, sa) =>
          api.store.get({ apiVersion: 'v1', kind: 'ServiceAccount', namespace: ns, name: sa }) === undefined
            ? undefined
            : ns === 'kruise-system' && sa === 'kruised'
              ? SA_TOKEN
              : `unused-token-${ns}-${sa}`,
        onProbe: (r) => probes.push(r),
      },
    });
    controller = startDaemonSetController({ kubeConfig: api.kubeConfig() });
    manager = startManagerLoop(api);
    kubectl = kubectlFor(api.kubeconfigYaml());
    env = {
      KRUISED: ROOT,
      REGISTRY: bed!.registry,
      TAG: image.tag,
      NEW_TAG: `${image.tag}-next`,
      NODE,
      NODE_IP: '127.0.0.1',
      CHECK_IMAGE: bed!.images.busybox,
    };
  }, 20 * 60_000);

  afterAll(async () => {
    manager?.stop();
    await controller?.stop();
    await sim?.stop();
    cri?.close();
    await link?.close();
    await api?.close();
    if (figures.length > 0) process.stderr.write(`[e2e figures]\n${figures.map((f) => `  ${f}`).join('\n')}\n`);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('1. builds the image with make image and pushes it to the registry with skopeo', async () => {
    expect(await portTaken(PORT), `port ${PORT} is taken on this machine: another kruised runs (the pod uses the host network)`).toBe(false);
    const started = performance.now();
    await step('build', 15 * 60_000);
    figures.push(`image ${image.tag}: ${(image.compressedBytes / 2 ** 20).toFixed(1)} MiB compressed, ${image.unpacked} unpacked`);
    figures.push(`README build step (make image from cache + skopeo push): ${((performance.now() - started) / 1000).toFixed(1)} s`);
    // The second tag for the rolling update: the same layers, a config label, so another image ID.
    execFileSync('umoci', ['config', '--image', `${IMAGE_LAYOUT}:${image.tag}`, '--tag', env.NEW_TAG!, '--config.label', 'kruised.e2e/variant=next']);
    execFileSync('skopeo', [
      'copy',
      '--quiet',
      '--dest-tls-verify=false',
      `oci:${IMAGE_LAYOUT}:${env.NEW_TAG}`,
      `docker://${bed!.registry}/kruised:${env.NEW_TAG}`,
    ]);
    const digest = (tag: string) =>
      (
        JSON.parse(execFileSync('skopeo', ['inspect', '--tls-verify=false', `docker://${bed!.registry}/kruised:${tag}`], { encoding: 'utf8' })) as {
          Digest: string;
        }
      ).Digest;
    expect(digest(image.tag)).toMatch(/^sha256:/);
    expect(digest(env.NEW_TAG!)).not.toBe(digest(image.tag));
  });

  it("2. keeps the chart's kruise-daemon off kruised's nodes with the post-renderer patch, and installs kruised with kubectl apply -k", async () => {
    await waitUntil('the chart stand-in on the node', () => upstreamPods().some(running), 60_000);
    await step('upstream-split');
    const upstream = api.store.get({ apiVersion: 'apps/v1', kind: 'DaemonSet', namespace: 'kruise-system', name: 'kruise-daemon' });
    expect(JSON.stringify(upstream?.spec)).toContain('"key":"kruised.io/node-agent","operator":"NotIn","values":["kruised"]');
    const applied = await step('install');
    for (const line of [
      'serviceaccount/kruised created',
      'clusterrole.rbac.authorization.k8s.io/kruised created',
      'role.rbac.authorization.k8s.io/kruised-secrets created',
      'daemonset.apps/kruised created',
      'daemonset.apps/kruised-windows created',
    ])
      expect(applied.stdout).toContain(line);
    await controller.synced();
    expect(kruisedPods()).toEqual([]); // the node has not been moved yet
  });

  it('3. moves the node: the chart pod goes, the kruised pod runs what the manifest says and answers /healthz', async () => {
    const labelled = Date.now();
    const healthy = waitUntil('/healthz ok', async () => (await get('/healthz').catch(() => undefined))?.body === 'ok' && Date.now(), 180_000, 200);
    await step('move-node');
    figures.push(`kubectl label (the DaemonSet creates the pod) to /healthz ok: ${((await healthy) - labelled) / 1000} s`);
    await waitUntil('the chart stand-in gone from the node', () => upstreamPods().length === 0, 60_000);
    const [pod, ...others] = kruisedPods();
    expect(others).toEqual([]);
    const c = pod!.spec.containers[0]!;
    expect(c.image).toBe(`${bed!.registry}/kruised:${image.tag}`);
    expect(c.command).toEqual(['node', '/kruised/dist/daemon/cli.js', 'run']);
    expect(pod!.spec.hostNetwork).toBe(true);
    const id = containerId(pod!);
    const status = (await cri.containerStatus(undefined, { container_id: id })).status!;
    expect(status.mounts.map((m) => [m.container_path, m.host_path.replace(dir, ''), m.readonly])).toEqual(
      expect.arrayContaining([
        ['/hostvarrun', '/node/var/run', true],
        ['/var/lib/kruised', '/node/var/lib/kruised', false],
        ['/var/run/secrets/kubernetes.io/serviceaccount', expect.stringMatching(/^\/pods\/.+\/kube-api-access$/), true],
      ]),
    );
    const pid = pidOf(id);
    expect(pid, 'the daemon process in the container').toBeDefined();
    const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    expect(environ).toEqual(expect.arrayContaining([`NODE_NAME=${NODE}`, 'KUBERNETES_SERVICE_HOST=127.0.0.1', `KUBERNETES_SERVICE_PORT=${api.port}`]));
    const cgroup = readFileSync(`/proc/${pid}/cgroup`, 'utf8');
    const memoryPath = /:memory:(.+)$/m.exec(cgroup)?.[1];
    if (memoryPath !== undefined) expect(readFileSync(`/sys/fs/cgroup/memory${memoryPath}/memory.limit_in_bytes`, 'utf8').trim()).toBe(String(128 * 2 ** 20));
    const cpuPath = /:cpu(?:,cpuacct|acct,cpu)?:(.+)$/m.exec(cgroup)?.[1];
    if (cpuPath !== undefined) expect(readFileSync(`/sys/fs/cgroup/cpu${cpuPath}/cpu.cfs_quota_us`, 'utf8').trim()).toBe('5000');
    // The daemon talks to the API server with its service account, and RBAC from deploy/ suffices.
    expect(api.requests.filter((r) => r.user === 'system:serviceaccount:kruise-system:kruised').length).toBeGreaterThan(0);
    expect(api.requests.filter((r) => r.user === 'system:serviceaccount:kruise-system:kruised' && r.status === 403)).toEqual([]);
  });

  it('4. verifies as the README says: healthz and metrics on 10221, an ImagePullJob and a CRR through the pod', async () => {
    const health = await step('verify-health');
    expect(health.stdout.split('\n')[0]).toBe('ok');
    expect(Number(health.stdout.split('\n')[1])).toBeGreaterThan(0);
    const pull = await step('verify-pull');
    expect(pull.stdout).toContain('imagepulljob.apps.kruise.io/kruised-check condition met');
    expect(pull.stdout).toMatch(/"phase":"Succeeded"/);
    const crr = await step('verify-crr');
    expect(crr.stdout).toContain('containerrecreaterequest.apps.kruise.io/kruised-check condition met');
    expect(
      crr.stdout.split('\n').filter((l) => l === 'pod/kruised-check condition met'),
      crr.stdout,
    ).toHaveLength(2); // Ready, then restartCount 1
  });

  it('5. rolls to the next tag with a kill and a pull in flight: the new pod recovers the event log and finishes both, with one kill and one pull event', async () => {
    const [old] = kruisedPods();
    // A pod whose container takes 6 s to stop on SIGTERM: the kill is still in flight when the
    // daemon is replaced.
    api.store.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'inflight', namespace: 'default' },
      spec: {
        nodeName: NODE,
        terminationGracePeriodSeconds: 30,
        containers: [{ name: 'main', image: bed!.images.busybox, command: ['sh', '-c', 'trap "sleep 6; exit 0" TERM; while true; do sleep 1; done'] }],
      },
    });
    await waitUntil('pod inflight running', () => running(pods(api.store, 'default').find((p) => p.metadata.name === 'inflight')), 60_000);
    // The ~50 MB image through a link slowed to 2 MB/s: the pull is still in flight as well.
    link = await startSlowLink(bed!.registry, 2_000_000, join(bed!.dir, 'ctd', 'certs.d'));
    const bigImage = `${link.host}/${bed!.images.big.slice(bed!.images.big.indexOf('/') + 1)}`;
    const job = api.store.create({
      apiVersion: 'apps.kruise.io/v1alpha1',
      kind: 'ImagePullJob',
      metadata: { name: 'inflight', namespace: 'default' },
      spec: { image: bigImage, parallelism: 1, selector: { names: [NODE] }, completionPolicy: { type: 'Always' } },
    });
    nodeImageFromImagePullJob(api, job, [NODE]);
    const [bigName, bigTag] = [bigImage.slice(0, bigImage.lastIndexOf(':')), bigImage.slice(bigImage.lastIndexOf(':') + 1)];
    const tagStatus = () =>
      (
        (
          api.store.list('apps.kruise.io/v1beta1', 'NodeImage')[0]?.status as {
            imageStatuses?: Record<string, { tags?: Array<{ tag: string; phase?: string }> }>;
          }
        )?.imageStatuses?.[bigName]?.tags ?? []
      ).find((t) => t.tag === bigTag);
    await waitUntil('the big pull in flight (Pulling in NodeImage status)', () => tagStatus()?.phase === 'Pulling', 60_000);
    createCrr(api, { name: 'inflight', namespace: 'default', podName: 'inflight', containers: ['main'] });
    await waitUntil('the kill in flight (Killing event)', () => eventsFor(api.store, 'Killing', 'inflight').length > 0, 60_000);
    const before = Number(/^kruised_event_log_last_seq (\d+)/m.exec((await get('/metrics')).body)?.[1]);

    const upgraded = Date.now();
    await step('upgrade');
    const [now, ...others] = kruisedPods();
    expect(others).toEqual([]);
    expect(now!.spec.containers[0]!.image).toBe(`${bed!.registry}/kruised:${env.NEW_TAG}`);
    // The old pod: SIGTERM and its grace; terminal (its daemon exited) before the new pod was
    // created, as the DaemonSet controller waits for (a terminating pod still counts as there).
    const oldEvents = podEvents.filter((e) => e.pod.metadata.uid === old!.metadata.uid);
    expect(oldEvents.at(-1)!.type).toBe('DELETED');
    const oldTerminal = oldEvents.find((e) => e.pod.status?.phase === 'Succeeded' || e.pod.status?.phase === 'Failed');
    expect(oldTerminal?.pod.status?.containerStatuses?.[0]?.state.terminated?.exitCode, 'the old daemon exits on SIGTERM by itself').toBe(0);
    const newAdded = podEvents.find((e) => e.type === 'ADDED' && e.pod.metadata.uid === now!.metadata.uid)!;
    expect(newAdded.at).toBeGreaterThanOrEqual(oldTerminal!.at);
    // The new daemon continues the same event log, and finishes both pieces of work.
    await waitUntil('the new daemon healthy', async () => (await get('/healthz').catch(() => undefined))?.body === 'ok', 120_000, 200);
    const after = Number(/^kruised_event_log_last_seq (\d+)/m.exec((await get('/metrics')).body)?.[1]);
    expect(after).toBeGreaterThanOrEqual(before);
    const crrPhase = () =>
      (
        api.store.list('apps.kruise.io/v1beta1', 'ContainerRecreateRequest', { namespace: 'default' }).find((c) => c.metadata.name === 'inflight')?.status as
          | { phase?: string }
          | undefined
      )?.phase;
    await waitUntil(`the in-flight CRR completed (${diagnose()})`, () => crrPhase() === 'Completed', 120_000);
    await waitUntil('the in-flight pull succeeded', () => tagStatus()?.phase === 'Succeeded', 180_000);
    expect(eventsFor(api.store, 'Killing', 'inflight'), 'one kill').toHaveLength(1);
    const pullEvents = api.store
      .list('v1', 'Event')
      .filter((e) => String(e.reason).startsWith('PullImage') && String(e.message).includes(`${bigName}:${bigTag},`));
    expect(
      pullEvents.map((e) => e.reason),
      `one pull event: ${JSON.stringify(pullEvents, null, 1)}`,
    ).toEqual(['PullImageSucceed']);
    expect(existsSync(join(dir, 'node/var/lib/kruised')) && readdirSync(join(dir, 'node/var/lib/kruised')).length).toBeGreaterThan(0);
    figures.push(`rolling update with work in flight, kubectl apply -k to both finished: ${((Date.now() - upgraded) / 1000).toFixed(1)} s`);
  });

  it('6. rolls back with kubectl rollout undo to the first tag', async () => {
    const undo = await step('rollback');
    expect(undo.stdout).toContain('daemonset.apps/kruised rolled back');
    const [pod] = kruisedPods();
    expect(pod!.spec.containers[0]!.image).toBe(`${bed!.registry}/kruised:${image.tag}`);
    await waitUntil('healthy after the rollback', async () => (await get('/healthz').catch(() => undefined))?.body === 'ok', 120_000, 200);
  });

  it("7. passes the liveness probe every time (60 s delay, 1 s timeout) and stays under the DaemonSet's memory limit", async () => {
    const [pod] = kruisedPods();
    await waitUntil('a liveness probe of the running pod', () => probes.some((p) => p.uid === pod!.metadata.uid), 90_000, 500);
    expect(probes.filter((p) => !p.ok)).toEqual([]);
    const pid = pidOf(containerId(pod!))!;
    const memory = await memoryOf(pid);
    figures.push(`daemon RSS in the container (50m CPU, 128Mi): ${memory.rssMiB.toFixed(1)} MiB, peak ${memory.peakMiB.toFixed(1)} MiB`);
    expect(memory.peakMiB).toBeLessThan(128);
    expect(
      sim.errors.filter((e) => !/CrrRejected/.test(e.message)),
      'kubelet simulator errors',
    ).toEqual([]);
  });

  it("8. kubectl delete -k leaves no kruised object and everything of kruise; upstream's daemon comes back on the node", async () => {
    await step('remove');
    await waitUntil('kruised pods gone', () => kruisedPods().length === 0, 60_000);
    for (const [apiVersion, kind, namespace, name] of [
      ['v1', 'ServiceAccount', 'kruise-system', 'kruised'],
      ['rbac.authorization.k8s.io/v1', 'ClusterRole', undefined, 'kruised'],
      ['rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', undefined, 'kruised'],
      ['rbac.authorization.k8s.io/v1', 'Role', 'kruise-daemon-config', 'kruised-secrets'],
      ['rbac.authorization.k8s.io/v1', 'RoleBinding', 'kruise-daemon-config', 'kruised-secrets'],
      ['apps/v1', 'DaemonSet', 'kruise-system', 'kruised'],
      ['apps/v1', 'DaemonSet', 'kruise-system', 'kruised-windows'],
    ] as const)
      expect(api.store.get({ apiVersion, kind, ...(namespace ? { namespace } : {}), name }), `${kind} ${name}`).toBeUndefined();
    await waitUntil(
      'kruised revisions collected',
      () => api.store.list('apps/v1', 'ControllerRevision', { namespace: 'kruise-system' }).every((r) => !r.metadata.name?.startsWith('kruised')),
      30_000,
    );
    for (const name of ['kruise-system', 'kruise-daemon-config']) expect(api.store.get({ apiVersion: 'v1', kind: 'Namespace', name })).toBeDefined();
    expect(api.store.get({ apiVersion: 'v1', kind: 'ServiceAccount', namespace: 'kruise-system', name: 'kruise-daemon' })).toBeDefined();
    expect(api.store.get({ apiVersion: 'apps/v1', kind: 'DaemonSet', namespace: 'kruise-system', name: 'kruise-daemon' })).toBeDefined();
    await waitUntil("upstream's daemon back on the node", () => upstreamPods().some(running), 60_000);
    expect(ran).toEqual(['build', 'upstream-split', 'install', 'move-node', 'verify-health', 'verify-pull', 'verify-crr', 'upgrade', 'rollback', 'remove']);
    expect(controller.errors).toEqual([]);
  });
});
