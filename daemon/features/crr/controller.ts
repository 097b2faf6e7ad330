// The CRR controller's glue (contract §4.2): watches this node's active CRRs in every namespace and
// the node's pods, and keeps one `crrPod` actor per pod (key `<namespace>/<spec.podName>`) told
// what is there. Every change to a pod's CRRs, or to the pod's uid, restartPolicy or phase, marks
// the pod dirty; one setImmediate later every dirty pod gets a single `k8s.crrsObserved` with its
// active CRRs (deleting and completed ones are left out, as upstream skips them, but the remaining
// set is still delivered so the actor sees removals) and its pod. `host.deliver` spawns the actor
// on the first CRR; an observation equal to the last one delivered to a live actor is dropped,
// which keeps the log small. When an actor finishes while its pod still has active CRRs, the pod
// is observed again (a fresh actor), so a second CRR never stalls in Pending behind a completed
// one (upstream #1626, #2474). On start, recovered `crrPod` actors are adopted and observed once
// the informers have synced. Without the pod informer (gate DaemonWatchingPod off) the pod is
// read with a GET instead, which the daemon's RBAC allows.
import type { Observable, Subscription } from 'rxjs';
import type { AnyMachineSnapshot } from 'xstate';
import { jsonEqual, objectKey, type KruiseVersion, type KubeObject, type Observation } from '../../../adapters/kube/index.js';
import type { ActorHost, StopReason } from '../../../engine/host.js';
import { crrPodMachine } from '../../../machines/crr/crr-pod.machine.js';
import type { CrrPodInput, CrrsObservedEvent, CrrTiming, CrrView, PodView } from '../../../machines/crr/types.js';
import { CrrGroups, PodIndex } from './groups.js';
import { byCreation, crrPodKey, crrView, isActiveCrr, podView } from './views.js';
import { silentFeatureLogger, type FeatureLogger } from '../feature-logger.js';

export type CrrHost = Pick<ActorHost, 'deliver' | 'has' | 'keys' | 'snapshot'>;

export interface CrrControllerOptions {
  /** Active CRRs of this node in every namespace (`crrInformerSynced`). */
  readonly crrInformer: Observable<Observation<KubeObject>>;
  /** Pods of this node (`podInformerSynced`), present when DaemonWatchingPod is on. */
  readonly podInformer?: Observable<Observation<KubeObject>>;
  /** Reads one pod when there is no pod informer; undefined when it does not exist. */
  readonly getPod?: (namespace: string, name: string) => Promise<KubeObject | undefined>;
  /** The CRR version the informer serves: where the snapshot and unready time are read from. */
  readonly crrVersion: KruiseVersion;
  /** Names of the discovered runtimes as container IDs spell them (`containerd`). */
  readonly runtimeNames: readonly string[];
  /** The machines' backoff bounds and CRI deadline (flags); part of every spawn record. Default: upstream's. */
  readonly timing?: CrrTiming;
  readonly now: () => number;
  readonly logger?: FeatureLogger;
  /** Fresh actors in a row for one pod, with nothing observed in between, before giving up (default 3). */
  readonly maxRespawns?: number;
}

export interface CrrControllerStats {
  readonly pods: number;
  readonly crrs: number;
  readonly actors: number;
  readonly deliveries: number;
  readonly dropped: number;
  readonly podReads: number;
}

export interface CrrController {
  /** Pass to the ActorHost's `onStopped` (or the composition root's fan-out). */
  readonly onStopped: (key: string, reason: StopReason) => void;
  /** Adopts the host's recovered crrPod actors and subscribes to the informers. */
  start(host: CrrHost): void;
  stop(): void;
  /** Resolves once nothing is scheduled and no pod read is in flight. */
  idle(): Promise<void>;
  stats(): CrrControllerStats;
}

interface Delivered {
  readonly crrs: readonly CrrView[];
  readonly pod: PodView | null;
}

/** Whether a recovered actor is a crrPod one (its snapshot's machine, not its context). */
const isCrrPod = (snapshot: unknown): boolean => (snapshot as { machine?: { id?: string } } | undefined)?.machine?.id === crrPodMachine.id;

/** `<namespace>/<podName>` → the actor's input. Neither part can hold a `/`. */
export function crrPodInput(key: string, runtimeNames: readonly string[], timing?: CrrTiming): CrrPodInput {
  const slash = key.indexOf('/');
  return { namespace: key.slice(0, slash), podName: key.slice(slash + 1), runtimeNames: [...runtimeNames], ...(timing ? { timing: { ...timing } } : {}) };
}

export function createCrrController(options: CrrControllerOptions): CrrController {
  const logger = options.logger ?? silentFeatureLogger;
  const maxRespawns = options.maxRespawns ?? 3;
  const groups = new CrrGroups<CrrView>();
  const pods = new PodIndex();
  /** Problems last logged per CRR (by uid), so a malformed CRR is logged once, not per observation. */
  const logged = new Map<string, string>();
  /** Keys of live crrPod actors (delivered to, or recovered). */
  const actors = new Set<string>();
  const last = new Map<string, Delivered>();
  const respawns = new Map<string, number>();
  const dirty = new Set<string>();
  const readsInFlight = new Map<string, Promise<void>>();
  const rereadAfter = new Set<string>();
  const subscriptions: Subscription[] = [];
  let host: CrrHost | undefined;
  let scheduled: NodeJS.Immediate | undefined;
  let crrSynced = false;
  let podSynced = options.podInformer === undefined;
  let stopped = false;
  let deliveries = 0;
  let dropped = 0;
  let podReads = 0;

  function markDirty(key: string, byChange = true): void {
    if (byChange) respawns.delete(key);
    dirty.add(key);
    if (!scheduled && !stopped) scheduled = setImmediate(flush);
  }

  const activeViews = (key: string): CrrView[] => groups.of(key).filter(isActiveCrr).sort(byCreation);

  function onCrr(o: Observation<KubeObject>): void {
    if (o.type === 'synced') {
      crrSynced = true;
      observeEverything();
      return;
    }
    const crrKey = objectKey(o.object);
    const uid = o.object.metadata?.uid ?? crrKey;
    if (o.type === 'delete') {
      logged.delete(uid);
      for (const key of groups.delete(crrKey)) markDirty(key);
      return;
    }
    const podKey = crrPodKey(o.object);
    const reading = crrView(o.object, options.crrVersion);
    const { view } = reading;
    const problems = podKey === undefined ? [...reading.problems, 'spec.podName is empty'] : reading.problems;
    const said = problems.join('; ');
    if (said !== (logged.get(uid) ?? '')) {
      if (said !== '') logger.warn({ crr: crrKey, problems }, 'ContainerRecreateRequest is malformed; the malformed parts are read as absent');
      logged.set(uid, said);
    }
    const touched = podKey === undefined ? groups.delete(crrKey) : groups.upsert(crrKey, podKey, view);
    for (const key of touched) markDirty(key);
  }

  function onPod(o: Observation<KubeObject>): void {
    if (o.type === 'synced') {
      podSynced = true;
      observeEverything();
      return;
    }
    const key = o.type === 'upsert' ? pods.upsert(o.object) : pods.delete(o.object);
    if (key !== undefined && (actors.has(key) || groups.of(key).length > 0)) markDirty(key);
  }

  function observeEverything(): void {
    for (const key of groups.pods()) markDirty(key);
    for (const key of actors) markDirty(key);
  }

  function flush(): void {
    scheduled = undefined;
    if (stopped || !host || !crrSynced || !podSynced) return;
    const keys = [...dirty];
    dirty.clear();
    for (const key of keys) {
      if (groups.of(key).length === 0 && !actors.has(key)) {
        last.delete(key);
        continue;
      }
      if (options.podInformer || !options.getPod) {
        const pod = pods.get(key);
        deliver(key, pod ? podView(pod) : null);
      } else readPodThenDeliver(key);
    }
  }

  function deliver(key: string, pod: PodView | null): void {
    const h = host!;
    const crrs = activeViews(key);
    const live = h.has(key);
    if (!live && crrs.length === 0) return;
    const prev = last.get(key);
    if (live && prev && jsonEqual(prev.crrs, crrs) && jsonEqual(prev.pod, pod)) {
      dropped += 1;
      return;
    }
    const event: CrrsObservedEvent = { type: 'k8s.crrsObserved', at: options.now(), crrs, pod };
    // Set before delivering: an actor that finishes inside deliver() clears them in onStopped.
    actors.add(key);
    last.set(key, { crrs, pod });
    try {
      h.deliver(key, crrPodMachine.id, event, () => crrPodInput(key, options.runtimeNames, options.timing));
      deliveries += 1;
    } catch (error) {
      actors.delete(key);
      last.delete(key);
      logger.error({ pod: key, err: error }, 'could not deliver the CRR observation');
    }
  }

  function readPodThenDeliver(key: string): void {
    if (readsInFlight.has(key)) {
      rereadAfter.add(key);
      return;
    }
    const { namespace, podName } = crrPodInput(key, []);
    podReads += 1;
    const read = options.getPod!(namespace, podName)
      .then((obj) => (obj ? podView(obj) : null))
      .catch((error: unknown) => {
        logger.warn({ pod: key, err: error }, 'could not read the pod; observing it as last seen');
        return last.get(key)?.pod ?? null;
      })
      .then((pod) => {
        if (!stopped && host) deliver(key, pod);
      })
      .finally(() => {
        readsInFlight.delete(key);
        if (rereadAfter.delete(key)) markDirty(key, false);
      });
    readsInFlight.set(key, read);
  }

  function onStopped(key: string, reason: StopReason): void {
    if (!actors.delete(key)) return;
    last.delete(key);
    if (reason !== 'done' || stopped) return;
    if (groups.of(key).filter(isActiveCrr).length === 0) return;
    // A machine that ends at once with CRRs still there would spin; a few fresh starts, then wait for a change.
    const count = (respawns.get(key) ?? 0) + 1;
    respawns.set(key, count);
    if (count > maxRespawns) {
      logger.error({ pod: key, respawns: count - 1 }, 'crrPod actor keeps finishing while its pod has active CRRs; waiting for the next change');
      return;
    }
    markDirty(key, false);
  }

  function start(h: CrrHost): void {
    host = h;
    for (const key of h.keys()) if (isCrrPod(h.snapshot(key) as AnyMachineSnapshot | undefined)) actors.add(key);
    const failed = (which: string) => (error: unknown) => logger.error({ informer: which, err: error }, 'informer ended with an error');
    subscriptions.push(options.crrInformer.subscribe({ next: guard(onCrr), error: failed('crr') }));
    if (options.podInformer) subscriptions.push(options.podInformer.subscribe({ next: guard(onPod), error: failed('pod') }));
    if (crrSynced && podSynced) observeEverything();
  }

  function guard(handle: (o: Observation<KubeObject>) => void): (o: Observation<KubeObject>) => void {
    return (o) => {
      try {
        handle(o);
      } catch (error) {
        logger.error({ err: error, key: o.key }, 'CRR observation failed');
      }
    };
  }

  return {
    onStopped,
    start,
    stop() {
      stopped = true;
      for (const s of subscriptions) s.unsubscribe();
      subscriptions.length = 0;
      if (scheduled) clearImmediate(scheduled);
      scheduled = undefined;
    },
    async idle() {
      while (scheduled || readsInFlight.size > 0) {
        if (scheduled) await new Promise((resolve) => setImmediate(resolve));
        await Promise.all(readsInFlight.values());
      }
    },
    stats: () => ({ pods: groups.pods().length, crrs: groups.size, actors: actors.size, deliveries, dropped, podReads }),
  };
}
