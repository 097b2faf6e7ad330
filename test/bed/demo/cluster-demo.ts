// The cluster half of `kruised demo`: the test bed's pieces as one small node, to show kruised
// in its surroundings with no cluster at hand. A real containerd with a registry (runtime-bed.sh),
// the fake API server, the kubelet simulator running the node's pods on that containerd, the
// manager doubles (a ContainerRecreateRequest webhook and controller, and an ImagePullJob turned
// into the node's NodeImage entry), and `kruised run` itself
// as a child process, exactly as users start it. Everything here is the test bed; only the daemon
// is the product. A real containerd needs root (containerd, runc); elsewhere it says why and runs
// the same scenario on the SIMULATED CRI runtime (test/bed/cri-double, a test double, not
// containerd) instead. KRUISED_DEMO_RUNTIME=simulated forces that fallback even where the real
// containerd could run. The ImagePullJob's image is the bed's ~50 MB one, fetched through a slowed
// link (slow-link.ts), and every change of its progress in the NodeImage status is printed live.
// Before that, the daemon restarts the pod's container through a CRR (crr-restart.ts), whose
// phase and containerRecreateStates are printed as they change, and a second pod is updated in
// place: a label its env reads changes and kruised restarts that container once (meta-update.ts).
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCriClient } from '../../../adapters/cri/index.js';
import { replayLog } from '../../../engine/replay.js';
import { machineRegistry } from '../../../machines/registry.js';
import { startFakeApiServer, type KubeObject } from '../apiserver/index.js';
import { startCriDouble } from '../cri-double/index.js';
import { startKubeletSim } from '../kubelet/index.js';
import { nodeImageFromImagePullJob, startCrrController } from '../manager/index.js';
import { startRuntimeBed } from '../runtime/bed-control.js';
import { restartThroughCrr } from './crr-restart.js';
import { inPlaceUpdateOfEnv } from './meta-update.js';
import { startSlowLink } from './slow-link.js';

const NODE = 'demo-node';
/** The slow link's rate: the ~50 MB image takes about 10 s, so progress is written more than once. */
const LINK_BYTES_PER_SECOND = 5_000_000;
/** The demo pod's container: a loop that exits at once on SIGTERM, so a CRR's graceful stop is quick on containerd too (a shell as PID 1 ignores TERM without a trap). */
const LOOP = "trap 'exit 0' TERM; while true; do sleep 1 & wait $!; done";
const CLI = fileURLToPath(new URL('../../../daemon/cli.js', import.meta.url));

export async function runClusterDemo(dataDir: string, print: (line: string) => void): Promise<boolean> {
  print('\ncluster: bringing up a real containerd and registry (test bed), a fake API server and a kubelet simulator');
  const start =
    process.env.KRUISED_DEMO_RUNTIME === 'simulated'
      ? { ok: false as const, reason: 'KRUISED_DEMO_RUNTIME=simulated asks for the simulated one' }
      : await startRuntimeBed();
  const runtimeLabel = start.ok ? 'the real containerd' : 'the SIMULATED runtime';
  const { bed, down } = start.ok ? start.running : await startSimulatedRuntime(start.reason, print);
  const api = await startFakeApiServer();
  const cri = createCriClient({ endpoint: bed.endpoint, platform: 'linux' });
  const kubelet = await startKubeletSim({ kubeConfig: api.kubeConfig(), nodeName: NODE, cri, podNetwork: bed.podNetwork, restartBackoffMs: 300 });
  const kubeconfig = join(dataDir, 'kubeconfig');
  await writeFile(kubeconfig, api.kubeconfigYaml(), { mode: 0o600 });
  const port = await freePort();
  const daemonArgs = [
    'run',
    `--addr=127.0.0.1:${port}`,
    '--enable-pprof=false',
    '--v=4',
    `--data-dir=${join(dataDir, 'daemon')}`,
    `--cri-endpoint=${bed.endpoint}`,
    `--kubeconfig=${kubeconfig}`,
  ];
  const daemon = spawn(process.execPath, [CLI, ...daemonArgs], { env: { ...process.env, NODE_NAME: NODE }, stdio: ['ignore', 'pipe', 'inherit'] });
  let daemonLog = '';
  const stops: Array<() => Promise<void>> = [];
  daemon.stdout.on('data', (chunk) => (daemonLog += chunk));
  try {
    print(`cluster: kruised ${daemonArgs.join(' ')}`);
    await until(async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.status === 200, 30_000, 'the daemon to become healthy');
    print('cluster: kruised is healthy: runtime found, API server reached, informers synced');

    api.store.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', namespace: 'default' },
      spec: { nodeName: NODE, restartPolicy: 'Always', containers: [{ name: 'web', image: bed.images.busybox, command: ['sh', '-c', LOOP] }] },
    });
    const running = await podWhere((s) => s?.state?.running !== undefined);
    print(`cluster: pod default/web runs on ${runtimeLabel} as ${running.containerID} (restartCount ${running.restartCount})`);

    await cri.stopContainer(undefined, { container_id: running.containerID.replace(/^[a-z-]+:\/\//, ''), timeout: 0 });
    const restarted = await podWhere((s) => s?.restartCount === 1 && s.state?.running !== undefined);
    print(`cluster: stopped it through CRI; the kubelet simulator restarted it as ${restarted.containerID} (restartCount ${restarted.restartCount})`);

    // Now kruised itself restarts it: a CRR, executed by the daemon (kill with the grace), the
    // kubelet simulator starting the new container, and the manager double's snapshots.
    const manager = startCrrController(api, { intervalMs: 200 });
    stops.push(async () => manager.stop());
    const crr = await restartThroughCrr(api, { namespace: 'default', podName: 'web', container: 'web', graceSeconds: 2 }, print);
    const recreated = await podWhere((s) => s?.containerID !== restarted.containerID && s?.state?.running !== undefined);
    print(`cluster: CRR ${crr.phase}: kruised recreated container web, now ${recreated.containerID} (restartCount ${recreated.restartCount})`);

    // An in-place update of env from metadata: kruised restarts the container whose env reads the label (meta-update.ts).
    const update = await inPlaceUpdateOfEnv(api, cri, NODE, bed.images.busybox, print);
    print(`cluster: in-place update done: VERSION ${update.before} → ${update.after}, the container restarted ${update.restarts} time(s), by kruised`);

    // The ~50 MB image through a link slowed to LINK_BYTES_PER_SECOND, so its progress is seen
    // changing in the NodeImage status (written every few seconds, as the daemon's budget allows).
    const real = start.ok ? start.running.bed : undefined;
    const link = real ? await startSlowLink(real.registry, LINK_BYTES_PER_SECOND, join(real.dir, 'ctd', 'certs.d')) : undefined;
    const image = real && link ? real.images.big.replace(real.registry, link.host) : bed.images.big;
    stops.push(async () => link?.close());
    const shown = watchTagProgress(api, print);
    stops.push(async () => shown());
    const job = api.store.create({
      apiVersion: 'apps.kruise.io/v1alpha1',
      kind: 'ImagePullJob',
      metadata: { name: 'pull-big', namespace: 'default' },
      spec: { image },
    });
    nodeImageFromImagePullJob(api, job, [NODE]);
    print(
      `cluster: ImagePullJob ${image} became an entry in NodeImage ${NODE}; kruised pulls it${link ? ` through a link slowed to ${LINK_BYTES_PER_SECOND / 1_000_000} MB/s` : ''}`,
    );
    if (!link) print('cluster: the simulated runtime has no content service, so its progress stays 0 until the pull is done');
    const nodeImage = await api.store.waitFor(
      { apiVersion: 'apps.kruise.io/v1beta1', kind: 'NodeImage', name: NODE },
      (o) => tagOf(o)?.phase === 'Succeeded' || tagOf(o)?.phase === 'Failed',
      120_000,
    );
    const tag = tagOf(nodeImage);
    print(
      `cluster: NodeImage ${NODE} status: ${tag?.phase ?? 'none'}, progress ${tag?.progress ?? 0}, imageID ${tag?.imageID ?? '-'}${tag?.message ? `, ${tag.message}` : ''}`,
    );
  } finally {
    for (const stop of stops.reverse()) await stop();
    daemon.kill('SIGTERM');
    await new Promise((resolve) => daemon.once('close', resolve));
    await kubelet.stop();
    cri.close();
    await api.close();
    await down();
    print('cluster: everything it started is stopped and removed');
  }
  return replayDaemonLog(join(dataDir, 'daemon', 'events'), print);

  async function podWhere(test: (status: ContainerStatus | undefined) => boolean): Promise<{ containerID: string; restartCount: number }> {
    const pod = await api.store.waitFor({ apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'web' }, (p) => test(statusOf(p)), 30_000);
    const status = statusOf(pod);
    if (!status?.containerID || !test(status)) throw new Error(`pod default/web did not get there: ${JSON.stringify(pod?.status ?? null)}`);
    return { containerID: status.containerID, restartCount: status.restartCount ?? 0 };
  }
}

/** Replays the stopped daemon's event log as `kruised replay` does and names its actors (the crrPod and imageTag ones); returns whether it replayed clean. */
async function replayDaemonLog(logDir: string, print: (line: string) => void): Promise<boolean> {
  const replay = await replayLog(logDir, { registry: machineRegistry });
  const actors = replay.actors.map((a) => `${a.machine} ${a.key}`).join(', ');
  const verdict = replay.divergence ? `DIVERGED at #${replay.divergence.seq} (${replay.divergence.key})` : 'clean';
  print(`cluster: the daemon's own event log replays ${verdict}: ${replay.records} records; actors: ${actors}`);
  print(`cluster: read it with: kruised replay ${logDir}`);
  return replay.divergence === undefined;
}

/** The fallback: the same scenario on the CRI test double, with a registry table of the demo's images. */
async function startSimulatedRuntime(reason: string, print: (line: string) => void) {
  print(`cluster: no real containerd here (${reason}); using the SIMULATED runtime (test double, not containerd)`);
  const images = { busybox: 'registry.local/busybox:1', big: 'registry.local/big:1' };
  const double = await startCriDouble({
    platform: 'linux',
    images: {
      [images.busybox]: { id: `sha256:${'b1'.repeat(32)}`, sizeBytes: 2_150_000 },
      [images.big]: { id: `sha256:${'b3'.repeat(32)}`, sizeBytes: 52_000_000 },
    },
    pullBytesPerSecond: 4 * LINK_BYTES_PER_SECOND,
  });
  const bed = { endpoint: double.endpoint, podNetwork: 'host' as const, images };
  return { bed, down: () => double.close() };
}

interface ContainerStatus {
  containerID?: string;
  restartCount?: number;
  state?: { running?: unknown };
}

/** Prints each change of the first tag's phase or progress in the stored NodeImage status, live; returns the unsubscribe. */
function watchTagProgress(api: Awaited<ReturnType<typeof startFakeApiServer>>, print: (line: string) => void): () => void {
  let last = '';
  return api.store.subscribe((e) => {
    if (e.object.kind !== 'NodeImage' || e.object.metadata.name !== NODE) return;
    const images =
      (e.object.status as { imageStatuses?: Record<string, { tags?: Array<{ tag?: string; phase?: string; progress?: number }> }> } | undefined)
        ?.imageStatuses ?? {};
    const [name, entry] = Object.entries(images)[0] ?? [];
    const tag = entry?.tags?.[0];
    if (!tag?.phase) return;
    const now = `${name}:${tag.tag}: ${tag.phase}, progress ${tag.progress ?? 0}%`;
    if (now === last) return;
    last = now;
    print(`cluster: NodeImage ${NODE} ${now}`);
  });
}

function tagOf(nodeImage: KubeObject | undefined): { phase?: string; progress?: number; imageID?: string; message?: string } | undefined {
  const images = (nodeImage?.status as { imageStatuses?: Record<string, { tags?: Array<{ phase?: string }> }> } | undefined)?.imageStatuses ?? {};
  return Object.values(images).flatMap((image) => image.tags ?? [])[0];
}

function statusOf(pod: KubeObject | undefined): ContainerStatus | undefined {
  return (pod?.status as { containerStatuses?: ContainerStatus[] } | undefined)?.containerStatuses?.[0];
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
