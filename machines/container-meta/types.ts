// Shapes the containerMetaPod machine shares with its effects (effects/container-meta) and its glue
// (daemon/features/container-meta). Plain JSON throughout: every one of them travels in an event
// or an effect's input, and so lands in the event log.
import type { EnvValue } from './container-environment.js';
import type { EnvFromMetadata } from './env-hash.js';

/** Pod annotation the daemon writes and kruise-manager reads (contract §7.2). */
export const RUNTIME_CONTAINERS_META_ANNOTATION = 'apps.kruise.io/runtime-containers-meta';
/** Pod condition kruise-manager sets False for the length of an in-place update. */
export const IN_PLACE_UPDATE_READY_CONDITION = 'InPlaceUpdateReady';

/** One spec container, cut down to what the env hash covers. */
export interface SpecContainerView {
  readonly name: string;
  /** The env entries the hash selects (env-hash.ts envFromMetadata), in spec order. */
  readonly env: readonly EnvFromMetadata[];
}

/** One `status.containerStatuses[]` entry: its name and container ID ('' when it has none yet). */
export interface StatusView {
  readonly name: string;
  readonly containerID: string;
}

/**
 * What the machine knows of its pod, as the glue reads it from the pod informer. Only what the
 * trigger rules, the sync and the restart decision read is here, so an observation that changes
 * nothing of it is not delivered (and costs no log record). Label and annotation values appear
 * only for the keys some container's env reads: they are what the manager hashes, and what the
 * container's process sees anyway.
 */
export interface MetaPodView {
  readonly uid: string;
  readonly resourceVersion: string;
  /** metadata.deletionTimestamp is set. */
  readonly deleting: boolean;
  readonly containers: readonly SpecContainerView[];
  /** The values of the labels and annotations that the containers' env entries read. */
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** status.containerStatuses in status order. */
  readonly statuses: readonly StatusView[];
  /** Status of the InPlaceUpdateReady condition (`True`, `False`, `Unknown`), or null without one. */
  readonly inPlaceUpdateReady: string | null;
  /** The runtime-containers-meta annotation as written on the pod, or null without one. */
  readonly meta: string | null;
}

/**
 * One container of the annotation: upstream's RuntimeContainerMeta. The two hashes are uint64 in
 * Go: kept as canonical decimal text, so a kubelet hash past 2^53 survives. `envHash` '0' is "not
 * computed" (upstream omits it from the JSON).
 */
export interface MetaEntry {
  readonly name: string;
  readonly containerID: string;
  readonly restartCount: number;
  readonly plainHash: string;
  readonly envHash: string;
}

/** What the env read of one container gave, cut down to the values the hash needs (never the whole environment). */
export type EnvReading =
  | { readonly source: 'runtime-spec' | 'exec'; readonly values: readonly EnvValue[] }
  | { readonly source: 'unavailable'; readonly reason: string };

/** The newest runtime container of one name in the pod (kruise's GetPodStatus + FindContainerStatusByName). */
export interface RuntimeContainerView {
  readonly name: string;
  /** `<runtimeName>://<id>`. */
  readonly containerID: string;
  readonly state: 'created' | 'running' | 'exited' | 'unknown';
  /** kubelet's `io.kubernetes.container.restartCount` (0 when absent or not a number). */
  readonly restartCount: number;
  /** kubelet's `io.kubernetes.container.hash` parsed as hex, as decimal text ('0' when absent or bad). */
  readonly plainHash: string;
  /** The env values, when this read was asked for them; null otherwise. */
  readonly env: EnvReading | null;
}

// ---- timing and input ------------------------------------------------------------------------

/** The machine's timers; part of the spawn record, so replay and recovery re-arm the same ones. */
export interface ContainerMetaTiming {
  /** After a hash could not be computed (no environment read): upstream's 3 s requeue. */
  readonly hashRetryMs: number;
  /** After a failed effect: the first backoff, doubling (upstream's rate limiter: 500 ms). */
  readonly minBackoffMs: number;
  /** The longest backoff (upstream: 50 s plus up to 5 s of jitter fixed at start). */
  readonly maxBackoffMs: number;
  /** How long to wait for the kubelet to replace a killed container before looking again anyway. */
  readonly newContainerWaitMs: number;
}

export const DEFAULT_CONTAINER_META_TIMING: ContainerMetaTiming = {
  hashRetryMs: 3_000,
  minBackoffMs: 500,
  maxBackoffMs: 50_000,
  // kubelet's longest crash-loop back-off (5 min) and a margin
  newContainerWaitMs: 330_000,
};

export interface ContainerMetaPodInput {
  readonly namespace: string;
  readonly name: string;
  /** Names of the runtimes this daemon discovered, as container IDs spell them (`containerd`). */
  readonly runtimeNames: readonly string[];
  /** Gate InPlaceUpdateEnvFromMetadata: hash the env and restart stale containers. */
  readonly envFromMetadata: boolean;
  readonly timing?: ContainerMetaTiming;
}

// ---- events ----------------------------------------------------------------------------------

/** Level-triggered: the pod as the informer shows it now. */
export interface PodObservedEvent {
  readonly type: 'k8s.podObserved';
  readonly at: number;
  readonly pod: MetaPodView;
}

export type ContainerMetaPodEvent = PodObservedEvent;

// ---- effects ---------------------------------------------------------------------------------

/** Which containers' environments the read needs, by container name. */
export interface EnvWanted {
  readonly name: string;
  /** The env names the hash reads. */
  readonly envNames: readonly string[];
  /** Container IDs whose hash is already known (reused from the annotation): not read again. */
  readonly hashedIds: readonly string[];
}

export interface ReadPodRuntimeInput {
  readonly runtimeName: string;
  readonly podUid: string;
  readonly namespace: string;
  readonly name: string;
  /** Containers whose running instance needs its environment read (empty with the gate off). */
  readonly envWanted: readonly EnvWanted[];
}

export interface ReadPodRuntimeOutput {
  readonly at: number;
  /** The newest runtime container of every name, sorted by name. */
  readonly containers: readonly RuntimeContainerView[];
}

export interface PatchMetaInput {
  readonly namespace: string;
  readonly name: string;
  /** The annotation's new value, in upstream's JSON. */
  readonly value: string;
}

export interface PatchMetaOutput {
  readonly at: number;
  /** The pod's resourceVersion after the patch; null when the pod is gone (404). */
  readonly resourceVersion: string | null;
}

/** A container to restart: the one with this ID, never a newer one of the same name. */
export interface RestartTarget {
  readonly name: string;
  /** `<runtimeName>://<id>`. */
  readonly containerID: string;
}

export interface RestartContainersInput {
  readonly runtimeName: string;
  readonly namespace: string;
  readonly name: string;
  readonly podUid: string;
  readonly targets: readonly RestartTarget[];
}

export type RestartOutcome = 'stopped' | 'alreadyStopped' | 'failed';

export interface RestartContainersOutput {
  readonly at: number;
  readonly results: ReadonlyArray<{ readonly containerID: string; readonly outcome: RestartOutcome; readonly message: string }>;
}

// ---- emitted ---------------------------------------------------------------------------------

/** What the actor tells its glue (for logs); the glue never reads the context. */
export type ContainerMetaEmitted =
  /** The annotation is about to be written with this value (upstream logs it at info). */
  | { readonly type: 'containerMeta.reporting'; readonly value: string }
  /** These containers have a stale env hash while InPlaceUpdateReady is False: they are to be restarted. */
  | { readonly type: 'containerMeta.restarting'; readonly targets: readonly RestartTarget[] }
  /** A running container's hash could not be computed: its environment could not be read. */
  | { readonly type: 'containerMeta.hashUnavailable'; readonly name: string; readonly containerID: string; readonly reason: string }
  /** The pod's container IDs name no runtime this daemon has (or cannot be parsed): the pass is dropped. */
  | { readonly type: 'containerMeta.noRuntime'; readonly reason: string }
  /** The annotation on the pod is not upstream's JSON: it is treated as absent and rewritten. */
  | { readonly type: 'containerMeta.badAnnotation'; readonly reason: string };
