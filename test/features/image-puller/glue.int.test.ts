// The image puller's glue against the engine, without a runtime or an API server: a NodeImage
// informer (a Subject), a status writer that stores the status and shows it back through the
// informer, an Event recorder that keeps its calls, a CRI double, and the feature's own wiring
// (imagePullerWiring) on a real event log. Every snapshot the glue can reach, through the host or
// its hooks, has a context that counts reads: the glue must work from emitted events and outputs.
import { Subject } from 'rxjs';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { AnyMachineSnapshot } from 'xstate';
import type { CriClient } from '../../../adapters/cri/index.js';
import {
  emissionEventName,
  type InvolvedObject,
  type KubeObject,
  type Observation,
  type StatusWriter,
  type WriteOutcome,
} from '../../../adapters/kube/index.js';
import { createImagePuller, imagePullerWiring, statusActorKey, type NodeImageStatus } from '../../../daemon/features/image-puller/index.js';
import type { DurabilityBarrier } from '../../../effects/durable.js';
import { deferredBarrier } from '../../../effects/deferred-barrier.js';
import { LiveClock } from '../../../engine/clock.js';
import { ActorHost } from '../../../engine/host.js';
import { EventLog } from '../../../engine/log/event-log.js';
import { machineRegistry } from '../../../machines/registry.js';
import { tempDir } from '../../support/tmp.js';
import { until } from './support.js';

const NODE = 'node-a';
const OWNER: InvolvedObject = { apiVersion: 'apps.kruise.io/v1beta1', kind: 'ImagePullJob', name: 'warm', namespace: 'apps', uid: 'job-1' };

function nodeImage(tags: Array<{ tag: string; backoffLimit?: number }>): KubeObject {
  return {
    apiVersion: 'apps.kruise.io/v1beta1',
    kind: 'NodeImage',
    metadata: { name: NODE, uid: 'ni-1', resourceVersion: '1' },
    spec: {
      images: {
        'reg.example/app': {
          tags: tags.map((t) => ({
            tag: t.tag,
            version: 0,
            imagePullPolicy: 'Always',
            pullPolicy: { backoffLimit: t.backoffLimit ?? 0 },
            ownerReferences: [OWNER],
          })),
        },
      },
    },
  } as KubeObject;
}

/** The cluster as the puller sees it: one NodeImage, its informer, a writer that lands (or fails) and an Event recorder. */
function cluster(initial: KubeObject) {
  let object = initial;
  let version = 1;
  const informer = new Subject<Observation<KubeObject>>();
  const written: NodeImageStatus[] = [];
  const events: Array<{ name: string; involved: InvolvedObject; type: string; reason: string; message: string }> = [];
  const state = { failWrites: false };
  const writer: Pick<StatusWriter, 'write'> = {
    write: async (_ref, status): Promise<WriteOutcome> => {
      if (state.failWrites) return 'failed';
      written.push(status as NodeImageStatus);
      version += 1;
      object = { ...object, metadata: { ...object.metadata, resourceVersion: String(version) }, status } as KubeObject;
      informer.next({ type: 'upsert', key: NODE, object });
      return 'written';
    },
  };
  return {
    informer,
    written,
    events,
    state,
    writer,
    // As the API server keeps them: one Event per name, a second create of a name is a 409.
    recorder: {
      recordOnce: async (identity: string, component: string, involved: InvolvedObject, type: string, reason: string, message: string) => {
        const name = emissionEventName(identity, component, involved, reason);
        if (events.some((e) => e.name === name)) return 'existed' as const;
        events.push({ name, involved, type, reason, message });
        return 'created' as const;
      },
    },
    observe: () => {
      informer.next({ type: 'upsert', key: NODE, object });
      informer.next({ type: 'synced', key: 'nodeImageInformerSynced', resourceVersion: String(version) });
    },
    tagsOf: () => (object.status as NodeImageStatus | undefined)?.imageStatuses?.['reg.example/app']?.tags ?? [],
  };
}

/** A CRI double: `missing` tags fail to pull, every other pull succeeds and is then present. */
function cri(pulls: string[], onVerify?: () => void): Pick<CriClient, 'imageStatus' | 'pullImage'> {
  return {
    imageStatus: async (_signal, request) => {
      onVerify?.();
      const reference = request.image.image;
      return {
        image: pulls.includes(reference) ? { id: 'sha256:abc', repo_tags: [reference], repo_digests: [], size: '1', username: '', pinned: false } : null,
      } as never;
    },
    pullImage: async (_signal, request) => {
      pulls.push(request.image.image);
      if (request.image.image.endsWith(':missing')) throw new Error('not found');
      return { image_ref: 'sha256:abc' };
    },
  };
}

/** Counts every read of `context` on the snapshots the glue is handed. */
function opaque(reads: string[]) {
  const wrap = (snapshot: AnyMachineSnapshot | undefined, where: string) =>
    snapshot &&
    new Proxy(snapshot, {
      get(target, property, receiver) {
        if (property === 'context') reads.push(where);
        return Reflect.get(target, property, receiver);
      },
    });
  return {
    snapshot: wrap,
    host: (host: ActorHost) =>
      new Proxy(host, {
        get(target, property, receiver) {
          if (property === 'snapshot') return (key: string) => wrap(target.snapshot(key) as AnyMachineSnapshot | undefined, `host.snapshot(${key})`);
          const value = Reflect.get(target, property, receiver);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      }),
  };
}

async function daemon(
  c: ReturnType<typeof cluster>,
  dir: string,
  options: { pulls: string[]; reads: string[]; barrier?: DurabilityBarrier; onVerify?: () => void },
) {
  const opened = await EventLog.open({ dir, commitDelayMs: 1 });
  const puller = createImagePuller({
    nodeName: NODE,
    informer: c.informer,
    maxWorkers: 0,
    now: Date.now,
    statusBudget: { announceDelayMs: 0, finishHoldMs: 0, refreshIntervalMs: 0 },
  });
  const see = opaque(options.reads);
  const barrier = deferredBarrier();
  const wiring = imagePullerWiring(
    puller,
    {
      cri: cri(options.pulls, options.onVerify),
      barrier: options.barrier ?? barrier,
      now: Date.now,
      events: c.recorder,
      writer: c.writer,
      retryDelayMs: () => 50,
    },
    { delays: { retryBackoff: 10 } },
  );
  const host = new ActorHost({
    log: opened.log,
    clock: new LiveClock(),
    registry: machineRegistry,
    ...wiring,
    onStep: (key, snapshot, record) => wiring.onStep?.(key, see.snapshot(snapshot, `onStep(${key})`)!, record),
  });
  const report = host.recover(opened.recovery);
  // As the daemon's wiring does: the log is handed over and the actors resumed in one turn.
  barrier.resolve(opened.log);
  puller.start(see.host(host));
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    puller.stop();
    await puller.idle();
    await host.shutdown();
    await opened.log.close();
  };
  onTestFinished(stop);
  const tagActors = () => host.keys().filter((key) => key !== statusActorKey(NODE));
  return { puller, host, report, tagActors, stop };
}

describe('the image puller glue on the engine', () => {
  it('pulls, publishes, records one Event per outcome with upstream’s shapes, and ends each actor once persisted, never reading a context', async () => {
    const c = cluster(nodeImage([{ tag: '1' }, { tag: '2' }, { tag: 'missing' }]));
    const pulls: string[] = [];
    const reads: string[] = [];
    const d = await daemon(c, await tempDir('kruised-glue-'), { pulls, reads });
    c.observe();
    await until(() => (d.tagActors().length === 0 && c.tagsOf().length === 3) || undefined, 'every tag to be persisted and its actor to end', 20_000);

    expect(c.tagsOf().map((t) => [t.tag, t.phase])).toEqual([
      ['1', 'Succeeded'],
      ['2', 'Succeeded'],
      ['missing', 'Failed'],
    ]);
    expect(c.written.at(-1)).toMatchObject({ desired: 3, succeeded: 2, failed: 1, pulling: 0, waiting: 0 });
    expect(pulls.sort()).toEqual(['reg.example/app:1', 'reg.example/app:2', 'reg.example/app:missing']);
    const nodeRef = { apiVersion: 'apps.kruise.io/v1beta1', kind: 'NodeImage', name: NODE, uid: 'ni-1' };
    expect(c.events.map((e) => [e.reason, e.type, e.involved.kind]).sort()).toEqual([
      ['PullImageFailed', 'Warning', 'ImagePullJob'],
      ['PullImageFailed', 'Warning', 'NodeImage'],
      ['PullImageSucceed', 'Normal', 'NodeImage'],
      ['PullImageSucceed', 'Normal', 'NodeImage'],
    ]);
    for (const e of c.events.filter((x) => x.involved.kind === 'NodeImage')) expect(e.involved).toMatchObject(nodeRef);
    expect(c.events.find((e) => e.involved.kind === 'ImagePullJob')?.involved).toEqual(OWNER);
    const failed = c.tagsOf().find((t) => t.tag === 'missing')!;
    expect(c.events.filter((e) => e.reason === 'PullImageFailed').map((e) => e.message)).toEqual([
      `Image reg.example/app:missing ${failed.message}`,
      `Image reg.example/app:missing ${failed.message}`,
    ]);
    expect(c.events.filter((e) => e.reason === 'PullImageSucceed').map((e) => e.message.replace(/ecalpsedTime .*/, ''))).toEqual([
      expect.stringMatching(/^Image reg\.example\/app:[12], $/),
      expect.stringMatching(/^Image reg\.example\/app:[12], $/),
    ]);
    expect(reads).toEqual([]);
  });

  it('adopts an outcome held across a restart from what the resumed actor emits: written, not pulled again, no second Event', async () => {
    const c = cluster(nodeImage([{ tag: '1' }]));
    const dir = await tempDir('kruised-glue-');
    const pulls: string[] = [];
    const reads: string[] = [];
    c.state.failWrites = true;
    const first = await daemon(c, dir, { pulls, reads });
    c.observe();
    await until(() => c.events.length === 1 || undefined, 'the Event of the finished tag', 20_000);
    await first.stop(); // as a crash leaves it: the actor holds its entry, unfinished in the log
    expect(c.tagsOf()).toEqual([]);

    c.state.failWrites = false;
    const second = await daemon(c, dir, { pulls, reads });
    expect(second.report.restored.sort()).toEqual(['reg.example/app:1@0', statusActorKey(NODE)].sort());
    c.observe();
    await until(() => (second.tagActors().length === 0 && c.tagsOf().length === 1) || undefined, 'the held entry to be written and the actor to end', 20_000);
    expect(c.tagsOf()).toEqual([expect.objectContaining({ tag: '1', phase: 'Succeeded', progress: 100 })]);
    expect(pulls).toEqual(['reg.example/app:1']);
    expect(c.events.map((e) => e.reason)).toEqual(['PullImageSucceed']);
    expect(reads).toEqual([]);
  });

  it('records an Event a crash interrupted exactly once: the resumed actor restarts the effect, which writes it', async () => {
    const c = cluster(nodeImage([{ tag: '1' }]));
    const dir = await tempDir('kruised-glue-');
    const pulls: string[] = [];
    const reads: string[] = [];
    c.state.failWrites = true;
    // In the first daemon, the first effect to wait for the log after the pull is verified never
    // gets to act: that is the Event effect, invoked as the actor enters succeeded (a crash there).
    let stallNext = false;
    const barrier: DurabilityBarrier = {
      durable: () => {
        if (!stallNext) return Promise.resolve();
        stallNext = false;
        return new Promise<void>(() => {});
      },
    };
    const first = await daemon(c, dir, {
      pulls,
      reads,
      barrier,
      onVerify: () => {
        stallNext = true;
      },
    });
    c.observe();
    await until(() => (pulls.length === 1 && first.puller.stats().live === 0) || undefined, 'the tag to finish', 20_000);
    expect(c.events).toEqual([]);
    await first.stop();

    c.state.failWrites = false;
    const second = await daemon(c, dir, { pulls, reads });
    c.observe();
    await until(() => (second.tagActors().length === 0 && c.tagsOf().length === 1) || undefined, 'the held entry to be written and the actor to end', 20_000);
    expect(c.tagsOf()).toEqual([expect.objectContaining({ tag: '1', phase: 'Succeeded' })]);
    expect(pulls).toEqual(['reg.example/app:1']);
    expect(c.events.map((e) => e.reason)).toEqual(['PullImageSucceed']); // written by the second daemon, once
  });

  it('writes an Event written just before a crash no second time: the restarted effect finds it there', async () => {
    const c = cluster(nodeImage([{ tag: '1' }]));
    const dir = await tempDir('kruised-glue-');
    const pulls: string[] = [];
    const reads: string[] = [];
    c.state.failWrites = true;
    // The Event lands, but the crash comes before the effect's end reaches the log (the effect never returns).
    let written = 0;
    const landed = c.recorder.recordOnce;
    c.recorder.recordOnce = async (...args) => {
      await landed(...args);
      written += 1;
      return new Promise<never>(() => {});
    };
    const first = await daemon(c, dir, { pulls, reads });
    c.observe();
    await until(() => written === 1 || undefined, 'the Event to land', 20_000);
    await first.stop();
    c.recorder.recordOnce = landed;

    c.state.failWrites = false;
    const second = await daemon(c, dir, { pulls, reads });
    c.observe();
    await until(() => (second.tagActors().length === 0 && c.tagsOf().length === 1) || undefined, 'the held entry to be written and the actor to end', 20_000);
    expect(c.events.map((e) => e.reason)).toEqual(['PullImageSucceed']);
    expect(pulls).toEqual(['reg.example/app:1']);
  });
});
