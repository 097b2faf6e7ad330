// pull-scale: the real daemon process with a NodeImage of 500 tags, as deployed and inside the
// DaemonSet's own limits. `kruised run` is started as deploy/ starts it (test/bench/deployed-daemon.ts:
// the DaemonSet's command, Node flags, args, the image's ENV; in-cluster credentials where a mount
// namespace can be had, else a kubeconfig) inside a fresh cgroup carrying the limits of
// deploy/base/daemonset-linux.yaml (test/bench/pod-limits.ts: 50m CPU, 128Mi). Where no cgroup can
// be made, the run is unlimited and says so.
//
// The runtime is the REAL containerd of the test bed (test/bed/runtime) with its registries. The
// 500 tags come from 500 ImagePullJobs through the manager double (one owner each), in
// three kinds: a few present (the bed's images pulled beforehand, `IfNotPresent`: no pull), a few
// real pulls (`Always`; the ~50 MB image is removed first, so it downloads), and the rest on an
// image the registry does not have (`backoffLimit: 0`: one failed attempt, one backoff, Failed).
// The fake API server runs in a child process behind a TLS front, as in pull-memory.
//
// Figures: RSS idle (the median of 3 s of 100 ms samples after start), the highest sample from the
// jobs' creation until settled, RSS settled (the median of 10 s of samples, taken once every tag
// is terminal in the stored status, the daemon holds no imageTag actor any more, and 20 s more
// have passed), OOM kills, the daemon's API writes (status writes, Event creates and patches), and
// seconds from the spec to the first stored status with every tag terminal. Goals (issue 15): no
// OOM kill, and settled RSS within 16 MiB of idle.
//
// Diagnosis: with KRUISED_BENCH_HEAP_DIR set, the run is unlimited (a heap snapshot needs room)
// and the daemon's memory by kind (its pprof endpoint's /debug/pprof/memory: <name>.memory.json)
// and its mappings (<name>.smaps) are written there when idle and when settled, and, once
// settled RSS is measured, its heap (/debug/pprof/heap: settled.heapsnapshot; taking one costs the
// process tens of MiB of native memory it keeps, so never before a measurement); timeline.jsonl
// has the memory by kind once a second from the jobs' creation on.
//
// This module imports only Node built-ins (and the runner's own helpers) at load time.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { forkChild } from './harness.js';
import type { Result } from './report.js';

const TAGS = 500;
const NODE = 'bench-node';
const SELF = fileURLToPath(import.meta.url);
const TLS_FIXTURES = fileURLToPath(new URL('../../../test/adapters/kube/fixtures/', import.meta.url));
const DAEMONSET = fileURLToPath(new URL('../../../deploy/base/daemonset-linux.yaml', import.meta.url));
/** How long after settling the RSS is sampled, and how long the daemon is given to settle first. */
const SETTLE_WAIT_MS = 20_000;
const SETTLED_SAMPLES = 100;

interface BedReady {
  readonly port: number;
  readonly token: string;
}

/** One ImagePullJob: its image and policies. */
interface JobSpec {
  readonly image: string;
  readonly imagePullPolicy: 'Always' | 'IfNotPresent';
  readonly pullPolicy?: { readonly backoffLimit?: number };
}

type Memory = { rssMiB: number; anonMiB: number; peakMiB: number };
type Writes = { status: number; eventCreates: number; eventPatches: number; other: number };
type Progress = { terminal: number; phases: Record<string, number>; allTerminalAt?: number; specAt?: number; writes: Writes };

export async function run(): Promise<Result[]> {
  const { atMost, figure } = await import('./report.js');
  const { progress } = await import('./harness.js');
  const { startRuntimeBed } = await import('../bed/runtime/bed-control.js');
  const started = await startRuntimeBed();
  if (!started.ok) {
    progress(`pull-scale: not measured: the real-runtime bed cannot run here: ${started.reason}`);
    return [];
  }
  const { bed } = started.running;
  try {
    const jobs = await prepareJobs(bed);
    const m = await measure(bed.endpoint, jobs);
    const over = m.settled.rssMiB - m.idle.rssMiB;
    progress(
      `pull-scale: ${m.limits}; idle ${m.idle.rssMiB.toFixed(1)} MiB, peak ${m.peak.rssMiB.toFixed(1)} MiB (anon ${m.peak.anonMiB.toFixed(1)}), settled ${m.settled.rssMiB.toFixed(1)} MiB (anon ${m.settled.anonMiB.toFixed(1)}), ${m.phases}`,
    );
    return [
      figure('pull-scale.rss-idle', m.idle.rssMiB, 'MiB'),
      figure('pull-scale.rss-peak', m.peak.rssMiB, 'MiB'),
      figure('pull-scale.rss-settled', m.settled.rssMiB, 'MiB'),
      atMost('pull-scale.rss-settled-over-idle', over, 'MiB', 16),
      figure('pull-scale.rss-anon-settled', m.settled.anonMiB, 'MiB'),
      ...(m.oomKills === undefined ? [] : [atMost('pull-scale.oom-kills', m.oomKills, 'kills', 0)]),
      ...(m.cgroupPeakMiB === undefined ? [] : [figure('pull-scale.cgroup-memory-peak', m.cgroupPeakMiB, 'MiB')]),
      figure('pull-scale.writes', m.writes.status + m.writes.eventCreates + m.writes.eventPatches + m.writes.other, 'writes'),
      figure('pull-scale.status-writes', m.writes.status, 'writes'),
      figure('pull-scale.event-writes', m.writes.eventCreates + m.writes.eventPatches, 'writes'),
      ...(m.secondsToAllTerminal === undefined ? [] : [figure('pull-scale.seconds-to-all-terminal', m.secondsToAllTerminal, 's')]),
      figure('pull-scale.tags-terminal', m.terminal, 'tags'),
      ...(m.cpuSeconds === undefined ? [] : [figure('pull-scale.daemon-cpu-seconds', m.cpuSeconds, 's')]),
    ];
  } finally {
    await started.running.down();
  }
}

/** The 500 jobs: the bed's images present beforehand, the big image removed (a real download), the rest missing from the registry. */
async function prepareJobs(bed: import('../bed/runtime-bed.js').RuntimeBed): Promise<JobSpec[]> {
  const { createCriClient } = await import('../../adapters/cri/index.js');
  const cri = createCriClient({ endpoint: bed.endpoint, platform: 'linux' });
  try {
    const present = [bed.images.pause, bed.images.busybox, bed.images.busybox2, bed.images.shellless];
    for (const image of present) await cri.pullImage(undefined, { image: { image } });
    const { image: big } = await cri.imageStatus(undefined, { image: { image: bed.images.big } });
    if (big) await cri.removeImage(undefined, { image: { image: big.id } });
    const real: JobSpec[] = [bed.images.big, bed.images.short].map((image) => ({ image, imagePullPolicy: 'Always' }));
    const jobs: JobSpec[] = [...present.map((image) => ({ image, imagePullPolicy: 'IfNotPresent' as const })), ...real];
    for (let i = jobs.length; i < TAGS; i += 1) {
      jobs.push({ image: `${bed.registry}/missing-${i % 10}:t${String(i).padStart(3, '0')}`, imagePullPolicy: 'Always', pullPolicy: { backoffLimit: 0 } });
    }
    return jobs;
  } finally {
    cri.close();
  }
}

interface Measured {
  readonly limits: string;
  readonly idle: Memory;
  readonly peak: Memory;
  readonly settled: Memory;
  readonly oomKills?: number;
  readonly cgroupPeakMiB?: number;
  readonly writes: Writes;
  readonly secondsToAllTerminal?: number;
  readonly terminal: number;
  readonly phases: string;
  /** The daemon's CPU time from its start to settled. */
  readonly cpuSeconds?: number;
}

async function measure(endpoint: string, jobs: readonly JobSpec[]): Promise<Measured> {
  const { progress } = await import('./harness.js');
  const { memoryOf, mountNamespaceFlags, startDeployedDaemon } = await import('./deployed-daemon.js');
  const { cfsQuotaUs, createLimitedCgroup, daemonSetLimits } = await import('./pod-limits.js');
  const limits = await daemonSetLimits(await readFile(DAEMONSET, 'utf8'));
  const heapDir = process.env.KRUISED_BENCH_HEAP_DIR;
  const attempt = heapDir
    ? ({ ok: false, reason: 'KRUISED_BENCH_HEAP_DIR: heap snapshots are taken' } as const)
    : await createLimitedCgroup(`kruised-pull-scale-${process.pid}`, limits);
  const cgroup = attempt.ok ? attempt.cgroup : undefined;
  const described = cgroup
    ? `cgroup v${cgroup.version}: cpu ${limits.cpu} (CFS quota ${cfsQuotaUs(limits.cpuMillis)} µs), memory ${limits.memory}`
    : `no limits (${attempt.ok ? '' : attempt.reason})`;
  progress(`pull-scale: ${described}`);
  const dir = await mkdtemp(join(tmpdir(), 'kruised-pull-scale-'));
  const bed = await forkChild<BedReady>(SELF, ['--pull-scale-bed'], []);
  let daemon: Awaited<ReturnType<typeof startDeployedDaemon>> | undefined;
  let sampling: { stop(): Promise<Memory> } | undefined;
  try {
    const caPem = await readFile(join(TLS_FIXTURES, 'ca.crt'), 'utf8');
    const namespaceFlags = mountNamespaceFlags();
    const credentials = namespaceFlags
      ? { kind: 'in-cluster' as const, host: '127.0.0.1', port: bed.ready.port, token: bed.ready.token, caPem }
      : { kind: 'kubeconfig' as const, yaml: kubeconfigYaml(`https://127.0.0.1:${bed.ready.port}`, bed.ready.token, caPem) };
    daemon = await startDeployedDaemon({
      dir,
      nodeName: NODE,
      criEndpoint: endpoint,
      credentials,
      ...(namespaceFlags ? { namespaceFlags } : {}),
      ...(cgroup ? { wrapCommand: (command: readonly string[]) => cgroup.wrap(command), healthyWithinMs: 300_000 } : {}),
    });
    progress(`pull-scale: ${daemon.started} … (pid ${daemon.pid}, ${credentials.kind}) is healthy`);
    await new Promise((r) => setTimeout(r, 3000));
    const idle = await median(daemon.pid, 30);
    const pid = daemon.pid;
    const snapshot = async (name: string, heap: boolean) => {
      if (!heapDir) return;
      const { writeFile } = await import('node:fs/promises');
      await writeFile(join(heapDir, `${name}.smaps`), await readFile(`/proc/${daemon!.pid}/smaps`, 'utf8'));
      await writeFile(join(heapDir, `${name}.memory.json`), (await daemon!.pprof('/debug/pprof/memory')).body);
      // Taking a heap snapshot costs the process tens of MiB of native memory it keeps: only after measuring.
      if (!heap) return;
      const snap = await daemon!.pprof('/debug/pprof/heap');
      await writeFile(join(heapDir, `${name}.heapsnapshot`), snap.body);
      progress(`pull-scale: heap snapshot ${join(heapDir, `${name}.heapsnapshot`)} (${(snap.body.length / 2 ** 20).toFixed(1)} MiB)`);
    };
    await snapshot('idle', false);
    sampling = peakSampler(pid);
    const timeline = heapDir ? memoryTimeline(daemon, join(heapDir, 'timeline.jsonl')) : undefined;
    await bed.call({ cmd: 'jobs', jobs });
    progress(`pull-scale: ${jobs.length} ImagePullJobs created; waiting for every tag to be terminal`);
    const deadline = Date.now() + 1_800_000;
    let seen = (await bed.call({ cmd: 'progress' })) as Progress;
    const alive = () => daemon!.child.exitCode === null && daemon!.child.signalCode === null;
    while (seen.allTerminalAt === undefined && alive() && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1000));
      seen = (await bed.call({ cmd: 'progress' })) as Progress;
    }
    // Settled: no imageTag actor left (their Events written, their entries persisted), then 20 s.
    const liveActors = async () => Number(/^kruised_live_actors (\d+)$/m.exec((await daemon!.get('/metrics')).body)?.[1] ?? NaN);
    while (alive() && Date.now() < deadline && (await liveActors().catch(() => 0)) > 1) await new Promise((r) => setTimeout(r, 1000));
    if (alive()) await new Promise((r) => setTimeout(r, SETTLE_WAIT_MS));
    const settled = alive() ? await median(pid, SETTLED_SAMPLES) : { rssMiB: NaN, anonMiB: NaN, peakMiB: NaN };
    const peak = await sampling.stop();
    sampling = undefined;
    await timeline?.stop();
    if (alive()) await snapshot('settled', true);
    seen = (await bed.call({ cmd: 'progress' })) as Progress;
    const stats = cgroup ? await cgroup.stats() : undefined;
    const cpuSeconds = alive() ? await cpuSecondsOf(pid) : undefined;
    if (!alive()) progress(`pull-scale: the daemon died (${daemon.child.exitCode ?? daemon.child.signalCode})`);
    return {
      limits: described,
      idle,
      peak: { ...peak, peakMiB: alive() ? (await memoryOf(pid)).peakMiB : peak.peakMiB },
      settled,
      ...(stats ? { oomKills: stats.oomKills, cgroupPeakMiB: stats.memoryPeakBytes / 2 ** 20 } : {}),
      writes: seen.writes,
      ...(seen.allTerminalAt !== undefined && seen.specAt !== undefined ? { secondsToAllTerminal: (seen.allTerminalAt - seen.specAt) / 1000 } : {}),
      terminal: seen.terminal,
      phases: JSON.stringify(seen.phases),
      ...(cpuSeconds !== undefined ? { cpuSeconds } : {}),
    };
  } finally {
    await sampling?.stop();
    await daemon?.stop();
    bed.child.kill();
    await cgroup?.remove().catch((error: unknown) => progress(`pull-scale: ${(error as Error).message}`));
    await rm(dir, { recursive: true, force: true });
  }
}

/** CPU time (user + system) the process has used: /proc/<pid>/stat fields 14 and 15, in USER_HZ (100/s on Linux). */
async function cpuSecondsOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The median of `count` samples 100 ms apart (with that sample's RssAnon and VmHWM). */
async function median(pid: number, count: number): Promise<Memory> {
  const { memoryOf } = await import('./deployed-daemon.js');
  const samples: Memory[] = [];
  for (let i = 0; i < count; i += 1) {
    samples.push(await memoryOf(pid));
    await new Promise((r) => setTimeout(r, 100));
  }
  return samples.toSorted((a, b) => a.rssMiB - b.rssMiB)[Math.floor(count / 2)]!;
}

/** Diagnosis: the daemon's memory by kind (/debug/pprof/memory) every second, one JSON line each, with the RSS. */
function memoryTimeline(daemon: { pid: number; pprof(path: string): Promise<{ body: string }> }, file: string): { stop(): Promise<void> } {
  let running = true;
  const loop = (async () => {
    const { appendFile } = await import('node:fs/promises');
    const started = Date.now();
    while (running) {
      const body = await daemon.pprof('/debug/pprof/memory').then(
        (r) => r.body,
        () => undefined,
      );
      if (body === undefined) return;
      await appendFile(file, `${JSON.stringify({ t: (Date.now() - started) / 1000, ...JSON.parse(body) })}\n`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
    },
  };
}

/** Samples RSS every 100 ms until stopped (or the process is gone); resolves with the highest sample. */
function peakSampler(pid: number): { stop(): Promise<Memory> } {
  let peak: Memory = { rssMiB: 0, anonMiB: 0, peakMiB: 0 };
  let running = true;
  const loop = (async () => {
    const { memoryOf } = await import('./deployed-daemon.js');
    while (running) {
      const m = await memoryOf(pid).catch(() => undefined);
      if (!m) return;
      if (m.rssMiB > peak.rssMiB) peak = m;
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return peak;
    },
  };
}

function kubeconfigYaml(server: string, token: string, caPem: string): string {
  const ca = Buffer.from(caPem).toString('base64');
  return `apiVersion: v1\nkind: Config\nclusters:\n- name: bench\n  cluster:\n    server: ${server}\n    certificate-authority-data: ${ca}\nusers:\n- name: bench\n  user:\n    token: ${token}\ncontexts:\n- name: bench\n  context:\n    cluster: bench\n    user: bench\ncurrent-context: bench\n`;
}

/** Child: the fake API server behind a TLS front and the manager double, driven over IPC. */
async function serveBed(): Promise<void> {
  const { createServer: createTlsServer } = await import('node:tls');
  const { connect } = await import('node:net');
  const { authorizerFromRules, kruiseDaemonRules, startFakeApiServer } = await import('../bed/apiserver/index.js');
  const { nodeImageFromImagePullJob } = await import('../bed/manager/index.js');
  const api = await startFakeApiServer({ authorize: authorizerFromRules(kruiseDaemonRules) });
  api.store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'apps' } });
  api.store.create({ apiVersion: 'apps.kruise.io/v1beta1', kind: 'NodeImage', metadata: { name: NODE, labels: { 'kubernetes.io/hostname': NODE } }, spec: {} });
  const apiPort = Number(new URL(api.url).port);
  const front = createTlsServer({ key: await readFile(join(TLS_FIXTURES, 'server.key')), cert: await readFile(join(TLS_FIXTURES, 'server.crt')) }, (socket) => {
    const upstream = connect(apiPort, '127.0.0.1');
    socket.pipe(upstream).pipe(socket);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  let total = 0;
  let specAt: number | undefined;
  let allTerminalAt: number | undefined;
  const phases = (): Record<string, number> => {
    const status = api.store.get({ apiVersion: 'apps.kruise.io/v1beta1', kind: 'NodeImage', name: NODE })?.status as
      | { imageStatuses?: Record<string, { tags: Array<{ phase?: string }> }> }
      | undefined;
    const counts: Record<string, number> = {};
    for (const image of Object.values(status?.imageStatuses ?? {})) for (const t of image.tags) counts[t.phase ?? ''] = (counts[t.phase ?? ''] ?? 0) + 1;
    return counts;
  };
  const terminal = (counts: Record<string, number>) => (counts.Succeeded ?? 0) + (counts.Failed ?? 0);
  api.store.subscribe((event) => {
    if (specAt === undefined || allTerminalAt !== undefined || event.object.kind !== 'NodeImage') return;
    if (terminal(phases()) === total) allTerminalAt = Date.now();
  });
  const writes = (): Writes => {
    const mine = api.requests.filter((r) => r.method !== 'GET' && (r.userAgent ?? '').startsWith('kruise-daemon'));
    const count = (f: (r: (typeof mine)[number]) => boolean) => mine.filter(f).length;
    const status = count((r) => r.resource === 'nodeimages' && r.subresource === 'status');
    const eventCreates = count((r) => r.resource === 'events' && r.method === 'POST');
    const eventPatches = count((r) => r.resource === 'events' && r.method === 'PATCH');
    return { status, eventCreates, eventPatches, other: mine.length - status - eventCreates - eventPatches };
  };
  process.on('message', (msg: { cmd: string; jobs?: JobSpec[] }) => {
    if (msg.cmd === 'jobs') {
      const jobs = msg.jobs ?? [];
      total = jobs.length;
      jobs.forEach((spec, i) => {
        const job = api.store.create({
          apiVersion: 'apps.kruise.io/v1beta1',
          kind: 'ImagePullJob',
          metadata: { name: `job-${String(i).padStart(3, '0')}-${createHash('sha256').update(spec.image).digest('hex').slice(0, 6)}`, namespace: 'apps' },
          spec,
        });
        nodeImageFromImagePullJob(api, job as never, [NODE]);
      });
      specAt = Date.now();
      process.send!({ done: 'jobs' });
    }
    if (msg.cmd === 'progress') {
      const counts = phases();
      process.send!({
        terminal: terminal(counts),
        phases: counts,
        ...(specAt !== undefined ? { specAt } : {}),
        ...(allTerminalAt !== undefined ? { allTerminalAt } : {}),
        writes: writes(),
      } satisfies Progress);
    }
  });
  process.on('disconnect', () => void api.close().finally(() => process.exit(0)));
  process.send!({ port: (front.address() as { port: number }).port, token: api.token ?? '' } satisfies BedReady);
}

if (process.argv[1] === SELF && process.argv[2] === '--pull-scale-bed') await serveBed();
