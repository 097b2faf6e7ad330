// pull-memory: the RSS of the real daemon process with 50 image tags in flight. `kruised run` is
// started as deploy/ starts it (test/bench/deployed-daemon.ts: the DaemonSet's command, Node flags
// and args, the image's ENV), with the credentials users run it with: in-cluster service-account
// credentials (token, ca.crt, KUBERNETES_SERVICE_HOST/PORT) over HTTPS, which is what the goal is
// measured on; then once more with a kubeconfig file (token and CA data, the same HTTPS server),
// reported beside it.
//
// Around the daemon, in a child process of this bench: the fake API server behind a TLS front
// (the test CA of test/adapters/kube/fixtures), the manager double turning 50 ImagePullJobs
// (50 distinct images) into this node's NodeImage, and the SIMULATED CRI runtime
// (test/bed/cri-double), whose pulls run at 1 MiB/s for 30 MiB images, so all 50 stay in flight
// for about 30 s. The daemon's whole run path is live: every informer, the image puller with
// unbounded workers, 50 imageTag actors on its durable event log, CRI PullImage, status PUTs
// within upstream's limits, debug logging to a drained pipe (the DaemonSet's --v=4).
//
// The daemon cannot be made to collect garbage from outside (that would need a Node flag the
// deployment lacks), so RSS is sampled from /proc/<pid>/status every 100 ms and the highest
// sample is the figure: what a memory limit sees. The in-flight window is long (15 s of the
// pulls' ~30 s) so that growth while the pulls run would show; the window's median is reported
// beside its top (so far they are equal: the level is set by the burst in which the 50 tags
// start). VmHWM, the peak RSS since the daemon started, too.
//
// This module imports only Node built-ins (and the runner's own helpers) at load time.
import { forkChild } from './harness.js';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Result } from './report.js';

const TAGS = 50;
const IMAGE_BYTES = 30 * 1024 * 1024;
const PULL_BYTES_PER_SECOND = 1024 * 1024;
const NODE = 'bench-node';
const SELF = fileURLToPath(import.meta.url);
/** Test-only TLS material (a throwaway CA and a certificate for IP:127.0.0.1), read from the checkout. */
const TLS_FIXTURES = fileURLToPath(new URL('../../../test/adapters/kube/fixtures/', import.meta.url));

interface BedReady {
  /** The TLS front of the fake API server. */
  readonly port: number;
  readonly token: string;
  readonly endpoint: string;
}

type Phases = Record<string, number>;
type Memory = { rssMiB: number; anonMiB: number; peakMiB: number };
type Mode = 'in-cluster' | 'kubeconfig';

export async function run(): Promise<Result[]> {
  const { atMost, figure } = await import('./report.js');
  const { progress } = await import('./harness.js');
  const { mountNamespaceFlags } = await import('./deployed-daemon.js');
  const results: Result[] = [];
  const namespaceFlags = mountNamespaceFlags();
  if (namespaceFlags) {
    const m = await measure('in-cluster', namespaceFlags);
    results.push(
      atMost('pull-memory.rss-50-in-flight', m.inFlight.rssMiB, 'MiB', 96),
      figure('pull-memory.rss-anon-50-in-flight', m.inFlight.anonMiB, 'MiB'),
      figure('pull-memory.rss-median-50-in-flight', m.inFlight.medianMiB, 'MiB'),
      figure('pull-memory.rss-idle', m.idle.rssMiB, 'MiB'),
      figure('pull-memory.rss-anon-idle', m.idle.anonMiB, 'MiB'),
      figure('pull-memory.rss-peak-since-start', m.inFlight.peakMiB, 'MiB'),
    );
  } else {
    progress('in-cluster credentials not measured: no mount namespace (unshare) for the service-account files here');
  }
  const k = await measure('kubeconfig');
  results.push(
    figure('pull-memory.kubeconfig.rss-50-in-flight', k.inFlight.rssMiB, 'MiB'),
    figure('pull-memory.kubeconfig.rss-anon-50-in-flight', k.inFlight.anonMiB, 'MiB'),
    figure('pull-memory.kubeconfig.rss-median-50-in-flight', k.inFlight.medianMiB, 'MiB'),
    figure('pull-memory.kubeconfig.rss-idle', k.idle.rssMiB, 'MiB'),
  );
  return results;
}

/** One daemon, from start to all 50 tags Succeeded, on a fresh bed. */
async function measure(mode: Mode, namespaceFlags?: string[]): Promise<{ idle: Memory; inFlight: Memory & { medianMiB: number } }> {
  const { progress } = await import('./harness.js');
  const { startDeployedDaemon } = await import('./deployed-daemon.js');
  const dir = await mkdtemp(join(tmpdir(), 'kruised-pull-memory-'));
  const bed = await forkChild<BedReady>(SELF, ['--pull-memory-bed'], []);
  let daemon: Awaited<ReturnType<typeof startDeployedDaemon>> | undefined;
  try {
    const caPem = await readFile(join(TLS_FIXTURES, 'ca.crt'), 'utf8');
    const credentials =
      mode === 'in-cluster'
        ? { kind: mode, host: '127.0.0.1', port: bed.ready.port, token: bed.ready.token, caPem }
        : { kind: mode, yaml: kubeconfigYaml(`https://127.0.0.1:${bed.ready.port}`, bed.ready.token, caPem) };
    daemon = await startDeployedDaemon({ dir, nodeName: NODE, criEndpoint: bed.ready.endpoint, credentials, ...(namespaceFlags ? { namespaceFlags } : {}) });
    progress(`${mode}: ${daemon.started} … (pid ${daemon.pid}) is healthy`);
    await new Promise((r) => setTimeout(r, 2000));
    const idle = await sample(daemon.pid, 30);
    progress(`${mode}: ${TAGS} ImagePullJobs of ${TAGS} images (${IMAGE_BYTES >> 20} MiB each at ${PULL_BYTES_PER_SECOND >> 20} MiB/s on the simulated runtime)`);
    await bed.call({ cmd: 'jobs' });
    const phases = async () => (await bed.call({ cmd: 'phases' })) as Phases;
    const deadline = Date.now() + 20_000;
    let seen: Phases = {};
    while ((seen = await phases()).Pulling !== TAGS) {
      if (Date.now() > deadline) throw new Error(`expected ${TAGS} tags Pulling, the API server has ${JSON.stringify(seen)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 1000));
    const inFlight = await sample(daemon.pid, 150);
    const stillPulling = (await phases()).Pulling;
    const actors = /^kruised_live_actors (\d+)$/m.exec((await daemon.get('/metrics')).body)?.[1];
    progress(`${mode}: measured with ${stillPulling} of ${TAGS} tags Pulling (${actors} live actors); waiting for all to succeed`);
    if (stillPulling !== TAGS) throw new Error(`only ${stillPulling} tags were still Pulling when measured`);
    const finish = Date.now() + 120_000;
    while ((seen = await phases()).Succeeded !== TAGS) {
      if (Date.now() > finish) throw new Error(`expected ${TAGS} tags Succeeded, the API server has ${JSON.stringify(seen)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const code = await daemon.stop();
    daemon = undefined;
    if (code !== 0) throw new Error(`the daemon exited with ${code} on SIGTERM`);
    return { idle, inFlight };
  } finally {
    await daemon?.stop();
    bed.child.kill();
    await rm(dir, { recursive: true, force: true });
  }
}

/** `count` samples 100 ms apart: the highest (with that sample's RssAnon), and the median RSS. */
async function sample(pid: number, count: number): Promise<Memory & { medianMiB: number }> {
  const { memoryOf } = await import('./deployed-daemon.js');
  const samples: Memory[] = [];
  for (let i = 0; i < count; i += 1) {
    samples.push(await memoryOf(pid));
    await new Promise((r) => setTimeout(r, 100));
  }
  const byRss = samples.toSorted((a, b) => a.rssMiB - b.rssMiB);
  return { ...byRss.at(-1)!, medianMiB: byRss[Math.floor(count / 2)]!.rssMiB };
}

/** A kubeconfig as kubeadm-style tooling writes it: the server, its CA inline, a bearer token. */
function kubeconfigYaml(server: string, token: string, caPem: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: bench',
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority-data: ${Buffer.from(caPem).toString('base64')}`,
    'users:',
    '- name: bench',
    '  user:',
    `    token: ${token}`,
    'contexts:',
    '- name: bench',
    '  context:',
    '    cluster: bench',
    '    user: bench',
    'current-context: bench',
    '',
  ].join('\n');
}

/** Child: the fake API server behind a TLS front, the manager double and the simulated runtime, driven over IPC. */
async function serveBed(): Promise<void> {
  const { createServer: createTlsServer } = await import('node:tls');
  const { connect } = await import('node:net');
  const { authorizerFromRules, kruiseDaemonRules, startFakeApiServer } = await import('../bed/apiserver/index.js');
  const { nodeImageFromImagePullJob } = await import('../bed/manager/index.js');
  const { startCriDouble } = await import('../bed/cri-double/index.js');
  const api = await startFakeApiServer({ authorize: authorizerFromRules(kruiseDaemonRules) });
  api.store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'apps' } });
  api.store.create({ apiVersion: 'apps.kruise.io/v1beta1', kind: 'NodeImage', metadata: { name: NODE, labels: { 'kubernetes.io/hostname': NODE } }, spec: {} });
  // The fake speaks plain HTTP; this front gives the daemon the HTTPS a real API server has.
  const apiPort = Number(new URL(api.url).port);
  const front = createTlsServer({ key: await readFile(join(TLS_FIXTURES, 'server.key')), cert: await readFile(join(TLS_FIXTURES, 'server.crt')) }, (socket) => {
    const upstream = connect(apiPort, '127.0.0.1');
    socket.pipe(upstream).pipe(socket);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  const refs = Array.from({ length: TAGS }, (_, i) => `registry.bench.local/image-${String(i).padStart(2, '0')}:1`);
  const images = Object.fromEntries(refs.map((ref) => [ref, { id: `sha256:${createHash('sha256').update(ref).digest('hex')}`, sizeBytes: IMAGE_BYTES }]));
  const runtime = await startCriDouble({ platform: 'linux', images, pullBytesPerSecond: PULL_BYTES_PER_SECOND });
  const nodeImage = () => api.store.get({ apiVersion: 'apps.kruise.io/v1beta1', kind: 'NodeImage', name: NODE });
  process.on('message', (msg: { cmd: string }) => {
    if (msg.cmd === 'jobs') {
      refs.forEach((image, i) => {
        const job = api.store.create({ apiVersion: 'apps.kruise.io/v1beta1', kind: 'ImagePullJob', metadata: { name: `job-${i}`, namespace: 'apps' }, spec: { image, imagePullPolicy: 'Always' } });
        nodeImageFromImagePullJob(api, job as never, [NODE]);
      });
      process.send!({ done: 'jobs' });
    }
    if (msg.cmd === 'phases') {
      const status = nodeImage()?.status as { imageStatuses?: Record<string, { tags: Array<{ phase?: string }> }> } | undefined;
      const counts: Phases = {};
      for (const image of Object.values(status?.imageStatuses ?? {})) for (const t of image.tags) counts[t.phase ?? ''] = (counts[t.phase ?? ''] ?? 0) + 1;
      process.send!(counts);
    }
  });
  process.on('disconnect', () => void runtime.close().finally(() => api.close().finally(() => process.exit(0))));
  process.send!({ port: (front.address() as { port: number }).port, token: api.token ?? '', endpoint: runtime.endpoint } satisfies BedReady);
}

if (process.argv[1] === SELF && process.argv[2] === '--pull-memory-bed') await serveBed();
