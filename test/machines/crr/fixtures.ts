// Builders for CRR views, pods and runtime containers in the shapes the glue and effects produce.
import type { CrrContainerSpec, CrrStrategyView, CrrView, PodView, RuntimeContainer } from '../../../machines/crr/types.js';

/** 2026-03-01T00:00:00Z: "now" in most tests. */
export const T0 = Date.UTC(2026, 2, 1);

/** metav1.Time's text for epoch ms (whole seconds, UTC). */
export const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export const POD_UID = 'pod-uid-1';

export function spec(name: string, containerID: string | null = `containerd://${name}-1`, restartCount = 0): CrrContainerSpec {
  return { name, preStop: null, ports: [], statusContext: containerID === null ? null : { containerID, restartCount } };
}

export function strategy(overrides: Partial<CrrStrategyView> = {}): CrrStrategyView {
  return {
    failurePolicy: 'Fail',
    orderedRecreate: false,
    forceRecreate: false,
    terminationGracePeriodSeconds: null,
    unreadyGracePeriodSeconds: null,
    minStartedSeconds: 0,
    ...overrides,
  };
}

export function crr(name: string, overrides: Partial<CrrView> = {}): CrrView {
  return {
    name,
    uid: `uid-${name}`,
    resourceVersion: '100',
    createdAtMs: T0 - 60_000,
    deleting: false,
    completed: false,
    podUid: POD_UID,
    phase: '',
    containers: [spec('app')],
    strategy: strategy(),
    states: [],
    snapshot: null,
    unreadyAcquiredAt: null,
    ...overrides,
  };
}

export function pod(overrides: Partial<PodView> = {}): PodView {
  return { uid: POD_UID, restartPolicy: 'Always', phase: 'Running', ...overrides };
}

export function running(name: string, containerID = `containerd://${name}-1`, restartCount = 0, startedAtMs = T0 - 3_600_000): RuntimeContainer {
  return { name, containerID, state: 'running', restartCount, createdAtMs: startedAtMs - 1000, startedAtMs, exit: null };
}

export function exited(name: string, code: number, text: string, containerID = `containerd://${name}-1`, restartCount = 0): RuntimeContainer {
  return { ...running(name, containerID, restartCount), state: 'exited', exit: { code, text } };
}
