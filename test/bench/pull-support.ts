// Shared by the pull-* benchmarks: the image puller's daemon path as daemon/features/image-puller/
// wiring.ts composes it (NodeImage informer, StatusWriter without a bucket: the puller keeps upstream's write budget,
// EventRecorder, createImagePuller, imagePullerWiring with containerd's content progress, an ActorHost
// on a fresh EventLog), upstream's status-write cadence (contract §3.6) as a model, and small
// helpers. The test suite's support (test/features/image-puller/support.ts) registers its
// teardown with vitest, which cannot run outside a test, so this builds the same stack for a
// plain process. Loaded lazily by the benchmarks (dynamic import), so the runner's other
// benchmark processes do not carry it.
import { createContentProgressReader, createCriClient, type CriClient } from '../../adapters/cri/index.js';
import { CONTROLLER_NAMES, EventRecorder, nodeImageInformer, StatusWriter, type KubeClients, type KubeObject } from '../../adapters/kube/index.js';
import { createImagePuller, imagePullerWiring, type ImagePuller } from '../../daemon/features/image-puller/index.js';
import { deferredBarrier } from '../../effects/deferred-barrier.js';
import type { AuthFor } from '../../effects/image-pull/index.js';
import { LiveClock } from '../../engine/clock.js';
import { ActorHost } from '../../engine/host.js';
import { EventLog } from '../../engine/log/event-log.js';
import { machineRegistry } from '../../machines/registry.js';

export const NODE = 'bench-node';

export interface PullDaemon {
  readonly puller: ImagePuller;
  readonly host: ActorHost;
  /** When each CRI PullImage call returned (ms, Date.now), by reference, in order. */
  readonly pullsDone: Array<{ readonly image: string; readonly at: number }>;
  stop(): Promise<void>;
}

/** The daemon's image-puller stack on `clients` and the runtime at `endpoint`, logging to `logDir`. */
export async function startPullDaemon(options: {
  clients: KubeClients;
  endpoint: string;
  logDir: string;
  maxWorkers?: number;
  authFor?: AuthFor;
}): Promise<PullDaemon> {
  const transport = options.clients.forController(CONTROLLER_NAMES.imagePuller);
  const informer = nodeImageInformer(transport, NODE, 'v1beta1');
  const writer = new StatusWriter({ transport, limits: {} }); // the puller keeps upstream's 0.5 writes/s, burst 5 itself, as in the daemon
  const events = new EventRecorder({ transport, host: NODE });
  const cri: CriClient = createCriClient({ endpoint: options.endpoint, platform: 'linux' });
  const progressReader = createContentProgressReader({ endpoint: options.endpoint, platform: 'linux' });
  const opened = await EventLog.open({ dir: options.logDir });
  const pullsDone: Array<{ image: string; at: number }> = [];
  const counting: Pick<CriClient, 'imageStatus' | 'pullImage'> = {
    imageStatus: (signal, request, o) => cri.imageStatus(signal, request, o),
    pullImage: async (signal, request, o) => {
      const reply = await cri.pullImage(signal, request, o);
      pullsDone.push({ image: request.image.image, at: Date.now() });
      return reply;
    },
  };
  const puller = createImagePuller({ nodeName: NODE, informer, maxWorkers: options.maxWorkers ?? 0, now: Date.now });
  const barrier = deferredBarrier();
  const host = new ActorHost({
    log: opened.log,
    clock: new LiveClock(),
    registry: machineRegistry,
    ...imagePullerWiring(puller, {
      cri: counting,
      barrier,
      now: Date.now,
      progressReader,
      events,
      writer,
      ...(options.authFor ? { authFor: options.authFor } : {}),
    }),
  });
  host.recover(opened.recovery);
  barrier.resolve(opened.log);
  puller.start(host);
  let stopped = false;
  return {
    puller,
    host,
    pullsDone,
    async stop() {
      if (stopped) return;
      stopped = true;
      puller.stop();
      await puller.idle();
      await host.shutdown();
      await opened.log.close();
      await writer.close();
      await events.idle();
      progressReader.close();
      cri.close();
    },
  };
}

/** The status tags of `name` in the NodeImage, or []. */
export function tagsOf(nodeImage: KubeObject | undefined, name: string): Array<{ tag: string; phase?: string; version?: number; progress?: number }> {
  const status = nodeImage?.status as { imageStatuses?: Record<string, { tags: Array<{ tag: string; phase?: string; version?: number }> }> } | undefined;
  return status?.imageStatuses?.[name]?.tags ?? [];
}

/** `HOST:PORT/NAME:TAG` → `HOST:PORT/NAME`, `TAG` (as the manager writes them). */
export function nameTag(reference: string): { name: string; tag: string } {
  const colon = reference.lastIndexOf(':');
  return { name: reference.slice(0, colon), tag: reference.slice(colon + 1) };
}

/** Polls `check` every 5 ms until it is truthy; throws after `timeoutMs`. */
export async function waitFor<T>(check: () => T | undefined | false | null, what: string, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * Upstream's status writes (contract §3.6) for one NodeImage whose tags were added to the spec at
 * `added[i]` and finished pulling at `done[i]` (ms): a sync on every spec change and on each
 * requeue, 3–5 s after a write while tags are unfinished (client-go's delaying queue keeps the
 * earlier of two pending requeues), and a PUT when the status differs from the last one written,
 * within a 0.5/s burst 5 token bucket (throttled: requeue 3–5 s). Upstream's status changes only
 * when a tag appears (Waiting, then Pulling almost at once — counted as one change, upstream's
 * best case), and when it finishes: progress stays 0 until 100. Averaged over `runs` draws of the
 * jitter.
 */
export function upstreamWrites(added: readonly number[], done: readonly number[], runs = 2000): number {
  let total = 0;
  for (let run = 0; run < runs; run += 1) total += upstreamWritesOnce(added, done);
  return total / runs;
}

function upstreamWritesOnce(added: readonly number[], done: readonly number[]): number {
  const requeue = () => 3000 + Math.random() * 2000;
  const specSyncs = [...new Set(added)].sort((a, b) => a - b);
  let tokens = 5;
  let tokensAt = specSyncs[0] ?? 0;
  let lastWritten = '';
  let writes = 0;
  let pending: number | undefined;
  let t = specSyncs[0] ?? 0;
  let nextSpec = 0;
  for (let guard = 0; guard < 100_000; guard += 1) {
    const specAt = specSyncs[nextSpec];
    if (specAt === undefined && pending === undefined) break;
    if (specAt !== undefined && (pending === undefined || specAt <= pending)) {
      t = specAt;
      nextSpec += 1;
    } else {
      t = pending!;
      pending = undefined;
    }
    const status = added.map((a, i) => (a > t ? '-' : done[i]! <= t ? 'S' : 'P')).join('');
    const unfinished = status.includes('P');
    tokens = Math.min(5, tokens + ((t - tokensAt) / 1000) * 0.5);
    tokensAt = t;
    let throttled = false;
    if (status !== lastWritten) {
      if (tokens >= 1) {
        tokens -= 1;
        writes += 1;
        lastWritten = status;
      } else throttled = true;
    }
    if (throttled || unfinished) pending = Math.min(pending ?? Infinity, t + requeue());
  }
  return writes;
}

/** The fake API server and the ImagePullJob manager double, in this process (pull-overhead, pull-api-writes). */
export async function startApi() {
  const { authorizerFromRules, kruiseDaemonRules, startFakeApiServer } = await import('../bed/apiserver/index.js');
  const api = await startFakeApiServer({ authorize: authorizerFromRules(kruiseDaemonRules) });
  api.store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'apps' } });
  api.store.create({ apiVersion: 'apps.kruise.io/v1beta1', kind: 'NodeImage', metadata: { name: NODE, labels: { 'kubernetes.io/hostname': NODE } }, spec: {} });
  return api;
}

type Api = Awaited<ReturnType<typeof startApi>>;

export const nodeImageOf = (api: Api) => api.store.get({ apiVersion: 'apps.kruise.io/v1beta1', kind: 'NodeImage', name: NODE }) as KubeObject | undefined;

/**
 * One ImagePullJob per reference (policy Always), each written into this node's NodeImage by the
 * manager double (a reference already there gets its version bumped), then waits until the API
 * server holds `Succeeded` for every tag at its new version. Returns when the jobs were added.
 */
export async function pullThroughDaemon(api: Api, jobPrefix: string, refs: readonly string[], timeoutMs = 300_000): Promise<number> {
  const { nodeImageFromImagePullJob } = await import('../bed/manager/index.js');
  const added = Date.now();
  refs.forEach((image, i) => {
    const job = api.store.create({
      apiVersion: 'apps.kruise.io/v1beta1',
      kind: 'ImagePullJob',
      metadata: { name: `${jobPrefix}-${i}`, namespace: 'apps' },
      spec: { image, imagePullPolicy: 'Always' },
    }) as KubeObject;
    nodeImageFromImagePullJob(api, job as never, [NODE]);
  });
  const specImages = (nodeImageOf(api)?.spec as { images?: Record<string, { tags: Array<{ tag: string; version: number }> }> } | undefined)?.images ?? {};
  const wanted = refs.map((ref) => {
    const { name, tag } = nameTag(ref);
    return { name, tag, version: specImages[name]?.tags.find((t) => t.tag === tag)?.version ?? 0 };
  });
  await waitFor(
    () => {
      const ni = nodeImageOf(api);
      return wanted.every((w) => tagsOf(ni, w.name).some((t) => t.tag === w.tag && t.version === w.version && t.phase === 'Succeeded'));
    },
    `${refs.length} tags to succeed`,
    timeoutMs,
  );
  return added;
}

/** Removes the images from the runtime (by image ID), so the next pull fetches them again. */
export async function removeImages(cri: CriClient, refs: readonly string[]): Promise<void> {
  for (const ref of refs) {
    const { image } = await cri.imageStatus(undefined, { image: { image: ref } });
    if (image) await cri.removeImage(undefined, { image: { image: image.id } }).catch(() => undefined);
  }
}

/**
 * The stack pull-overhead and pull-api-writes measure: the real-runtime bed, a CRI client, the fake
 * API server and the daemon's pull path on a fresh log, with the bed's three images as references.
 * Undefined (with the reason shown) where the bed cannot run. `stop()` tears all of it down.
 */
export async function startPullBench(name: string) {
  const { progress } = await import('./harness.js');
  const { startRuntimeBed } = await import('../bed/runtime/bed-control.js');
  progress('bringing up the real-runtime bed (containerd + registries)');
  const start = await startRuntimeBed();
  if (!start.ok) {
    progress(`${name} not measured: ${start.reason}`);
    return undefined;
  }
  const { bed, down } = start.running;
  const { mkdtemp, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { kubeClientsFrom } = await import('../../adapters/kube/index.js');
  const cri = createCriClient({ endpoint: bed.endpoint, platform: 'linux' });
  const api = await startApi();
  const logDir = await mkdtemp(join(tmpdir(), `kruised-${name}-`));
  const daemon = await startPullDaemon({ clients: kubeClientsFrom(api.kubeConfig()), endpoint: bed.endpoint, logDir });
  return {
    cri,
    api,
    daemon,
    refs: [bed.images.busybox, bed.images.busybox2, bed.images.big],
    async stop() {
      await daemon.stop();
      await api.close();
      cri.close();
      await rm(logDir, { recursive: true, force: true });
      await down();
    },
  };
}
