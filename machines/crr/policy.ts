// Pure rules of ContainerRecreateRequest handling (contract §4.2–4.3): which CRR of a pod goes
// first, the runtime lookup by container-ID scheme, the unready grace, the retry backoff, the
// kill's deadlines and the resourceVersion order behind expectations. The per-container states (steps 6–7) are in
// recreate-states.ts. Upstream: `openkruise/kruise pkg/daemon/containerrecreate/crr_daemon_controller.go`.
import { parseGoRfc3339 } from './go-time-parse.js';
import {
  NO_RUNTIME_TYPE,
  differentRuntimeTypes,
  invalidContainerId,
  noStatusContext,
  runtimeServiceMissing,
  unparsableContainerId,
  unreadyTimeUnparsable,
} from './messages.js';
import type { CrrContainerSpec, CrrPhase, CrrTiming, CrrView } from './types.js';

/** First sleep after a failed effect; it doubles each time (upstream's rate limiter, without its 0–5 s jitter). */
export const BACKOFF_START_MS = 500;
export const BACKOFF_CAP_MS = 50_000;
/** kruised's own CRI base deadline default on Linux (the platform profile's, and upstream's 5 s). */
export const DEFAULT_CRI_DEADLINE_MS = 5_000;
/** Upstream's flag defaults (`--crr-min-backoff=500ms`, `--crr-max-backoff=50s`) and the Linux CRI deadline. */
export const DEFAULT_CRR_TIMING: CrrTiming = { minBackoffMs: BACKOFF_START_MS, maxBackoffMs: BACKOFF_CAP_MS, criDeadlineMs: DEFAULT_CRI_DEADLINE_MS };
/** What a kill stage may take beyond its own bounds (the event log's fsync, event recording, scheduling). */
export const KILL_DEADLINE_SLACK_MS = 10_000;
/** The longest delay a timer can hold (Node's setTimeout runs anything longer at once). */
export const MAX_TIMER_MS = 2 ** 31 - 1;
/** Upstream requeues an unready-grace wait 100 ms after the grace ends. */
export const UNREADY_REQUEUE_SLACK_MS = 100;
/** strategy.terminationGracePeriodSeconds when absent (the kill path's minimal pod). */
export const DEFAULT_GRACE_SECONDS = 30;
/** kubelet's minimumGracePeriodInSeconds: StopContainer gets at least this. */
export const MIN_STOP_GRACE_SECONDS = 2;

/**
 * Sleep after the n-th consecutive failure (1-based): min, 2·min, 4·min … capped at max; by default
 * 0.5 s, 1 s, 2 s … 50 s (client-go's ItemExponentialFailureRateLimiter with upstream's flags).
 */
export function backoffMs(failures: number, bounds: { readonly minBackoffMs: number; readonly maxBackoffMs: number } = DEFAULT_CRR_TIMING): number {
  return Math.min(bounds.minBackoffMs * 2 ** Math.max(0, failures - 1), bounds.maxBackoffMs, MAX_TIMER_MS);
}

/** The input's timing, or upstream's defaults for a spawn record that has none. */
export function timingOf(timing: CrrTiming | undefined): CrrTiming {
  return timing ?? DEFAULT_CRR_TIMING;
}

export type KillStage = 'preStop' | 'stopping';

/** How long a kill stage may take, and what that is made of (for the message when it is exceeded). */
export interface KillStageDeadline {
  readonly ms: number;
  /** The stage's own bound in seconds: the grace for the hook, the stop's grace for StopContainer. */
  readonly boundSeconds: number;
  readonly criDeadlineMs: number;
  readonly slackMs: number;
}

/**
 * A kill stage's deadline (contract §4.4). preStop: the ContainerStatus check (one CRI deadline)
 * and the hook, which the kill cuts at the grace. stopping: StopContainer, whose own CRI deadline
 * is the base plus its grace, and that grace is what the hook left, at least 2 s.
 */
export function killStageDeadline(stage: KillStage, graceSeconds: number, timing: CrrTiming): KillStageDeadline {
  const boundSeconds = stage === 'preStop' ? Math.max(0, graceSeconds) : Math.max(graceSeconds, MIN_STOP_GRACE_SECONDS);
  const ms = Math.min(boundSeconds * 1000 + timing.criDeadlineMs + KILL_DEADLINE_SLACK_MS, MAX_TIMER_MS);
  return { ms, boundSeconds, criDeadlineMs: timing.criDeadlineMs, slackMs: KILL_DEADLINE_SLACK_MS };
}

const PHASE_WEIGHT: Readonly<Record<CrrPhase, number>> = { Completed: 0, Recreating: 1, Pending: 2, '': 3 };

/** Whether the CRR still needs work: not being deleted and without a completionTime. */
export const isActive = (crr: CrrView): boolean => !crr.deleting && !crr.completed;

/**
 * Upstream's order: phase weight (Completed < Recreating < Pending < empty), then creation time.
 * Upstream's sort is not stable and creation times have second precision; the name breaks ties
 * here so the order is the same on every run and in replay.
 */
export function pickOrder(crrs: readonly CrrView[]): CrrView[] {
  return [...crrs].sort(
    (a, b) => PHASE_WEIGHT[a.phase] - PHASE_WEIGHT[b.phase] || a.createdAtMs - b.createdAtMs || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
}

export interface Pick {
  /** The first active CRR in pick order, or null. */
  readonly picked: CrrView | null;
  /** The other active CRRs whose phase is still empty: they are written `Pending`. */
  readonly toPending: readonly CrrView[];
}

/** Contract §4.3 step 1: the CRR to work on, and the ones to mark Pending. */
export function pickCrr(crrs: readonly CrrView[]): Pick {
  const active = pickOrder(crrs).filter(isActive);
  const [picked = null, ...rest] = active;
  return { picked, toPending: rest.filter((crr) => crr.phase === '') };
}

export type RuntimeChoice = { readonly ok: true; readonly runtimeName: string } | { readonly ok: false; readonly message: string };

/** kubelet's ContainerID.ParseString: trim quotes, split on `://` into exactly two parts (either may be empty). */
function containerIdScheme(raw: string): string | null {
  const parts = raw.replace(/^"+|"+$/g, '').split('://');
  return parts.length === 2 ? parts[0]! : null;
}

/**
 * Contract §4.3 step 4, as upstream's newRuntimeManager: every container needs a statusContext
 * ID, all IDs must share one scheme, and a runtime of that name must have been discovered. The
 * message is the inner text; the CRR's message wraps it with `runtimeNotFound`. An empty scheme
 * (`://x`) counts as no scheme, and a later non-empty one takes its place, as upstream does.
 */
export function chooseRuntime(containers: readonly CrrContainerSpec[], runtimeNames: readonly string[]): RuntimeChoice {
  let name = '';
  for (const c of containers) {
    const id = c.statusContext?.containerID ?? '';
    if (id === '') return { ok: false, message: noStatusContext(c.name) };
    const scheme = containerIdScheme(id);
    if (scheme === null) return { ok: false, message: unparsableContainerId(id, c.name, invalidContainerId(id)) };
    if (name === '') name = scheme;
    else if (scheme !== name) return { ok: false, message: differentRuntimeTypes(name, scheme) };
  }
  if (name === '') return { ok: false, message: NO_RUNTIME_TYPE };
  if (!runtimeNames.includes(name)) return { ok: false, message: runtimeServiceMissing(name) };
  return { ok: true, runtimeName: name };
}

export type UnreadyGrace =
  | { readonly kind: 'none' }
  /** The manager has not recorded the unready time yet: wait for an observation. */
  | { readonly kind: 'awaitTimestamp' }
  | { readonly kind: 'requeue'; readonly delayMs: number }
  | { readonly kind: 'unparsable'; readonly message: string }
  | { readonly kind: 'over' };

/** Contract §4.3 step 3: what the unready grace asks for at `nowMs`. */
export function unreadyGrace(crr: CrrView, nowMs: number): UnreadyGrace {
  const graceSeconds = crr.strategy.unreadyGracePeriodSeconds;
  if (graceSeconds === null) return { kind: 'none' };
  const text = crr.unreadyAcquiredAt ?? '';
  if (text === '') return { kind: 'awaitTimestamp' };
  const parsed = parseGoRfc3339(text);
  if (!parsed.ok) return { kind: 'unparsable', message: unreadyTimeUnparsable(text, parsed.error) };
  const leftMs = graceSeconds * 1000 - (nowMs - parsed.ms);
  return leftMs > 0 ? { kind: 'requeue', delayMs: leftMs + UNREADY_REQUEUE_SLACK_MS } : { kind: 'over' };
}

export type VersionOrder = 'older' | 'same' | 'newer' | 'incomparable';

const INTEGER = /^[0-9]+$/;

/** How resourceVersion `a` stands to `b`: compared as (arbitrarily long) integers when both are, else incomparable. */
export function compareResourceVersions(a: string, b: string): VersionOrder {
  if (!INTEGER.test(a) || !INTEGER.test(b)) return 'incomparable';
  const [x, y] = [a.replace(/^0+(?=.)/, ''), b.replace(/^0+(?=.)/, '')];
  if (x.length !== y.length) return x.length < y.length ? 'older' : 'newer';
  return x === y ? 'same' : x < y ? 'older' : 'newer';
}

/** The kill path's grace: strategy.terminationGracePeriodSeconds, 30 when absent. */
export function killGraceSeconds(crr: CrrView): number {
  return crr.strategy.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
}

/**
 * A kill's identity: `<crr uid>/<container name>/<runtime container ID>`. A CRR kills a container
 * instance at most once (a killed entry is Recreating or Failed from then on), so this names one
 * kill, the same in every run of it and in every incarnation of the pod's actor.
 */
export function killIdentity(crr: { readonly uid: string }, container: string, containerID: string): string {
  return `${crr.uid}/${container}/${containerID}`;
}
