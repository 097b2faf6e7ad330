// pull-memory: the RSS of the real daemon process with 50 image tags in flight. `kruised run` is
// started as deploy/ starts it (test/bench/deployed-daemon.ts: the DaemonSet's command, Node flags
// and args, the image's ENV), with the credentials users run it with: in-cluster service-account
// credentials (token, ca.crt, KUBERNETES_SERVICE_HOST/PORT) over HTTPS, which is what the goal is
// measured on; then the same inside a fresh cgroup carrying the DaemonSet's own resource limits
// (read from deploy/base/daemonset-linux.yaml and applied as the kubelet applies them:
// test/bench/pod-limits.ts), whose goal is that the OOM killer never fires; then once more with a
// kubeconfig file (token and CA data, the same HTTPS server). The last two are reported beside the
// first. Where no cgroup can be made (not root, read-only cgroupfs) the limited run says why and
// measures nothing.
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
// Both in-cluster runs also time the run from the moment the NodeImage spec holds the 50 tags to
// the first status with all 50 Pulling and with all 50 Succeeded (seen by the bed as the API
// server stores them), the daemon's time to its first healthy /healthz, its CPU time, and its
// /healthz answers while the pulls ran (probed once a second): the slowest, and how many took
// longer than the DaemonSet's liveness probe allows. Under the 50m CPU limit the pulls' timing is
// not known beforehand, so the limited run has no fixed in-flight window: its RSS figure is the
// highest sample from the jobs' creation to the end (or the daemon's death). It also reports the
// cgroup's own memory peak, limit hits, OOM kills and CPU throttling.
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
/** Whose resource limits the limited run applies. */
const DAEMONSET = fileURLToPath(new URL('../../../deploy/base/daemonset-linux.yaml', import.meta.url));

interface BedReady {
  /** The TLS front of the fake API server. */
  readonly port: number;
  readonly token: string;
  readonly endpoint: string;
}

type Phases = Record<string, number>;
type Memory = { rssMiB: number; anonMiB: number; peakMiB: number };
type Mode = 'in-cluster' | 'kubeconfig';
/** When (ms, the bed's clock) the NodeImage spec had all tags, and its status first had them all Pulling, all Succeeded. */
type Timeline = { specAt: number; allPullingAt?: number; allSucceededAt?: number };
type LimitedCgroup = import('./pod-limits.js').LimitedCgroup;

interface Measured {
  readonly healthySeconds: number;
  readonly idle: Memory;
  /** The fixed in-flight window; only without a CPU limit, where the pulls' timing is known. */
  readonly inFlight?: Memory & { medianMiB: number };
  /** The highest 100 ms sample from the jobs' creation to the end (or the daemon's death). */
  readonly runPeak: Memory;
  readonly cpuSeconds: number;
  /** /healthz probed once a second while the pulls ran: the slowest answer, and how many took longer than the liveness probe's timeout. */
  readonly healthz: { readonly maxMs: number; readonly slow: number; readonly probes: number; readonly timeoutMs: number };
  readonly timeline: Timeline;
  readonly succeeded: number;
  /** Undefined while it ran to the end; else how it ended early (e.g. SIGKILL by the OOM killer). */
  readonly died?: string;
}

export async function run(): Promise<Result[]> {
  const { atMost, figure } = await import('./report.js');
  const { progress } = await import('./harness.js');
  const { mountNamespaceFlags } = await import('./deployed-daemon.js');
  const results: Result[] = [];
  const namespaceFlags = mountNamespaceFlags();
  if (namespaceFlags) {
    const m = await measure('in-cluster', { namespaceFlags });
    results.push(
      atMost('pull-memory.rss-50-in-flight', m.inFlight!.rssMiB, 'MiB', 96),
      figure('pull-memory.rss-anon-50-in-flight', m.inFlight!.anonMiB, 'MiB'),
      figure('pull-memory.rss-median-50-in-flight', m.inFlight!.medianMiB, 'MiB'),
      figure('pull-memory.rss-idle', m.idle.rssMiB, 'MiB'),
      figure('pull-memory.rss-anon-idle', m.idle.anonMiB, 'MiB'),
      figure('pull-memory.rss-peak-since-start', m.inFlight!.peakMiB, 'MiB'),
      ...timings(figure, 'pull-memory', m),
    );
    results.push(...(await limitedRun(namespaceFlags)));
  } else {
    progress("in-cluster credentials not measured, with or without the pod's limits: no mount namespace (unshare) for the service-account files here");
  }
  const k = await measure('kubeconfig');
  results.push(
    figure('pull-memory.kubeconfig.rss-50-in-flight', k.inFlight!.rssMiB, 'MiB'),
    figure('pull-memory.kubeconfig.rss-anon-50-in-flight', k.inFlight!.anonMiB, 'MiB'),
    figure('pull-memory.kubeconfig.rss-median-50-in-flight', k.inFlight!.medianMiB, 'MiB'),
    figure('pull-memory.kubeconfig.rss-idle', k.idle.rssMiB, 'MiB'),
  );
  return results;
}

/** The timing figures both in-cluster runs report. */
function timings(figure: typeof import('./report.js').figure, prefix: string, m: Measured): Result[] {
  const since = (at: number | undefined, name: string) => (at === undefined ? [] : [figure(`${prefix}.${name}`, (at - m.timeline.specAt) / 1000, 's')]);
  return [
    figure(`${prefix}.seconds-to-healthy`, m.healthySeconds, 's'),
    ...since(m.timeline.allPullingAt, `seconds-to-${TAGS}-pulling`),
    ...since(m.timeline.allSucceededAt, `seconds-to-${TAGS}-succeeded`),
    ...(m.died ? [] : [figure(`${prefix}.daemon-cpu-seconds`, m.cpuSeconds, 's')]),
    figure(`${prefix}.healthz-probes`, m.healthz.probes, 'probes'),
    ...(m.healthz.probes > 0
      ? [figure(`${prefix}.healthz-max`, m.healthz.maxMs, 'ms'), figure(`${prefix}.healthz-over-probe-timeout`, m.healthz.slow, 'probes')]
      : []),
  ];
}

/**
 * The in-cluster run once more, inside a fresh cgroup with the DaemonSet's own limits (read from
 * deploy/base/daemonset-linux.yaml, applied as the kubelet applies them: test/bench/pod-limits.ts).
 * Its goal is that the OOM killer never fires; its RSS is reported beside the unlimited run's.
 */
async function limitedRun(namespaceFlags: string[]): Promise<Result[]> {
  const { atMost, figure } = await import('./report.js');
  const { progress } = await import('./harness.js');
  const { cfsQuotaUs, CFS_PERIOD_US, createLimitedCgroup, daemonSetLimits } = await import('./pod-limits.js');
  const limits = await daemonSetLimits(await readFile(DAEMONSET, 'utf8'));
  const attempt = await createLimitedCgroup(`kruised-bench-${process.pid}`, limits);
  if (!attempt.ok) {
    progress(`limited: not measured: ${attempt.reason}`);
    return [];
  }
  const cgroup = attempt.cgroup;
  try {
    progress(
      `limited: cgroup v${cgroup.version} ${cgroup.dirs.join(' ')}: cpu ${limits.cpu} (CFS quota ${cfsQuotaUs(limits.cpuMillis)} µs per ${CFS_PERIOD_US} µs), memory ${limits.memory} (${limits.memoryBytes} bytes)`,
    );
    let m: Measured | undefined;
    let failure: unknown;
    try {
      m = await measure('in-cluster', { namespaceFlags, cgroup });
    } catch (error) {
      failure = error;
      progress(`limited: the run failed: ${(error as Error).message}`);
    }
    const stats = await cgroup.stats();
    if (m?.died) progress(`limited: the daemon died: ${m.died}, ${m.succeeded} of ${TAGS} tags Succeeded`);
    // A failure the OOM killer does not explain is the bench's own: let it crash.
    if (failure !== undefined && !(stats.oomKills > 0)) throw failure;
    const results: Result[] = [
      atMost('pull-memory.limited.oom-kills', stats.oomKills, 'kills', 0),
      figure('pull-memory.limited.tags-succeeded', m?.succeeded ?? 0, 'tags'),
      figure('pull-memory.limited.cgroup-memory-peak', stats.memoryPeakBytes / 2 ** 20, 'MiB'),
      figure('pull-memory.limited.memory-limit-hits', stats.limitHits, 'hits'),
      figure('pull-memory.limited.cpu-throttled-periods', stats.cpuThrottledPeriods, 'periods'),
      figure('pull-memory.limited.cpu-periods', stats.cpuPeriods, 'periods'),
      figure('pull-memory.limited.cpu-throttled-time', stats.cpuThrottledSeconds, 's'), // summed over the CPUs' run queues
    ];
    if (m) {
      results.push(
        figure('pull-memory.limited.rss-peak-50-tags', m.runPeak.rssMiB, 'MiB'),
        figure('pull-memory.limited.rss-anon-at-peak', m.runPeak.anonMiB, 'MiB'),
        figure('pull-memory.limited.rss-peak-since-start', m.runPeak.peakMiB, 'MiB'),
        figure('pull-memory.limited.rss-idle', m.idle.rssMiB, 'MiB'),
        ...timings(figure, 'pull-memory.limited', m),
      );
    }
    return results;
  } finally {
    await cgroup.remove().catch((error: unknown) => progress(`limited: ${(error as Error).message}`));
  }
}

/** One daemon, from start to all 50 tags Succeeded (or its death, inside a cgroup), on a fresh bed. */
async function measure(mode: Mode, options: { namespaceFlags?: string[]; cgroup?: LimitedCgroup } = {}): Promise<Measured> {
  const { progress } = await import('./harness.js');
  const { memoryOf, startDeployedDaemon } = await import('./deployed-daemon.js');
  const { livenessTimeoutMs } = await import('./pod-limits.js');
  const { cgroup, namespaceFlags } = options;
  const probeTimeoutMs = await livenessTimeoutMs(await readFile(DAEMONSET, 'utf8'));
  const label = cgroup ? `${mode}, limited` : mode;
  const dir = await mkdtemp(join(tmpdir(), 'kruised-pull-memory-'));
  const bed = await forkChild<BedReady>(SELF, ['--pull-memory-bed'], []);
  let daemon: Awaited<ReturnType<typeof startDeployedDaemon>> | undefined;
  let watch: Watch | undefined;
  try {
    const caPem = await readFile(join(TLS_FIXTURES, 'ca.crt'), 'utf8');
    const credentials =
      mode === 'in-cluster'
        ? { kind: mode, host: '127.0.0.1', port: bed.ready.port, token: bed.ready.token, caPem }
        : { kind: mode, yaml: kubeconfigYaml(`https://127.0.0.1:${bed.ready.port}`, bed.ready.token, caPem) };
    const startedAt = Date.now();
    daemon = await startDeployedDaemon({
      dir,
      nodeName: NODE,
      criEndpoint: bed.ready.endpoint,
      credentials,
      ...(namespaceFlags ? { namespaceFlags } : {}),
      // Under the pod's CPU limit the start takes far longer; the liveness probe waits 60 s.
      ...(cgroup ? { wrapCommand: (command: readonly string[]) => cgroup.wrap(command), healthyWithinMs: 300_000 } : {}),
    });
    const healthySeconds = (Date.now() - startedAt) / 1000;
    progress(`${label}: ${daemon.started} … (pid ${daemon.pid}) is healthy after ${healthySeconds.toFixed(1)} s`);
    await new Promise((r) => setTimeout(r, 2000));
    const idle = await sample(daemon.pid, 30);
    progress(
      `${label}: ${TAGS} ImagePullJobs of ${TAGS} images (${IMAGE_BYTES >> 20} MiB each at ${PULL_BYTES_PER_SECOND >> 20} MiB/s on the simulated runtime)`,
    );
    await bed.call({ cmd: 'jobs' });
    watch = watchDaemon(daemon.pid, daemon.get, probeTimeoutMs);
    const phases = async () => (await bed.call({ cmd: 'phases' })) as Phases;
    const exited = () =>
      daemon!.child.exitCode !== null || daemon!.child.signalCode !== null ? `exit ${daemon!.child.exitCode ?? daemon!.child.signalCode}` : undefined;
    let seen: Phases = {};
    let inFlight: (Memory & { medianMiB: number }) | undefined;
    if (!cgroup) {
      const deadline = Date.now() + 20_000;
      for (seen = await phases(); seen.Pulling !== TAGS; seen = await phases()) {
        if (Date.now() > deadline) throw new Error(`expected ${TAGS} tags Pulling, the API server has ${JSON.stringify(seen)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      await new Promise((r) => setTimeout(r, 1000));
      inFlight = await sample(daemon.pid, 150);
      const stillPulling = (await phases()).Pulling;
      const actors = /^kruised_live_actors (\d+)$/m.exec((await daemon.get('/metrics')).body)?.[1];
      progress(`${label}: measured with ${stillPulling} of ${TAGS} tags Pulling (${actors} live actors); waiting for all to succeed`);
      if (stillPulling !== TAGS) throw new Error(`only ${stillPulling} tags were still Pulling when measured`);
    }
    const finish = Date.now() + (cgroup ? 600_000 : 120_000);
    let died: string | undefined;
    for (seen = await phases(); seen.Succeeded !== TAGS; seen = await phases()) {
      died = exited();
      if (died) break;
      if (Date.now() > finish) throw new Error(`expected ${TAGS} tags Succeeded, the API server has ${JSON.stringify(seen)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const { runPeak, healthz } = await watch.stop();
    watch = undefined;
    const cpuSeconds = died ? NaN : await cpuSecondsOf(daemon.pid);
    const peakMiB = died ? runPeak.peakMiB : (await memoryOf(daemon.pid)).peakMiB;
    const timeline = (await bed.call({ cmd: 'timeline' })) as Timeline;
    const code = await daemon.stop();
    daemon = undefined;
    if (!died && code !== 0) throw new Error(`the daemon exited with ${code} on SIGTERM`);
    return {
      healthySeconds,
      idle,
      ...(inFlight ? { inFlight } : {}),
      runPeak: { ...runPeak, peakMiB },
      cpuSeconds,
      healthz,
      timeline,
      succeeded: seen.Succeeded ?? 0,
      ...(died ? { died } : {}),
    };
  } finally {
    await watch?.stop();
    await daemon?.stop();
    bed.child.kill();
    await rm(dir, { recursive: true, force: true });
  }
}

interface Watch {
  stop(): Promise<{ runPeak: Memory; healthz: Measured['healthz'] }>;
}

/**
 * Samples the daemon's RSS every 100 ms and times a /healthz GET a second after the last answer,
 * until stopped or the process is gone. A GET is waited out, not cut at the probe's timeout, so
 * the slowest answer shows how long the daemon was unresponsive.
 */
function watchDaemon(pid: number, get: (path: string) => Promise<{ status: number }>, timeoutMs: number): Watch {
  let runPeak: Memory = { rssMiB: 0, anonMiB: 0, peakMiB: 0 };
  const healthz = { maxMs: 0, slow: 0, probes: 0, timeoutMs };
  let running = true;
  const memory = (async () => {
    const { memoryOf } = await import('./deployed-daemon.js');
    while (running) {
      const m = await memoryOf(pid).catch(() => undefined);
      if (!m) return;
      if (m.rssMiB > runPeak.rssMiB) runPeak = m;
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const probing = (async () => {
    while (running) {
      const started = performance.now();
      const ok = await get('/healthz').then(
        (r) => r.status === 200,
        () => false,
      );
      if (!ok) return;
      const ms = performance.now() - started;
      healthz.maxMs = Math.max(healthz.maxMs, ms);
      healthz.probes += 1;
      if (ms > timeoutMs) healthz.slow += 1;
      await new Promise((r) => setTimeout(r, 1000));
    }
  })();
  return {
    async stop() {
      running = false;
      await Promise.all([memory, probing]);
      return { runPeak, healthz };
    },
  };
}

/** CPU time (user + system) the process has used: /proc/<pid>/stat fields 14 and 15, in USER_HZ (100/s on Linux). */
async function cpuSecondsOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // from field 3 on; the name may hold spaces
  return (Number(fields[11]) + Number(fields[12])) / 100;
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
  const phases = (): Phases => {
    const status = nodeImage()?.status as { imageStatuses?: Record<string, { tags: Array<{ phase?: string }> }> } | undefined;
    const counts: Phases = {};
    for (const image of Object.values(status?.imageStatuses ?? {})) for (const t of image.tags) counts[t.phase ?? ''] = (counts[t.phase ?? ''] ?? 0) + 1;
    return counts;
  };
  let timeline: Timeline | undefined;
  // Every write to the NodeImage is seen here as it is stored: the moments the status first has all tags Pulling, all Succeeded.
  api.store.subscribe((event) => {
    if (!timeline || event.object.kind !== 'NodeImage' || event.object.metadata.name !== NODE) return;
    const counts = phases();
    if (counts.Pulling === TAGS) timeline.allPullingAt ??= Date.now();
    if (counts.Succeeded === TAGS) timeline.allSucceededAt ??= Date.now();
  });
  process.on('message', (msg: { cmd: string }) => {
    if (msg.cmd === 'jobs') {
      refs.forEach((image, i) => {
        const job = api.store.create({
          apiVersion: 'apps.kruise.io/v1beta1',
          kind: 'ImagePullJob',
          metadata: { name: `job-${i}`, namespace: 'apps' },
          spec: { image, imagePullPolicy: 'Always' },
        });
        nodeImageFromImagePullJob(api, job as never, [NODE]);
      });
      timeline = { specAt: Date.now() };
      process.send!({ done: 'jobs' });
    }
    if (msg.cmd === 'phases') process.send!(phases());
    if (msg.cmd === 'timeline') process.send!(timeline);
  });
  process.on('disconnect', () => void runtime.close().finally(() => api.close().finally(() => process.exit(0))));
  process.send!({ port: (front.address() as { port: number }).port, token: api.token ?? '', endpoint: runtime.endpoint } satisfies BedReady);
}

if (process.argv[1] === SELF && process.argv[2] === '--pull-memory-bed') await serveBed();
