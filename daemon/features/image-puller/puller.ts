// The image puller (contract §3): watches this node's NodeImage and keeps one `imageTag` actor per
// (image, tag, version) that is not finished yet. On every observation it sends `k8s.tagRemoved`
// / `k8s.tagVersionChanged` to actors whose tag vanished or moved on, spawns actors for new tags
// (the spawn event is `k8s.tagVersionChanged` at the actor's own version: an observation the
// machine ignores), and grants worker slots FIFO. On every actor step and stop it rebuilds the
// whole status (status.ts) and hands it to the StatusWriter, which PUTs it within the NodeImage
// budget and skips it when equal. A tag whose finished status (same version, completionTime set)
// is persisted is adopted and never pulled again, so a restart does not re-pull. Each actor that
// ends Succeeded or Failed records PullImageSucceed / PullImageFailed once, with upstream's shapes.
import type { Observable, Subscription } from 'rxjs';
import type { AnyMachineSnapshot } from 'xstate';
import {
  EVENT_COMPONENTS,
  EVENT_REASONS,
  eventMessages,
  involvedObjectOf,
  jsonEqual,
  nodeImageRef,
  type EventRecorder,
  type InvolvedObject,
  type KruiseVersion,
  type KubeObject,
  type Observation,
  type StatusWriter,
  type WriteOutcome,
} from '../../../adapters/kube/index.js';
import type { ActorHost, StopReason } from '../../../engine/host.js';
import type { ImageTagContext } from '../../../machines/image-pull/image-tag.machine.js';
import { tagStatusOf } from '../../../machines/image-pull/policy.js';
import type { ImageTagOutcome, ImageTagStatus } from '../../../machines/image-pull/types.js';
import { persistedFinished, specTags, type SpecTag } from './node-image.js';
import { SlotPool } from './slots.js';
import { nodeImageStatus, type NodeImageStatus } from './status.js';

export const IMAGE_TAG_MACHINE = 'imageTag';

export interface PullerLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface ImagePullerOptions {
  readonly nodeName: string;
  /** This node's NodeImage informer (`nodeImageInformer`). */
  readonly informer: Observable<Observation<KubeObject>>;
  readonly writer: Pick<StatusWriter, 'write'>;
  readonly events: Pick<EventRecorder, 'record'>;
  /** --max-workers-for-pull-image; ≤ 0 is unbounded. */
  readonly maxWorkers: number;
  readonly now: () => number;
  readonly logger?: PullerLogger;
  /** The NodeImage API version to write; default the observed object's. */
  readonly nodeImageVersion?: KruiseVersion;
  /** Delay before a status write that failed is tried again (default 3–5 s, upstream's requeue). */
  readonly retryDelayMs?: () => number;
}

export interface ImagePuller {
  /** Pass to the ActorHost's `onStep` (or call from the composition root's fan-out). */
  readonly onStep: (key: string, snapshot: AnyMachineSnapshot) => void;
  /** Pass to the ActorHost's `onStopped`. */
  readonly onStopped: (key: string, reason: StopReason) => void;
  /** Adopts the host's recovered imageTag actors and subscribes to the informer. */
  start(host: ActorHost): void;
  stop(): void;
  /** The status most recently handed to the writer. */
  lastStatus(): NodeImageStatus | undefined;
  /** Resolves once every status write handed over so far has settled. */
  idle(): Promise<void>;
  stats(): { readonly live: number; readonly slotsHeld: number; readonly slotsWaiting: number; readonly writes: number };
}

interface Meta {
  readonly image: string;
  readonly tag: string;
  readonly version: number;
  owners: readonly InvolvedObject[];
}

const silent: PullerLogger = { info() {}, warn() {}, error() {} };
const isImageTag = (snapshot: AnyMachineSnapshot): boolean => (snapshot as { machine?: { id?: string } }).machine?.id === IMAGE_TAG_MACHINE;
const versionOf = (obj: KubeObject): KruiseVersion => (obj.apiVersion?.endsWith('/v1alpha1') ? 'v1alpha1' : 'v1beta1');

export function createImagePuller(options: ImagePullerOptions): ImagePuller {
  const logger = options.logger ?? silent;
  const pool = new SlotPool(options.maxWorkers);
  const metas = new Map<string, Meta>();
  const live = new Map<string, ImageTagStatus>();
  const finished = new Map<string, ImageTagStatus>();
  const recorded = new Set<string>();
  let host: ActorHost | undefined;
  let nodeImage: KubeObject | undefined;
  let tags: SpecTag[] = [];
  let subscription: Subscription | undefined;
  let scheduled: NodeJS.Immediate | undefined;
  const retries = new Set<NodeJS.Timeout>();
  let lastSent: string | undefined;
  let last: NodeImageStatus | undefined;
  let inFlight: Array<Promise<WriteOutcome>> = [];
  let writes = 0;

  const metaOf = (key: string, context: ImageTagContext): Meta => {
    let meta = metas.get(key);
    if (!meta) metas.set(key, (meta = { image: context.name, tag: context.tag, version: context.version, owners: [] }));
    return meta;
  };

  function recordEvent(key: string, context: ImageTagContext, status: ImageTagStatus): void {
    if (recorded.has(key)) return;
    recorded.add(key);
    const component = EVENT_COMPONENTS.imagePuller;
    const node: InvolvedObject = nodeImage ? involvedObjectOf(nodeImage) : { kind: 'NodeImage', name: options.nodeName };
    if (status.phase === 'Succeeded') {
      const elapsed = Math.max(0, context.clockMs - context.startedAtMs);
      options.events.record(component, node, 'Normal', EVENT_REASONS.pullImageSucceed, eventMessages.pullImageSucceed(context.name, context.tag, elapsed));
      return;
    }
    const message = eventMessages.pullImageFailed(context.name, context.tag, status.message ?? '');
    const owners = tags.find((t) => t.key === key)?.owners ?? metas.get(key)?.owners ?? [];
    for (const owner of owners) options.events.record(component, owner, 'Warning', EVENT_REASONS.pullImageFailed, message);
    options.events.record(component, node, 'Warning', EVENT_REASONS.pullImageFailed, message);
  }

  function onStep(key: string, snapshot: AnyMachineSnapshot): void {
    if (!isImageTag(snapshot)) return;
    const context = snapshot.context as ImageTagContext;
    metaOf(key, context);
    if (snapshot.status === 'done') {
      live.delete(key);
      const outcome = snapshot.output as ImageTagOutcome;
      if (outcome.writeStatus) {
        finished.set(key, outcome.status);
        recordEvent(key, context, outcome.status);
      }
    } else live.set(key, tagStatusOf(context));
    schedule();
  }

  function onStopped(key: string, reason: StopReason): void {
    const meta = metas.get(key);
    if (!meta) return;
    pool.release(key);
    live.delete(key);
    if (reason === 'error' && !finished.has(key)) {
      // The actor threw: the tag fails with upstream's internal-error text rather than hanging.
      const at = options.now();
      const status: ImageTagStatus = { tag: meta.tag, phase: 'Failed', version: meta.version, completionTime: new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z'), message: `pulling image ${meta.image}:${meta.tag} internal error` };
      finished.set(key, status);
      logger.error({ key }, 'image tag actor failed; its tag is marked Failed');
    } else if (!finished.has(key)) {
      // Abandoned (tag removed or version bumped): nothing of this key is shown or adopted again.
      metas.delete(key);
      recorded.delete(key);
    }
    grant();
    schedule();
  }

  function grant(): void {
    if (!host) return;
    const h = host;
    pool.drain((key) => h.send(key, { type: 'engine.slotGranted', at: options.now() }));
  }

  function sync(obj: KubeObject): void {
    nodeImage = obj;
    if (obj.metadata?.deletionTimestamp) return;
    tags = specTags(obj);
    const h = host!;
    const bySpec = new Map(tags.map((t) => [`${t.image}\u0000${t.tag}`, t]));
    const at = options.now();
    for (const [key, meta] of metas) {
      const spec = bySpec.get(`${meta.image}\u0000${meta.tag}`);
      if (!h.has(key)) {
        if (!spec || spec.version !== meta.version) {
          metas.delete(key);
          finished.delete(key);
          recorded.delete(key);
        }
        continue;
      }
      if (!spec) h.send(key, { type: 'k8s.tagRemoved', at });
      else if (spec.version !== meta.version) h.send(key, { type: 'k8s.tagVersionChanged', version: spec.version, at });
      else meta.owners = spec.owners;
    }
    for (const t of tags) {
      if (h.has(t.key) || finished.has(t.key) || persistedFinished(obj, t.image, t.tag, t.version)) continue;
      metas.set(t.key, { image: t.image, tag: t.tag, version: t.version, owners: t.owners });
      pool.enqueue(t.key);
      h.deliver(t.key, IMAGE_TAG_MACHINE, { type: 'k8s.tagVersionChanged', version: t.version, at: options.now() }, () => t.input);
    }
    grant();
    schedule();
  }

  function statusOf(t: SpecTag): ImageTagStatus | undefined {
    return live.get(t.key) ?? finished.get(t.key) ?? (nodeImage ? persistedFinished(nodeImage, t.image, t.tag, t.version) : undefined);
  }

  function schedule(): void {
    scheduled ??= setImmediate(flush);
  }

  function flush(): void {
    scheduled = undefined;
    if (!nodeImage || nodeImage.metadata?.deletionTimestamp) return;
    const status = nodeImageStatus(tags, statusOf);
    const json = JSON.stringify(status);
    // Same intent as last time: write again only when nothing is in flight and the object differs.
    if (json === lastSent && (inFlight.length > 0 || jsonEqual(nodeImage.status, status))) return;
    lastSent = json;
    last = status;
    writes += 1;
    const ref = nodeImageRef(options.nodeName, options.nodeImageVersion ?? versionOf(nodeImage));
    const write = options.writer.write(ref, status);
    inFlight.push(write);
    void write.then((outcome) => {
      inFlight = inFlight.filter((w) => w !== write);
      if (outcome !== 'failed') return;
      lastSent = undefined;
      const timer = setTimeout(() => {
        retries.delete(timer);
        schedule();
      }, options.retryDelayMs?.() ?? 3_000 + Math.random() * 2_000);
      retries.add(timer);
    });
  }

  function start(h: ActorHost): void {
    host = h;
    for (const key of h.keys()) {
      const snapshot = h.snapshot(key) as AnyMachineSnapshot | undefined;
      if (!snapshot || !isImageTag(snapshot)) continue;
      const context = snapshot.context as ImageTagContext;
      metaOf(key, context);
      live.set(key, tagStatusOf(context));
      if (snapshot.value === 'waiting') pool.enqueue(key);
      else pool.hold(key);
    }
    subscription = options.informer.subscribe({
      next: (o) => {
        if (o.type !== 'upsert' || o.object.metadata?.name !== options.nodeName) return;
        try {
          sync(o.object);
        } catch (error) {
          logger.error({ err: error }, 'image puller sync failed');
        }
      },
      error: (error: unknown) => logger.error({ err: error }, 'NodeImage informer ended with an error'),
    });
    grant();
  }

  return {
    onStep,
    onStopped,
    start,
    stop() {
      subscription?.unsubscribe();
      if (scheduled) clearImmediate(scheduled);
      scheduled = undefined;
      for (const timer of retries) clearTimeout(timer);
      retries.clear();
    },
    lastStatus: () => last,
    idle: async () => {
      while (scheduled || inFlight.length > 0) {
        if (scheduled) await new Promise((resolve) => setImmediate(resolve));
        await Promise.all(inFlight);
      }
    },
    stats: () => ({ live: live.size, slotsHeld: pool.held, slotsWaiting: pool.waiting, writes }),
  };
}


