// pull-memory: the daemon side's RSS with 50 image tags in flight. 50 ImagePullJobs (50 distinct
// images) go into this node's NodeImage; the daemon's image-puller path (NodeImage informer,
// 50 imageTag actors on a durable event log, unbounded workers, CRI PullImage, status PUTs within
// upstream's limits) pulls them from the SIMULATED CRI runtime (test/bed/cri-double), whose pulls
// run at 1 MiB/s for 30 MiB images, so all 50 stay in flight for about 30 s. That runtime has no
// containerd content API, so progress falls back to 0/100 (detected once). The fake API server,
// the manager double and the simulated runtime run in a child process, so the figures are the
// daemon side's alone, with the in-cluster service-account credentials a daemon in a pod uses
// (a kubeconfig file would load client-node's KubeConfig module, about 45 MiB more): VmRSS and RssAnon from /proc/self/status after a full GC, once the API
// server shows all 50 tags Pulling; and the same before any tag existed.
//
// This module imports only Node built-ins (and the runner's own helpers) at load time.
import { forkChild, type BenchChild } from './harness.js';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Result } from './report.js';

const TAGS = 50;
const IMAGE_BYTES = 30 * 1024 * 1024;
const PULL_BYTES_PER_SECOND = 1024 * 1024;
const SELF = fileURLToPath(import.meta.url);

interface BedReady {
  readonly url: string;
  readonly token: string;
  readonly endpoint: string;
}

type Phases = Record<string, number>;

export async function run(): Promise<Result[]> {
  const { atMost, figure } = await import('./report.js');
  const { collectGarbage, progress } = await import('./harness.js');
  const kube = await import('../../adapters/kube/index.js');
  const support = await import('./pull-support.js');
  const dir = await mkdtemp(join(tmpdir(), 'kruised-pull-memory-'));
  const bed = await startChild<BedReady>(['--pull-memory-bed', dir]);
  let daemon: Awaited<ReturnType<typeof support.startPullDaemon>> | undefined;
  try {
    // The credentials a daemon in a pod uses: the service-account token and the in-cluster server.
    const prefix = join(dir, 'sa');
    await mkdir(join(prefix, kube.SERVICE_ACCOUNT_DIR), { recursive: true });
    await writeFile(join(prefix, kube.SERVICE_ACCOUNT_DIR, 'token'), bed.ready.token);
    const clients = kube.kubeClientsFrom(kube.inClusterAuth({ prefix, server: bed.ready.url }));
    daemon = await support.startPullDaemon({ clients, endpoint: bed.ready.endpoint, logDir: join(dir, 'log') });
    await new Promise((r) => setTimeout(r, 500));
    collectGarbage();
    const idle = support.memoryNow();
    progress(`${TAGS} ImagePullJobs of ${TAGS} images (${IMAGE_BYTES >> 20} MiB each at ${PULL_BYTES_PER_SECOND >> 20} MiB/s on the simulated runtime)`);
    await bed.call({ cmd: 'jobs' });
    const phases = async () => (await bed.call({ cmd: 'phases' })) as Phases;
    const deadline = Date.now() + 20_000;
    let seen: Phases = {};
    while ((seen = await phases()).Pulling !== TAGS) {
      if (Date.now() > deadline) throw new Error(`expected ${TAGS} tags Pulling, the API server has ${JSON.stringify(seen)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 1000));
    collectGarbage();
    const inFlight = support.memoryNow();
    const stillPulling = (await phases()).Pulling;
    progress(`measured with ${stillPulling} of ${TAGS} tags Pulling (${daemon.host.size} actors); waiting for all to succeed`);
    const finish = Date.now() + 120_000;
    while ((seen = await phases()).Succeeded !== TAGS) {
      if (Date.now() > finish) throw new Error(`expected ${TAGS} tags Succeeded, the API server has ${JSON.stringify(seen)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    if (stillPulling !== TAGS) throw new Error(`only ${stillPulling} tags were still Pulling when measured`);
    return [
      atMost('pull-memory.rss-50-in-flight', inFlight.rssMiB, 'MiB', 96),
      figure('pull-memory.rss-anon-50-in-flight', inFlight.anonMiB, 'MiB'),
      figure('pull-memory.rss-idle', idle.rssMiB, 'MiB'),
      figure('pull-memory.rss-anon-idle', idle.anonMiB, 'MiB'),
    ];
  } finally {
    await daemon?.stop();
    bed.child.kill();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Forks this file in a child mode. */
const startChild = <R>(args: string[]) => forkChild<R>(SELF, args, []);

/** Child: the fake API server, the manager double and the simulated runtime, driven over IPC. */
async function serveBed(dir: string): Promise<void> {
  const { authorizerFromRules, kruiseDaemonRules, startFakeApiServer } = await import('../bed/apiserver/index.js');
  const { nodeImageFromImagePullJob } = await import('../bed/manager/index.js');
  const { startCriDouble } = await import('../bed/cri-double/index.js');
  const { NODE, nodeImageOf } = await import('./pull-support.js');
  const api = await startFakeApiServer({ authorize: authorizerFromRules(kruiseDaemonRules) });
  api.store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'apps' } });
  api.store.create({ apiVersion: 'apps.kruise.io/v1beta1', kind: 'NodeImage', metadata: { name: NODE, labels: { 'kubernetes.io/hostname': NODE } }, spec: {} });
  const refs = Array.from({ length: TAGS }, (_, i) => `registry.bench.local/image-${String(i).padStart(2, '0')}:1`);
  const images = Object.fromEntries(refs.map((ref) => [ref, { id: `sha256:${createHash('sha256').update(ref).digest('hex')}`, sizeBytes: IMAGE_BYTES }]));
  const runtime = await startCriDouble({ platform: 'linux', images, pullBytesPerSecond: PULL_BYTES_PER_SECOND });
  process.on('message', (msg: { cmd: string }) => {
    if (msg.cmd === 'jobs') {
      refs.forEach((image, i) => {
        const job = api.store.create({ apiVersion: 'apps.kruise.io/v1beta1', kind: 'ImagePullJob', metadata: { name: `job-${i}`, namespace: 'apps' }, spec: { image, imagePullPolicy: 'Always' } });
        nodeImageFromImagePullJob(api, job as never, [NODE]);
      });
      process.send!({ done: 'jobs' });
    }
    if (msg.cmd === 'phases') {
      const status = nodeImageOf(api)?.status as { imageStatuses?: Record<string, { tags: Array<{ phase?: string }> }> } | undefined;
      const counts: Phases = {};
      for (const image of Object.values(status?.imageStatuses ?? {})) for (const t of image.tags) counts[t.phase ?? ''] = (counts[t.phase ?? ''] ?? 0) + 1;
      process.send!(counts);
    }
  });
  process.on('disconnect', () => void runtime.close().finally(() => api.close().finally(() => process.exit(0))));
  process.send!({ url: api.url, token: api.token ?? '', endpoint: runtime.endpoint } satisfies BedReady);
}

if (process.argv[1] === SELF && process.argv[2] === '--pull-memory-bed') await serveBed(process.argv[3]!);
