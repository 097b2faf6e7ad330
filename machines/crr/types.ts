// Shapes shared by the `crrPod` machine, its effects (effects/crr/) and the CRR feature's glue
// (daemon/features/crr/), for ContainerRecreateRequests and sidecar termination (contract §4, §5).
// Field names follow upstream's `apps.kruise.io` CRR types where they are upstream's; views are
// what the glue reads off an observed CRR (by served version) so the machine never sees raw JSON.

/** `status.phase` of a CRR. The daemon writes only Pending, Recreating and Completed. */
export type CrrPhase = '' | 'Pending' | 'Recreating' | 'Completed';

/** `status.containerRecreateStates[].phase`. */
export type ContainerRecreatePhase = 'Pending' | 'Recreating' | 'Failed' | 'Succeeded';

/** One entry of `status.containerRecreateStates`, in upstream's JSON shape (omitempty fields absent). */
export interface ContainerRecreateState {
  readonly name: string;
  readonly phase: ContainerRecreatePhase;
  readonly message?: string;
  readonly isKilled?: boolean;
}

/** core/v1 LifecycleHandler as the webhook copies it into `spec.containers[].preStop`. */
export interface PreStopHandler {
  readonly exec?: { readonly command: readonly string[] };
  readonly httpGet?: {
    readonly path?: string;
    /** A number, or a port name resolved against the container's `ports`. */
    readonly port: number | string;
    readonly host?: string;
    readonly scheme?: 'HTTP' | 'HTTPS';
    readonly httpHeaders?: ReadonlyArray<{ readonly name: string; readonly value: string }>;
  };
  readonly tcpSocket?: { readonly port: number | string; readonly host?: string };
}

/** core/v1 ContainerPort, as copied by the webhook (only when preStop is httpGet). */
export interface ContainerPortSpec {
  readonly name?: string;
  readonly containerPort: number;
  readonly protocol?: string;
}

/** One `spec.containers[]` entry of a CRR. */
export interface CrrContainerSpec {
  readonly name: string;
  readonly preStop: PreStopHandler | null;
  readonly ports: readonly ContainerPortSpec[];
  /** `statusContext`; null when the CRR has none (the CRR completes with upstream's message). */
  readonly statusContext: { readonly containerID: string; readonly restartCount: number } | null;
}

/** `spec.strategy`, with upstream's defaults applied by the glue (failurePolicy Fail, minStartedSeconds 0). */
export interface CrrStrategyView {
  readonly failurePolicy: 'Fail' | 'Ignore';
  readonly orderedRecreate: boolean;
  readonly forceRecreate: boolean;
  /** Null means the kill path's default (30). */
  readonly terminationGracePeriodSeconds: number | null;
  /** Null means no unready grace. */
  readonly unreadyGracePeriodSeconds: number | null;
  readonly minStartedSeconds: number;
}

/** One entry of the manager's container-status snapshot (annotation on v1alpha1, status on v1beta1). */
export interface SnapshotEntry {
  readonly name: string;
  readonly ready: boolean;
  readonly restartCount: number;
  readonly containerID: string;
}

/** What the machine knows of one CRR, as the glue read it from the informer cache. */
export interface CrrView {
  readonly name: string;
  readonly uid: string;
  readonly resourceVersion: string;
  /** metadata.creationTimestamp in ms since the epoch. */
  readonly createdAtMs: number;
  /** metadata.deletionTimestamp is set. */
  readonly deleting: boolean;
  /** status.completionTime is set. */
  readonly completed: boolean;
  /** Label `crr.apps.kruise.io/pod-uid`. */
  readonly podUid: string;
  readonly phase: CrrPhase;
  readonly containers: readonly CrrContainerSpec[];
  readonly strategy: CrrStrategyView;
  readonly states: readonly ContainerRecreateState[];
  /** The manager's snapshot; null when it has published none. */
  readonly snapshot: readonly SnapshotEntry[] | null;
  /** The unready-acquired time as the manager wrote it (RFC 3339 text, unparsed); null when absent. */
  readonly unreadyAcquiredAt: string | null;
}

/** What the machine knows of the pod itself (pod informer); null when the daemon has not seen it. */
export interface PodView {
  readonly uid: string;
  readonly restartPolicy: 'Always' | 'OnFailure' | 'Never';
  /** status.phase: `Pending`, `Running`, `Succeeded`, `Failed` or `Unknown`. */
  readonly phase: string;
}

/** Newest runtime container of one name in the pod, as the `criPodContainers` effect reports it. */
export interface RuntimeContainer {
  readonly name: string;
  /** `<runtimeName>://<id>`, the form statusContext and snapshots use. */
  readonly containerID: string;
  readonly state: 'created' | 'running' | 'exited' | 'unknown';
  /** Kubelet's annotation `io.kubernetes.container.restartCount`. */
  readonly restartCount: number;
  readonly createdAtMs: number;
  /** 0 when not started. */
  readonly startedAtMs: number;
  /** Exit code and its platform wording (NTSTATUS names on Windows), for exited containers. */
  readonly exit: { readonly code: number; readonly text: string } | null;
}

// ---- events ----------------------------------------------------------------------------------

/** Level-triggered: every active CRR of this pod (same namespace, spec.podName) and the pod, now. */
export interface CrrsObservedEvent {
  readonly type: 'k8s.crrsObserved';
  readonly at: number;
  readonly crrs: readonly CrrView[];
  readonly pod: PodView | null;
}

/** Sent by `killContainer` when every CRR worker is busy: the kill waits for one (`--crr-workers`). */
export interface KillQueuedEvent {
  readonly type: 'kill.queued';
  readonly at: number;
}

/** Sent by `killContainer` when it has a worker and begins (again, after a restart of the daemon): the kill's deadlines count from here. */
export interface KillStartedEvent {
  readonly type: 'kill.started';
  readonly at: number;
}

/** Sent by `killContainer` when the preStop hook is over (ran, failed, or there was none). */
export interface KillPreStopFinishedEvent {
  readonly type: 'kill.preStopFinished';
  readonly at: number;
  /** Set when the hook failed; the stop goes on anyway (kubelet semantics). */
  readonly error?: string;
}

/** Sent by `killContainer` when StopContainer returned (or the container was already gone or exited). */
export interface KillStoppedEvent {
  readonly type: 'kill.stopped';
  readonly at: number;
}

/** Sent by `killContainer` when StopContainer failed: the entry becomes Failed `kill container error: <message>`. */
export interface KillFailedEvent {
  readonly type: 'kill.failed';
  readonly at: number;
  readonly message: string;
}

/**
 * The machine's answer to every `kill.started` (sent to the running kill effect, not logged: it is
 * a function of the context): what earlier runs of this kill got done, as the log holds it. On the
 * first run `startedAtMs` is that run's own start and `preStopFinished` is false.
 */
export interface KillProgressEvent {
  readonly type: 'kill.progress';
  /** When the first run of this kill started (ms): the hook's grace counts from there. */
  readonly startedAtMs: number;
  /** An earlier run's hook is over (its end reached the log): it is not run again. */
  readonly preStopFinished: boolean;
}

export type CrrPodEvent = CrrsObservedEvent | KillQueuedEvent | KillStartedEvent | KillPreStopFinishedEvent | KillStoppedEvent | KillFailedEvent;

// ---- effects ---------------------------------------------------------------------------------

/** The actor's input: which pod, which runtimes this daemon discovered (names, e.g. `containerd`), and its timing. */
export interface CrrPodInput {
  readonly namespace: string;
  readonly podName: string;
  readonly runtimeNames: readonly string[];
  /** Absent in logs written before version 4: upstream's defaults (DEFAULT_CRR_TIMING). */
  readonly timing?: CrrTiming;
}

/** The daemon's configuration the machine's timers follow; part of the spawn record, so replay and recovery re-arm the same timers. */
export interface CrrTiming {
  /** `--crr-min-backoff`: the sleep after the first failed write or inspection. */
  readonly minBackoffMs: number;
  /** `--crr-max-backoff`: the longest sleep; the sleep doubles up to it. */
  readonly maxBackoffMs: number;
  /** The CRI base call deadline (`--cri-base-timeout` or the platform's): the kill's deadlines build on it. */
  readonly criDeadlineMs: number;
}

/** One status write; `writeCrrStatus` performs a list of them in order. */
export type CrrStatusWrite =
  | { readonly name: string; readonly kind: 'phase'; readonly phase: 'Pending' | 'Recreating' }
  | { readonly name: string; readonly kind: 'states'; readonly states: readonly ContainerRecreateState[] }
  | { readonly name: string; readonly kind: 'complete'; readonly message: string; readonly completionTime: string };

export interface WriteCrrStatusInput {
  readonly namespace: string;
  /** The pod whose CRRs these are: the effects hold one CRR worker per pod. */
  readonly podName: string;
  readonly writes: readonly CrrStatusWrite[];
}

/** Per write, the resourceVersion the server returned (null when the CRR is gone or the write was a no-op). */
export interface WriteCrrStatusOutput {
  readonly at: number;
  readonly results: ReadonlyArray<{ readonly name: string; readonly resourceVersion: string | null }>;
}

export interface PodContainersInput {
  readonly runtimeName: string;
  readonly podUid: string;
  /** The pod by name, for its CRR worker. */
  readonly namespace: string;
  readonly podName: string;
}

export interface PodContainersOutput {
  readonly at: number;
  /** Newest container per name among the pod's runtime containers. */
  readonly containers: readonly RuntimeContainer[];
}

/** Input of `killContainer`: the kill path of contract §4.4 for one container. */
export interface KillContainerInput {
  readonly runtimeName: string;
  readonly namespace: string;
  readonly podName: string;
  readonly podUid: string;
  readonly crrName: string;
  readonly container: {
    readonly name: string;
    /** `<runtimeName>://<id>` of the container to stop (never a newer one). */
    readonly containerID: string;
    readonly preStop: PreStopHandler | null;
    readonly ports: readonly ContainerPortSpec[];
  };
  /** strategy.terminationGracePeriodSeconds, default 30; the hook may spend it, the stop gets at least 2 s. */
  readonly gracePeriodSeconds: number;
  /**
   * This kill's identity: the CRR (by uid), the container entry and the runtime container it
   * targets, so the same for every run of the kill, live, replayed or after a crash. Its Events
   * (`Killing`, `FailedPreStopHook`, `LifecycleHTTPFallback`) are named from it, so each is written
   * once. Absent in inputs logged by version 4 (the effect derives one from the rest).
   */
  readonly identity?: string;
}
