// meta-sync: container meta with 100 kruise-owned pods on the real containerd (issue 10).
// Figures: the time from a container's start to the runtime-containers-meta annotation naming it
// with its env hash (p50, p99, max; goal p99 <= 1 s), the CRI calls of one pod sync (goal <= 1 +
// the pod's containers, here 3) and ExecSync calls (goal 0: the environment comes from the runtime
// spec), and for an in-place update of a label on 20 pods at once, the time from the update to
// each restarted container's start (p50, and max: every restart) and to the manager's completion.
//
// The parts are the real ones, each in its own process as on a node:
// - the real-runtime bed (containerd 1.6 + runc, test/bed/runtime), a fresh one for this bench;
// - the fake API server with the daemon's RBAC and the manager double for in-place updates (which
//   sets InPlaceUpdateReady False, changes the label and checks completion with its own hash), in
//   a child process (meta-support.ts), whose store tap notes when the annotation first named each
//   container ID with its hash (sub-millisecond wall clock);
// - the kubelet simulator in this process, running the pods (two containers each: `main` reads a
//   label and an annotation through the downward API, `side` reads none) on that containerd,
//   polled every 1 s like kubelet's PLEG relist, restarting an exited container at the poll that
//   sees it exit (kubelet's first restart has no back-off);
// - the real `kruised run` from dist/, started as deploy/ starts it (deployed-daemon.ts), with a
//   kubeconfig for the fake API server and --cri-endpoint on a counting CRI proxy (cri-proxy.ts)
//   in front of containerd, which forwards every call byte for byte and notes it.
// A container's start is containerd's own `started_at` (ContainerStatus, ns), so the span covers
// the kubelet's status report, the informer, the daemon's sync and its patch; the API child's tap
// also notes when the pod status first showed the container running, which splits the span into
// the kubelet simulator's part and the daemon's (`status-to-annotation`). For the label change,
// the daemon's StopContainer reaching the proxy marks its decision (`stop`); the rest to the new
// container's start is the stop itself, the kubelet's poll and the container's creation. A sync is a
// ListContainers by the pod's UID and the verbose ContainerStatus calls (and any ExecSync) for that
// pod's containers up to its next ListContainers; the restarter's own calls (a ContainerStatus and
// a StopContainer per kill) are counted apart. Pods are created in batches of 10, as in
// crr-reaction.
//
// This module imports only Node built-ins (and the runner's own helpers) at load time.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MetaCommand, MetaReady, PodContainers, Seen } from './meta-support.js';
import type { Result } from './report.js';

const PODS = 100;
const CONTAINERS_PER_POD = 2;
const UPDATED = 20;
const POD_BATCH = 10;
const GOAL_P99_MS = 1_000;
const SELF = fileURLToPath(import.meta.url);

export async function run(): Promise<Result[]> {
  const { atMost, figure } = await import('./report.js');
  const { forkChild, progress } = await import('./harness.js');
  const { startRuntimeBed } = await import('../bed/runtime/bed-control.js');
  const support = await import('./meta-support.js');
  const { startCriProxy } = await import('./cri-proxy.js');
  progress('bringing up the real-runtime bed (containerd + registries)');
  const start = await startRuntimeBed();
  if (!start.ok) {
    progress(`meta-sync not measured: ${start.reason}`);
    return [];
  }
  const { bed, down } = start.running;
  const dir = await mkdtemp(join(tmpdir(), 'kruised-meta-sync-'));
  const api = await forkChild<MetaReady>(SELF, ['--meta-sync-api']);
  const ask = async <T>(message: MetaCommand): Promise<T> => {
    const answer = (await api.call(message)) as { reply?: T; error?: string };
    if (answer.error !== undefined) throw new Error(`API child: ${answer.error}`);
    return answer.reply as T;
  };
  const proxy = await startCriProxy(bed.socket);
  let sim: Awaited<ReturnType<typeof import('../bed/kubelet/index.js')['startKubeletSim']>> | undefined;
  let daemon: Awaited<ReturnType<typeof import('./deployed-daemon.js')['startDeployedDaemon']>> | undefined;
  const { createCriClient } = await import('../../adapters/cri/index.js');
  const cri = createCriClient({ endpoint: bed.endpoint, platform: 'linux' });
  const startedAtMs = async (containerID: string): Promise<number> => {
    const { status } = await cri.containerStatus(undefined, { container_id: containerID.slice(containerID.indexOf('://') + 3) });
    return Number(BigInt(status?.started_at ?? '0')) / 1e6;
  };
  try {
    const { startDeployedDaemon } = await import('./deployed-daemon.js');
    daemon = await startDeployedDaemon({
      dir,
      nodeName: support.NODE,
      criEndpoint: proxy.endpoint,
      credentials: { kind: 'kubeconfig', yaml: api.ready.kubeconfigYaml },
    });
    progress(`${daemon.argv.join(' ')} dist/daemon/cli.js run … (pid ${daemon.pid}) is healthy, on a counting CRI proxy`);
    const { KubeConfig } = await import('@kubernetes/client-node');
    const { startKubeletSim } = await import('../bed/kubelet/index.js');
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(api.ready.kubeconfigYaml);
    // restartBackoffMs 0: kubelet restarts a container at once the first time it exits (its back-off starts after that)
    sim = await startKubeletSim({ kubeConfig, nodeName: support.NODE, cri, podNetwork: bed.podNetwork, pollMs: 1000, restartBackoffMs: 0 });

    // 1. 100 pods start; the daemon reports each container
    const t = Date.now();
    const pods: PodContainers[] = [];
    for (let from = 0; from < PODS; from += POD_BATCH) {
      try {
        pods.push(...(await ask<PodContainers[]>({ cmd: 'pods', from, count: Math.min(POD_BATCH, PODS - from), image: bed.images.busybox })));
      } catch (error) {
        throw new Error(
          `pods ${from}+ did not all run; the kubelet simulator's last errors: ${sim.errors
            .slice(-3)
            .map((e) => e.message)
            .join(' | ')}`,
          { cause: error },
        );
      }
    }
    progress(`${PODS} pods (${PODS * CONTAINERS_PER_POD} containers) running on containerd (${((Date.now() - t) / 1000).toFixed(1)} s)`);
    const seen = await ask<Seen>({ cmd: 'annotated', names: pods.map((p) => p.name), timeoutMs: 60_000 });
    const spans: number[] = [];
    const kubeletPart: number[] = [];
    const daemonPart: number[] = [];
    for (const pod of pods) {
      for (const id of Object.values(pod.ids)) {
        const startedAt = await startedAtMs(id);
        spans.push(seen.annotatedAt[id]! - startedAt);
        kubeletPart.push(seen.statusAt[id]! - startedAt);
        daemonPart.push(seen.annotatedAt[id]! - seen.statusAt[id]!);
      }
    }
    for (const list of [spans, kubeletPart, daemonPart]) list.sort((a, b) => a - b);
    const show = (list: number[]) => list.map((v) => v.toFixed(0)).join(' ');
    progress(`every container annotated; start-to-annotation (ms): ${show(spans)}`);
    progress(`  of which start-to-status (the kubelet simulator's report): ${show(kubeletPart)}`);
    progress(`  and status-to-annotation (informer, daemon, patch): ${show(daemonPart)}`);

    // 2. an in-place update of the label on 20 pods at once
    const updated = pods.slice(0, UPDATED);
    const started = await ask<Record<string, number>>({ cmd: 'update', names: updated.map((p) => p.name), version: 'v2' });
    const done = await ask<{ at: number; pods: PodContainers[]; updates: Array<{ startedAt: number; completedAt?: number }> }>({
      cmd: 'completed',
      names: updated.map((p) => p.name),
      timeoutMs: 120_000,
    });
    const restarts: number[] = [];
    const toStop: number[] = [];
    const toKilling: number[] = [];
    const after = await ask<Seen>({ cmd: 'annotated', names: [], timeoutMs: 1 });
    for (const pod of done.pods) {
      const before = updated.find((p) => p.name === pod.name)!;
      if (pod.ids.main === before.ids.main) throw new Error(`${pod.name}: main was not restarted`);
      if (pod.ids.side !== before.ids.side) throw new Error(`${pod.name}: side was restarted`);
      const oldId = before.ids.main!.slice(before.ids.main!.indexOf('://') + 3);
      const stop = proxy.calls.find((c) => c.method === 'StopContainer' && c.containerId === oldId);
      if (stop === undefined) throw new Error(`${pod.name}: the daemon sent no StopContainer for ${oldId}`);
      toStop.push(stop.at - started[pod.name]!);
      toKilling.push(after.killingAt[pod.name]! - started[pod.name]!);
      restarts.push((await startedAtMs(pod.ids.main!)) - started[pod.name]!);
    }
    for (const list of [restarts, toStop, toKilling]) list.sort((a, b) => a - b);
    progress(`label change on ${UPDATED} pods: update → the daemon's StopContainer at the proxy (ms) ${show(toStop)}`);
    progress(`  update → its Killing event stored (ms) ${show(toKilling)}`);
    const completedMs = Math.max(...done.updates.map((u) => (u.completedAt ?? Number.NaN) - u.startedAt));
    progress(
      `label change on ${UPDATED} pods: restarts (ms after the update) ${restarts.map((v) => v.toFixed(0)).join(' ')}; all completed after ${completedMs} ms`,
    );
    const managerErrors = await ask<string[]>({ cmd: 'errors' });
    if (managerErrors.length > 0) progress(`the in-place update double hit errors: ${managerErrors.join('; ')}`);

    const code = await daemon.stop();
    daemon = undefined;
    if (code !== 0) throw new Error(`the daemon exited with ${code} on SIGTERM`);
    for (const line of await firstSyncBreakdown(join(dir, 'data', 'events'), pods, seen)) progress(line);
    for (const line of await updateBreakdown(join(dir, 'data', 'events'), updated, started, proxy.calls)) progress(line);

    // CRI calls per sync, from the proxy's notes
    const allIds = new Map<string, string>(); // runtime id → pod uid
    for (const pod of [...pods, ...done.pods]) {
      const uid = pods.find((p) => p.name === pod.name)!.uid;
      for (const id of Object.values(pod.ids)) allIds.set(id.slice(id.indexOf('://') + 3), uid);
    }
    const syncs = new Map<string, number[]>(); // pod uid → calls of each sync
    let restarterCalls = 0;
    for (const call of proxy.calls) {
      if (call.method === 'ListContainers' && call.podUid !== undefined) {
        syncs.set(call.podUid, [...(syncs.get(call.podUid) ?? []), 1]);
        continue;
      }
      const uid = call.containerId === undefined ? undefined : allIds.get(call.containerId);
      if (uid === undefined) continue;
      if ((call.method === 'ContainerStatus' && call.verbose) || call.method === 'ExecSync') {
        const list = syncs.get(uid);
        if (list !== undefined) list[list.length - 1]! += 1;
      } else restarterCalls += 1;
    }
    const perSync = [...syncs.values()].flat();
    const execs = proxy.calls.filter((c) => c.method === 'ExecSync').length;
    const byMethod = new Map<string, number>();
    for (const c of proxy.calls) byMethod.set(c.method, (byMethod.get(c.method) ?? 0) + 1);
    progress(`daemon CRI calls through the proxy: ${[...byMethod].map(([m, n]) => `${m} ${n}`).join(', ')}`);
    progress(
      `${perSync.length} pod syncs; calls per sync: ${[1, 2, 3, 4].map((n) => `${n}: ${perSync.filter((x) => x === n).length}`).join(', ')}; restarter calls ${restarterCalls}`,
    );

    const pct = (sorted: number[], p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
    return [
      figure('meta-sync.start-to-annotation.p50', pct(spans, 0.5), 'ms'),
      atMost('meta-sync.start-to-annotation.p99', pct(spans, 0.99), 'ms', GOAL_P99_MS),
      figure('meta-sync.start-to-annotation.max', spans.at(-1)!, 'ms'),
      figure('meta-sync.status-to-annotation.p50', pct(daemonPart, 0.5), 'ms'),
      figure('meta-sync.status-to-annotation.p99', pct(daemonPart, 0.99), 'ms'),
      atMost('meta-sync.cri-calls-per-sync.max', Math.max(...perSync), 'calls', 1 + CONTAINERS_PER_POD),
      figure('meta-sync.cri-calls-per-sync.mean', perSync.reduce((a, b) => a + b, 0) / perSync.length, 'calls'),
      atMost('meta-sync.exec-sync', execs, 'calls', 0),
      figure(`meta-sync.label-change-${UPDATED}.stop.p50`, pct(toStop, 0.5), 'ms'),
      figure(`meta-sync.label-change-${UPDATED}.stop.max`, toStop.at(-1)!, 'ms'),
      figure(`meta-sync.label-change-${UPDATED}.restart.p50`, pct(restarts, 0.5), 'ms'),
      figure(`meta-sync.label-change-${UPDATED}.restart.max`, restarts.at(-1)!, 'ms'),
      figure(`meta-sync.label-change-${UPDATED}.completed`, completedMs, 'ms'),
    ];
  } finally {
    await daemon?.stop();
    await sim?.stop();
    cri.close();
    api.child.kill();
    await proxy.close();
    await rm(dir, { recursive: true, force: true });
    await down();
  }
}

/**
 * Where the daemon's part of a pod's first sync goes: from the pod status first showing the
 * containers (the API child's stamp) to the daemon's records of the runtime read's result and the
 * patch's result (its event log, whole ms), as medians over the pods.
 */
async function firstSyncBreakdown(eventsDir: string, pods: readonly PodContainers[], seen: Seen): Promise<string[]> {
  const { readdir, readFile } = await import('node:fs/promises');
  const { decodeRecord } = await import('../../engine/log/record.js');
  const firsts = new Map<string, { read?: number; patched?: number; observed?: number }>();
  for (const file of (await readdir(eventsDir)).filter((f) => f.endsWith('.jsonl')).sort()) {
    for (const line of (await readFile(join(eventsDir, file), 'utf8')).split('\n')) {
      if (line === '') continue;
      const record = decodeRecord(line);
      if (record.machine !== 'containerMetaPod') continue;
      const type = (record.event as { type?: string } | undefined)?.type;
      const entry = firsts.get(record.key) ?? {};
      if (type === 'xstate.done.actor.readPodRuntime') entry.read ??= record.time;
      if (type === 'xstate.done.actor.patchMeta') entry.patched ??= record.time;
      firsts.set(record.key, entry);
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
  const toRead: number[] = [];
  const toPatched: number[] = [];
  for (const pod of pods) {
    const first = firsts.get(`containerMeta/default/${pod.name}`);
    const status = Math.max(...Object.values(pod.ids).map((id) => seen.statusAt[id] ?? Number.NaN));
    if (first?.read === undefined || first.patched === undefined) continue;
    toRead.push(first.read - status);
    toPatched.push(first.patched - first.read);
  }
  return [
    `the daemon's first sync of a pod (median over ${toRead.length} pods; daemon stamps are whole ms):`,
    `  ${median(toRead).toFixed(1).padStart(7)}  pod status showed both containers → the runtime read's result recorded (informer, pass start, ListContainers, verbose ContainerStatus)`,
    `  ${median(toPatched).toFixed(1).padStart(7)}  → the patch's result recorded (hash, log commit, PATCH pods/status)`,
  ];
}

/** The daemon's records of each updated pod after the update: its observation of the label, the read's result, then the StopContainer at the proxy (medians). */
async function updateBreakdown(
  eventsDir: string,
  updated: readonly PodContainers[],
  started: Record<string, number>,
  calls: ReadonlyArray<{ method: string; at: number; containerId?: string }>,
): Promise<string[]> {
  const { readdir, readFile } = await import('node:fs/promises');
  const { decodeRecord } = await import('../../engine/log/record.js');
  const records: Array<{ key: string; time: number; type: string }> = [];
  for (const file of (await readdir(eventsDir)).filter((f) => f.endsWith('.jsonl')).sort()) {
    for (const line of (await readFile(join(eventsDir, file), 'utf8')).split('\n')) {
      if (line === '') continue;
      const r = decodeRecord(line);
      if (r.machine === 'containerMetaPod')
        records.push({ key: r.key, time: r.time, type: String((r.event as { type?: string } | undefined)?.type ?? r.kind) });
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
  const observed: number[] = [];
  const read: number[] = [];
  const stop: number[] = [];
  for (const pod of updated) {
    const at = started[pod.name]!;
    const mine = records.filter((r) => r.key === `containerMeta/default/${pod.name}` && r.time >= Math.floor(at));
    const reads = mine.filter((r) => r.type === 'xstate.done.actor.readPodRuntime');
    const oldId = pod.ids.main!.slice(pod.ids.main!.indexOf('://') + 3);
    const stopAt = calls.find((c) => c.method === 'StopContainer' && c.containerId === oldId)?.at;
    // the read whose result led to the kill: the last one before the stop
    const led = reads.filter((r) => stopAt !== undefined && r.time <= stopAt).at(-1);
    const obs = mine.filter((r) => r.type === 'k8s.podObserved' && led !== undefined && r.time <= led.time).at(-1);
    if (!led || !obs || stopAt === undefined) continue;
    observed.push(obs.time - at);
    read.push(led.time - obs.time);
    stop.push(stopAt - led.time);
  }
  return [
    `the daemon's part of the label change (median over ${observed.length} pods; daemon stamps are whole ms):`,
    `  ${median(observed).toFixed(1).padStart(7)}  update → the observation that triggered the pass recorded (manager double's writes, watch, informer)`,
    `  ${median(read).toFixed(1).padStart(7)}  → the runtime read's result recorded (ListContainers)`,
    `  ${median(stop).toFixed(1).padStart(7)}  → StopContainer at the proxy (ContainerStatus, log commit, Killing event queued)`,
  ];
}

if (process.argv[1] === SELF && process.argv[2] === '--meta-sync-api') {
  const { serveMetaApi } = await import('./meta-support.js');
  await serveMetaApi();
}
