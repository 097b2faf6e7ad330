// Shapes shared by the image-tag machine, its effects and the NodeImage status writer.
// Field names follow upstream's `apps.kruise.io/v1beta1` NodeImage types (contract §3.3, §3.6).
import type { StatusWriteBudget, WriteUrgency } from './write-budget.js';

/** `spec.images[<name>].tags[].pullPolicy`: every field optional, defaults in policy.ts. */
export interface TagPullPolicy {
  /** Per-attempt timeout in seconds; absent means 600. */
  readonly timeoutSeconds?: number;
  /** Retries after the first attempt; absent or negative means 3. */
  readonly backoffLimit?: number;
  /** Whole-worker budget in seconds, counted from the worker's start; absent means none. */
  readonly activeDeadlineSeconds?: number;
}

/** `spec.images[<name>].pullSecrets[]`: a reference only; the effect reads the Secret itself. */
export interface PullSecretRef {
  readonly namespace: string;
  readonly name: string;
}

/** `spec.images[<name>].sandboxConfig`. */
export interface SandboxConfig {
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

/** Phases as upstream names them (`ImagePullPhase`). */
export type ImageTagPhase = 'Waiting' | 'Pulling' | 'Succeeded' | 'Failed';

/**
 * One entry of `status.imageStatuses[<name>].tags[]`, serialised as upstream does: `progress`,
 * `startTime`, `completionTime`, `imageID` and `message` are omitted when empty (omitempty).
 */
export interface ImageTagStatus {
  readonly tag: string;
  readonly phase: ImageTagPhase;
  readonly version: number;
  readonly progress?: number;
  /** RFC 3339, second precision, UTC (metav1.Time). */
  readonly startTime?: string;
  readonly completionTime?: string;
  /** `<name>@<CRI image id>`. */
  readonly imageID?: string;
  readonly message?: string;
}

/** What the runtime says about one image (CRI `ImageStatus`), as the `criImageStatus` effect reports it. */
export interface RuntimeImage {
  /** CRI image ID, e.g. `sha256:<hex>`. */
  readonly id: string;
  readonly repoTags: readonly string[];
  readonly repoDigests: readonly string[];
}

/** Output of the `criImageStatus` effect. `at` is the effect's clock reading when the answer came. */
export interface ImageStatusOutput {
  readonly at: number;
  /** Null when the runtime does not have the image. */
  readonly image: RuntimeImage | null;
}

/** Input of the `criImageStatus` effect. */
export interface ImageStatusInput {
  /** The reference to ask about: `<name>:<tag>`, or `<name>@<digest>`. */
  readonly reference: string;
}

/** Input of the `criPullImage` effect: one attempt, auth order as contract §3.5 inside it. */
export interface PullImageInput {
  readonly reference: string;
  /** 1-based attempt number. */
  readonly attempt: number;
  /** The attempt's budget: min(per-attempt timeout, time left to activeDeadlineSeconds). */
  readonly timeoutMs: number;
  readonly pullSecrets: readonly PullSecretRef[];
  /** Spec sandbox config plus `apps.kruise.io/pulling-image-by: kruise-daemon`. */
  readonly sandboxConfig: { readonly labels: Record<string, string>; readonly annotations: Record<string, string> };
}

/** Input of the `imagePlatformCheck` effect. */
export interface PlatformCheckInput {
  readonly reference: string;
  readonly pullSecrets: readonly PullSecretRef[];
}

/**
 * Output of the `imagePlatformCheck` effect: whether an entry of the image can run on this node
 * (`runs`), none can (`cannotRun`, with a message naming the host and the entries), or the
 * registry did not say (`unknown`, with why: the pull goes ahead).
 */
export interface PlatformCheckOutput {
  readonly at: number;
  readonly verdict: 'runs' | 'cannotRun' | 'unknown';
  readonly message: string;
}

/** Why an actor was abandoned: its final status must not be written. */
export type AbandonReason = 'tagRemoved' | 'versionChanged';

/** What the host does with a finished actor. */
export type ImageTagOutcome =
  | { readonly writeStatus: true; readonly status: ImageTagStatus }
  | { readonly writeStatus: false; readonly reason: AbandonReason; readonly message: string };

export interface ImageTagInput {
  /** Image name as the spec keys it (familiar name, e.g. `nginx`, `registry.k8s.io/pause`). */
  readonly name: string;
  /** The tag, or a digest in the tag position. */
  readonly tag: string;
  /** Spec `version` of the tag: the status entry carries it. */
  readonly version: number;
  /** Spec `imagePullPolicy`; only exactly `IfNotPresent` checks presence, '' behaves as `Always`. */
  readonly imagePullPolicy: string;
  /** Spec `pullPolicy`; defaults in policy.ts. */
  readonly pullPolicy?: TagPullPolicy;
  /** Secret references for the effect to read (contents never enter the machine). */
  readonly pullSecrets: readonly PullSecretRef[];
  /** Spec `sandboxConfig` of the image. */
  readonly sandboxConfig?: SandboxConfig;
  /** Set by the daemon on Windows nodes: read the image's platforms before the first pull (windows.md §2.7). */
  readonly checkPlatform?: boolean;
}

export interface ImageTagContext extends ImageTagInput {
  /** What is sent to the runtime: `<name>:<tag>` or `<name>@<digest>`. */
  reference: string;
  /** backoffLimit + 1. */
  maxAttempts: number;
  /** Per-attempt timeout before deadline capping, ms. */
  timeoutMs: number;
  /** Latest time any event carried (or a timer implied), ms since the epoch; 0 before the first. */
  clockMs: number;
  /** When the worker started (slot granted), ms; 0 while waiting. */
  startedAtMs: number;
  /** startedAtMs + activeDeadlineSeconds, or null without a deadline. */
  deadlineMs: number | null;
  /** Attempts started so far. */
  attempt: number;
  /** When the current attempt started, ms. */
  attemptStartedAtMs: number;
  /** The current attempt's budget, ms (passed to `criPullImage`, and the `attemptTimeout` delay). */
  attemptTimeoutMs: number;
  /** The image's platforms were read (once per actor, before its first pull). */
  platformChecked: boolean;
  /** Bytes reported by the current pull, and the largest total announced. */
  bytesDone: number;
  bytesTotal: number;
  /** Set when the actor is abandoned: why, for the output. */
  abandonReason: AbandonReason | null;
  // The status entry's fields, as the status writer needs them (see tagStatusOf).
  /** Upstream phase name. */
  phase: ImageTagPhase;
  /** Monotone 0–99 while pulling; 100 only on success. */
  progress: number;
  /** RFC 3339 of the worker's start, '' before it. */
  startTime: string;
  /** RFC 3339 of the end, '' before it. */
  completionTime: string;
  /** `<name>@<CRI image id>` on success, else ''. */
  imageID: string;
  /** Last error text ('' on success). */
  message: string;
}

export type ImageTagEvent =
  | { type: 'engine.slotGranted'; at: number }
  | { type: 'cri.pullProgress'; bytesDone: number; bytesTotal: number; at?: number }
  | { type: 'cri.pullSucceeded'; at: number }
  | { type: 'cri.pullFailed'; at: number; message: string; deadlineExceeded?: boolean }
  | { type: 'k8s.statusPersisted'; at: number }
  | { type: 'k8s.tagRemoved'; at: number }
  | { type: 'k8s.tagVersionChanged'; version: number; at: number }
  | ImageTagResumed;

/** Sent by a resumed actor's host glue (the daemon restarted): the actor says where it is by emitting its status. */
export type ImageTagResumed = { type: 'engine.resumed'; at: number };

/**
 * What the imageTag machine emits for its host glue (the glue never reads context): its status
 * entry, whenever a step may have changed it, and again on `engine.resumed`. A terminal phase
 * means the actor holds that entry until it is persisted.
 */
export interface ImageTagStatusEmitted {
  readonly type: 'imageTag.status';
  readonly name: string;
  readonly tag: string;
  readonly version: number;
  readonly status: ImageTagStatus;
}

export type ImageTagEmitted = ImageTagStatusEmitted;

/**
 * Input of the `recordPullEvent` effect: one PullImageSucceed or PullImageFailed. `identity` is the
 * same for the same outcome of the same actor incarnation, live or replayed, across crashes
 * (`<name>:<tag>@<version>/<outcome>/<worker start ms>`), so the Event's name can be derived from it.
 */
export interface PullEventInput {
  readonly identity: string;
  readonly name: string;
  readonly tag: string;
  readonly version: number;
  readonly outcome: 'Succeeded' | 'Failed';
  /** From the worker's start to the success (PullImageSucceed's "ecalpsedTime"). */
  readonly elapsedMs: number;
  /** The status message (PullImageFailed's text); '' on success. */
  readonly message: string;
}

/** Output of the `recordPullEvent` effect: how many Events were handed to the recorder (one per involved object). */
export interface PullEventOutput {
  readonly recorded: number;
}

// ---------------------------------------------------------------------------------------------
// The nodeImageStatus machine (node-image-status.machine.ts).

export interface NodeImageStatusInput {
  readonly budget: StatusWriteBudget;
}

/** Input of the `writeNodeImageStatus` effect: the write's number. The effect writes the puller's newest status. */
export interface StatusWriteInput {
  readonly write: number;
}

/**
 * How a status write ended, as the StatusWriter says (`written`, `skipped`: the object already held
 * it, `superseded`, `notFound`, `failed`), or `noObject` when the puller knows no NodeImage yet.
 */
export type StatusWriteOutcome = 'written' | 'skipped' | 'superseded' | 'notFound' | 'failed' | 'noObject';

/** Output of the `writeNodeImageStatus` effect. `retryAfterMs` is upstream's 3–5 s requeue, drawn by the effect. */
export interface StatusWriteOutput {
  readonly at: number;
  readonly outcome: StatusWriteOutcome;
  readonly retryAfterMs: number;
}

export type NodeImageStatusEvent =
  | { type: 'engine.statusChanged'; urgency: WriteUrgency; at: number }
  | { type: 'engine.flush'; at: number }
  | { type: 'k8s.nodeImageGone'; at: number };

/** What the nodeImageStatus machine emits for its host glue: a write started, and how it ended. */
export type NodeImageStatusEmitted =
  | { readonly type: 'nodeImageStatus.writing'; readonly write: number }
  | { readonly type: 'nodeImageStatus.written'; readonly write: number; readonly outcome: StatusWriteOutcome };
