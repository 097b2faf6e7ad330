// What the pod worker remembers per spec container between syncs, and how it turns into the
// view pod-status.ts reports from.
import type { ContainerStatus, CriClient } from '../../../adapters/cri/index.js';
import { probePasses } from './handlers.js';
import type { LivenessState } from './liveness.js';
import { terminatedFrom, type ContainerView } from './pod-status.js';
import type { ContainerJson, PodJson, ProbeJson, TerminatedJson } from './types.js';

export interface Slot {
  restartCount: number;
  /** The newest CRI container. */
  id?: string | undefined;
  /** The previous (dead) container, kept like kubelet's GC keeps one. */
  previousId?: string | undefined;
  cri?: ContainerStatus | undefined;
  lastTerminated?: TerminatedJson | undefined;
  waiting?: { reason: string; message?: string } | undefined;
  /** Earliest time of the next (re)start attempt; 0 = none scheduled. */
  retryAt: number;
  ready: boolean;
  nextProbeAt: number;
  /** Consecutive probe results: > 0 successes, < 0 failures. */
  probeStreak: number;
  /** The running container's liveness probe, when the spec has one. */
  liveness?: LivenessState | undefined;
}

export function newSlot(): Slot {
  return { restartCount: 0, retryAt: 0, ready: false, nextProbeAt: 0, probeStreak: 0 };
}

/** While backing off before a restart, kubelet shows the exited container as lastState. */
export function viewOf(slot: Slot, c: ContainerJson, runtimeName: string): ContainerView {
  const backingOff = slot.waiting?.reason === 'CrashLoopBackOff' && slot.cri !== undefined;
  return {
    name: c.name,
    image: c.image ?? '',
    cri: slot.cri,
    restartCount: slot.restartCount,
    lastTerminated: backingOff ? terminatedFrom(slot.cri!, runtimeName) : slot.lastTerminated,
    waiting: slot.waiting,
    ready: slot.ready,
  };
}

/** Folds one probe result into the slot with kubelet's success/failure thresholds; returns readiness. */
export function foldProbe(slot: Slot, probe: ProbeJson, ok: boolean): boolean {
  if (ok) slot.probeStreak = slot.probeStreak > 0 ? slot.probeStreak + 1 : 1;
  else slot.probeStreak = slot.probeStreak < 0 ? slot.probeStreak - 1 : -1;
  if (ok && slot.probeStreak >= (probe.successThreshold ?? 1)) return true;
  if (!ok && -slot.probeStreak >= (probe.failureThreshold ?? 3)) return false;
  return slot.ready;
}

/** Readiness of a running container: exec probes run every periodSeconds (after initialDelaySeconds); no probe, httpGet and tcpSocket count as passing. */
export async function readiness(cri: CriClient, signal: AbortSignal, slot: Slot, c: ContainerJson, now: number): Promise<boolean> {
  const probe = c.readinessProbe;
  if (!probe?.exec) return true;
  if (now < slot.nextProbeAt) return slot.ready;
  slot.nextProbeAt = now + (probe.periodSeconds ?? 10) * 1000;
  return foldProbe(slot, probe, await probePasses(cri, signal, slot.id!, probe));
}

/** kubelet's waiting state while an exited container waits for its restart. */
export function crashLoopBackOff(pod: PodJson, c: ContainerJson, backoffMs: number): { reason: string; message: string } {
  const { name, namespace, uid } = pod.metadata;
  return {
    reason: 'CrashLoopBackOff',
    message: `back-off ${Math.ceil(backoffMs / 1000)}s restarting failed container=${c.name} pod=${name}_${namespace}(${uid})`,
  };
}
