// The image puller (contract §3): watches this node's NodeImage and keeps one `imageTag` actor per
// (image, tag, version) that is not finished yet. On every observation it sends `k8s.tagRemoved`
// / `k8s.tagVersionChanged` to actors whose tag vanished or moved on, spawns actors for new tags
// (the spawn event is `k8s.tagVersionChanged` at the actor's own version: an observation the
// machine ignores), and grants worker slots FIFO. It never reads an actor's context: each actor
// emits its status entry (`imageTag.status`) when it may have changed, and the puller rebuilds the
// whole status (status.ts) from those and hands it to the status publisher (status-publisher.ts),
// which feeds this node's `nodeImageStatus` actor. An actor whose entry turns Succeeded or Failed
// frees its slot, records PullImageSucceed / PullImageFailed itself (its `recordPullEvent`
// effect; the puller only says which objects the Event is about), and stays alive until its
// entry is persisted: a write carrying it lands, or an observation shows it; the puller then
// sends it `k8s.statusPersisted` and it stops. Its final output says whether its entry stays.
// A crash before that recovers it with its outcome; at start the puller sends `engine.resumed` to
// every imageTag actor the engine recovered, and each answers with its status entry, from which
// the puller rebuilds its view (its slot, its place in line, its held outcome). The outcome is
// written without pulling again, and its Event exactly once (named from the effect's identity, a
// re-emission is the same object; the puller names its objects once the informer answered). A tag whose finished
// status (same version, completionTime set) is persisted is adopted and never pulled again. When
// the NodeImage is deleted (a deletionTimestamp, a delete, a new uid, or none after the informer
// synced) every actor stops without a status write and the puller forgets the old object, so a
// recreated one starts fresh. (Upstream lets running workers go on after a deletion, contract §3.6.)
import type { Observable, Subscription } from 'rxjs';
import type { AnyMachineSnapshot, EventObject } from 'xstate';
import { involvedObjectOf, jsonEqual, type InvolvedObject, type KruiseVersion, type KubeObject, type Observation } from '../../../adapters/kube/index.js';
import type { NodeImageStatusSource, PullEventSubjects } from '../../../effects/image-pull/index.js';
import type { ActorHost, StopReason } from '../../../engine/host.js';
import type { LogRecord } from '../../../engine/log/record.js';
import { imageTagMachine } from '../../../machines/image-pull/image-tag.machine.js';
import type { NodeImageStatusEmitted } from '../../../machines/image-pull/node-image-status.machine.js';
import { rfc3339 } from '../../../machines/shared/index.js';
import type { ImageTagOutcome, ImageTagStatus, ImageTagStatusEmitted, PullEventInput } from '../../../machines/image-pull/types.js';
import { silentFeatureLogger, type FeatureLogger } from '../feature-logger.js';
import { persistedFinishedIndex, specTags, tagKey, type SpecTag } from './node-image.js';
import { SlotPool } from './slots.js';
import { StatusPublisher, type StatusWriteBudget } from './status-publisher.js';
import { nodeImageStatus, type NodeImageStatus } from './status.js';

export interface ImagePullerOptions {
  readonly nodeName: string;
  /** This node's NodeImage informer (`nodeImageInformer`). */
  readonly informer: Observable<Observation<KubeObject>>;
  /** --max-workers-for-pull-image; ≤ 0 is unbounded. */
  readonly maxWorkers: number;
  readonly now: () => number;
  readonly logger?: FeatureLogger;
  /** The NodeImage API version to write; default the observed object's. */
  readonly nodeImageVersion?: KruiseVersion;
  /** Windows nodes: every tag reads its image's platforms before the first pull (input `checkPlatform`). */
  readonly checkImagePlatform?: boolean;
  /** The NodeImage status write budget and cadence (default upstream's: machines/image-pull/write-budget.ts). */
  readonly statusBudget?: Partial<StatusWriteBudget>;
}

export interface ImagePuller extends PullEventSubjects {
  /** The engine hooks (engine-hooks.ts hands them to the host). */
  readonly onStep: (key: string, snapshot: AnyMachineSnapshot, record: LogRecord) => void;
  readonly onStopped: (key: string, reason: StopReason) => void;
  readonly onEmitted: (key: string, event: EventObject, record: LogRecord) => void;
  /** Where the nodeImageStatus actor's write effect takes the status to write. */
  readonly statusSource: NodeImageStatusSource;
  /** Resumes the host's recovered imageTag actors and subscribes to the informer. */
  start(host: ActorHost): void;
  stop(): void;
  /** The status most recently handed to the writer. */
  lastStatus(): NodeImageStatus | undefined;
  /** Resolves once every status write handed over so far has settled. */
  idle(): Promise<void>;
  stats(): { readonly live: number; readonly slotsHeld: number; readonly slotsWaiting: number; readonly writes: number };
}

interface SpecRead {
  readonly uid: string | undefined;
  readonly generation: number | undefined;
  readonly tags: SpecTag[];
  /** By `<image>\u0000<tag>`. */
  readonly bySpec: Map<string, SpecTag>;
}

interface Meta {
  readonly image: string;
  readonly tag: string;
  readonly version: number;
  owners: readonly InvolvedObject[];
}

/** Whether the host's actor under `key` is an imageTag actor (its machine, not its context). */
const isImageTag = (snapshot: unknown): boolean => (snapshot as { machine?: { id?: string } } | undefined)?.machine?.id === imageTagMachine.id;
const terminal = (status: ImageTagStatus): boolean => status.phase === 'Succeeded' || status.phase === 'Failed';

export function createImagePuller(options: ImagePullerOptions): ImagePuller {
  const logger = options.logger ?? silentFeatureLogger;
  const pool = new SlotPool(options.maxWorkers);
  const metas = new Map<string, Meta>();
  /** Statuses of actors still working (Waiting, Pulling). */
  const live = new Map<string, ImageTagStatus>();
  /** Final statuses: of actors waiting for their entry to be persisted, and of stopped ones. */
  const finished = new Map<string, ImageTagStatus>();
  /** Keys whose actor holds a final status until it is persisted. */
  const holding = new Set<string>();
  let host: ActorHost | undefined;
  let nodeImage: KubeObject | undefined;
  let specRead: SpecRead | undefined;
  /** The finished entries of the object's status, by actor key. */
  let persisted = new Map<string, ImageTagStatus>();
  /** Settled once the informer has said whether this node's NodeImage exists (its object, or a sync without it). */
  const answered = Promise.withResolvers<void>();
  let tags: SpecTag[] = [];
  let subscription: Subscription | undefined;
  let scheduled: NodeJS.Immediate | undefined;
  const publisher = new StatusPublisher({
    nodeName: options.nodeName,
    now: options.now,
    ...(options.statusBudget ? { budget: options.statusBudget } : {}),
    ...(options.nodeImageVersion ? { nodeImageVersion: options.nodeImageVersion } : {}),
    onPersisted: (status) => acknowledge((meta) => status.imageStatuses?.[meta.image]?.tags.find((t) => t.tag === meta.tag && t.version === meta.version)),
  });

  /** Tells each holding actor whose final entry `persisted` shows that it is persisted. */
  function acknowledge(persisted: (meta: Meta) => ImageTagStatus | undefined): void {
    if (!host) return;
    const at = options.now();
    for (const key of [...holding]) {
      const meta = metas.get(key);
      const entry = meta && persisted(meta);
      if (entry && jsonEqual(entry, finished.get(key))) host.send(key, { type: 'k8s.statusPersisted', at });
    }
  }

  /**
   * The objects a tag's Event is about: the NodeImage as observed and, for a failure, the tag's
   * owners. It waits for the informer's first answer, so an Event effect a restart resumed names
   * the objects as they are (their uid, the owners), not a bare NodeImage name.
   */
  async function subjectsOf(input: PullEventInput): Promise<{ nodeImage: InvolvedObject; owners: readonly InvolvedObject[] }> {
    await answered.promise;
    const node: InvolvedObject = nodeImage ? involvedObjectOf(nodeImage) : { kind: 'NodeImage', name: options.nodeName };
    if (input.outcome === 'Succeeded') return { nodeImage: node, owners: [] };
    const key = tagKey(input.name, input.tag, input.version);
    return { nodeImage: node, owners: tags.find((t) => t.key === key)?.owners ?? metas.get(key)?.owners ?? [] };
  }

  function onEmitted(key: string, event: EventObject, record: LogRecord): void {
    if (key === publisher.key) publisher.onEmitted(event as NodeImageStatusEmitted);
    else if (record.machine === imageTagMachine.id && event.type === 'imageTag.status') onTagStatus(key, event as ImageTagStatusEmitted);
  }

  /** A tag actor's status entry: live while Waiting or Pulling, held once terminal. */
  function onTagStatus(key: string, emitted: ImageTagStatusEmitted): void {
    if (!metas.has(key)) metas.set(key, { image: emitted.name, tag: emitted.tag, version: emitted.version, owners: [] });
    const { status } = emitted;
    if (terminal(status)) {
      live.delete(key);
      if (!holding.has(key)) {
        holding.add(key);
        finished.set(key, status);
        pool.release(key);
        grant();
      }
    } else {
      live.set(key, status);
      // A resumed actor takes its place again: in line while Waiting, holding a slot once it works.
      if (status.phase === 'Waiting') pool.enqueue(key);
      else pool.hold(key);
    }
    schedule();
  }

  /** A tag actor ended: its output says whether its entry stays (reported) or goes (abandoned). */
  function onStep(key: string, snapshot: AnyMachineSnapshot, record: LogRecord): void {
    if (record.machine !== imageTagMachine.id || snapshot.status !== 'done') return;
    live.delete(key);
    holding.delete(key);
    const outcome = snapshot.output as ImageTagOutcome;
    const held = finished.get(key);
    if (outcome.writeStatus) finished.set(key, outcome.status);
    else finished.delete(key);
    // A tag that ends as it was held changes nothing in the status: no rebuild. (With 500 tags
    // ending one by one as their Events are written, a rebuild each was most of the CPU they cost.)
    if (!outcome.writeStatus || !jsonEqual(held, outcome.status)) schedule();
  }

  function onStopped(key: string, reason: StopReason): void {
    if (key === publisher.key) {
      publisher.onStopped();
      return;
    }
    const meta = metas.get(key);
    if (!meta) return;
    pool.release(key);
    live.delete(key);
    holding.delete(key);
    if (reason === 'error' && !finished.has(key)) {
      // The actor threw: the tag fails with upstream's internal-error text rather than hanging.
      const at = options.now();
      const status: ImageTagStatus = {
        tag: meta.tag,
        phase: 'Failed',
        version: meta.version,
        completionTime: rfc3339(at),
        message: `pulling image ${meta.image}:${meta.tag} internal error`,
      };
      finished.set(key, status);
      logger.error({ key }, 'image tag actor failed; its tag is marked Failed');
    } else if (!finished.has(key)) {
      // Abandoned (tag removed or version bumped): nothing of this key is shown or adopted again.
      metas.delete(key);
    } else {
      grant(); // ended as its entry was held (onStep): the status is as it was
      return;
    }
    grant();
    schedule();
  }

  function grant(): void {
    if (!host) return;
    const h = host;
    pool.drain((key) => h.send(key, { type: 'engine.slotGranted', at: options.now() }));
  }

  /**
   * The NodeImage is gone (deleted, being deleted, replaced by a new one, or absent after a
   * restart): every actor is stopped as if its tag were removed, which writes nothing, and all
   * that was known of the old object is forgotten, so a recreated NodeImage starts from scratch.
   */
  function forget(why: string): void {
    const keys = host ? [...metas.keys()].filter((key) => host!.has(key)) : [];
    // Out of line first, so stopping one actor does not hand its slot to another about to stop.
    for (const key of keys) pool.release(key);
    for (const key of keys) host!.send(key, { type: 'k8s.tagRemoved', at: options.now() });
    if (keys.length > 0 || nodeImage) logger.info({ why, stopped: keys.length }, 'NodeImage gone: its image tag actors are stopped without status writes');
    metas.clear();
    live.clear();
    finished.clear();
    holding.clear();
    tags = [];
    nodeImage = undefined;
    specRead = undefined;
    persisted = new Map();
    if (scheduled) clearImmediate(scheduled);
    scheduled = undefined;
    publisher.reset();
  }

  function observe(o: Observation<KubeObject>): void {
    try {
      see(o);
    } finally {
      if (o.type === 'synced' || o.object.metadata?.name === options.nodeName) answered.resolve();
    }
  }

  function see(o: Observation<KubeObject>): void {
    if (o.type === 'synced') {
      // A complete list without this node's NodeImage: actors recovered from the log have no object.
      if (!nodeImage) forget('no NodeImage for this node after the informer synced');
      return;
    }
    if (o.object.metadata?.name !== options.nodeName) return;
    if (o.type === 'delete' || o.object.metadata?.deletionTimestamp) {
      forget(o.type === 'delete' ? 'deleted' : 'being deleted');
      return;
    }
    if (nodeImage && nodeImage.metadata?.uid !== o.object.metadata?.uid) forget('replaced by a new object');
    sync(o.object);
  }

  /**
   * The spec's tags, read again only when the spec changed (another uid or generation): most
   * observations are the daemon's own status writes coming back, and with 500 tags reading them
   * all for each was most of what a burst of pulls allocated.
   */
  function readSpec(obj: KubeObject): SpecRead {
    const { uid, generation } = obj.metadata ?? {};
    if (specRead && uid !== undefined && generation !== undefined && specRead.uid === uid && specRead.generation === generation) return specRead;
    const read: SpecRead = { uid, generation, tags: specTags(obj), bySpec: new Map() };
    for (const t of read.tags) read.bySpec.set(`${t.image}\u0000${t.tag}`, t);
    specRead = read;
    return read;
  }

  function sync(obj: KubeObject): void {
    nodeImage = obj;
    const read = readSpec(obj);
    tags = read.tags;
    persisted = persistedFinishedIndex(obj);
    const h = host!;
    const bySpec = read.bySpec;
    const at = options.now();
    for (const [key, meta] of metas) {
      const spec = bySpec.get(`${meta.image}\u0000${meta.tag}`);
      if (!h.has(key)) {
        if (!spec || spec.version !== meta.version) {
          metas.delete(key);
          finished.delete(key);
        }
        continue;
      }
      if (!spec) h.send(key, { type: 'k8s.tagRemoved', at });
      else if (spec.version !== meta.version) h.send(key, { type: 'k8s.tagVersionChanged', version: spec.version, at });
      else meta.owners = spec.owners;
    }
    acknowledge((meta) => persisted.get(tagKey(meta.image, meta.tag, meta.version)));
    for (const t of tags) {
      if (h.has(t.key) || finished.has(t.key) || persisted.has(t.key)) continue;
      metas.set(t.key, { image: t.image, tag: t.tag, version: t.version, owners: t.owners });
      pool.enqueue(t.key);
      const input = options.checkImagePlatform ? { ...t.input, checkPlatform: true } : t.input;
      h.deliver(t.key, imageTagMachine.id, { type: 'k8s.tagVersionChanged', version: t.version, at: options.now() }, () => input);
    }
    grant();
    schedule();
  }

  function statusOf(t: SpecTag): ImageTagStatus | undefined {
    return live.get(t.key) ?? finished.get(t.key) ?? persisted.get(t.key);
  }

  function schedule(): void {
    scheduled ??= setImmediate(flush);
  }

  function flush(): void {
    scheduled = undefined;
    if (!nodeImage) return;
    publisher.publish(nodeImage, nodeImageStatus(tags, statusOf));
  }

  function start(h: ActorHost): void {
    host = h;
    publisher.attach(h);
    // Recovered tag actors say where they are (their status entry), which rebuilds the slots,
    // the line and the held outcomes. The recovered nodeImageStatus actor needs nothing: the first
    // status the puller rebuilds tells it what is pending.
    const at = options.now();
    for (const key of h.keys()) if (isImageTag(h.snapshot(key))) h.send(key, { type: 'engine.resumed', at });
    subscription = options.informer.subscribe({
      next: (o) => {
        try {
          observe(o);
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
    onEmitted,
    subjectsOf,
    statusSource: publisher,
    start,
    stop() {
      subscription?.unsubscribe();
      if (scheduled) {
        clearImmediate(scheduled);
        flush();
      }
      publisher.stop(); // writes what is still pending, whatever the budget
    },
    lastStatus: () => publisher.lastStatus(),
    idle: async () => {
      while (scheduled) {
        await new Promise((resolve) => setImmediate(resolve));
        await publisher.idle();
      }
      await publisher.idle();
    },
    stats: () => ({ live: live.size, slotsHeld: pool.held, slotsWaiting: pool.waiting, writes: publisher.writeCount }),
  };
}
