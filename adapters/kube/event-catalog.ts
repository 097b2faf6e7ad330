// The events upstream's daemon emits (contract §1.7): source components, reasons, types and
// message shapes, spelled exactly as kruise-manager users see them, and the involvedObject
// references they point at.
import type { KubeObject } from './objects.js';

export const EVENT_COMPONENTS = {
  imagePuller: 'kruise-daemon-imagepuller',
  crr: 'kruise-daemon-crr',
  podProbe: 'kruise-daemon-podprobe',
  containerMeta: 'kruise-daemon-containermeta',
} as const;
export type EventComponent = (typeof EVENT_COMPONENTS)[keyof typeof EVENT_COMPONENTS];

export type EventType = 'Normal' | 'Warning';

export const EVENT_REASONS = {
  pullImageSucceed: 'PullImageSucceed',
  pullImageFailed: 'PullImageFailed',
  killing: 'Killing',
  failedPreStopHook: 'FailedPreStopHook',
  /** kubelet's handler runner: an HTTPS hook answered in plain HTTP succeeded when sent again over HTTP. */
  lifecycleHttpFallback: 'LifecycleHTTPFallback',
  probeSucceeded: 'KruiseProbeSucceeded',
  probeFailed: 'KruiseProbeFailed',
} as const;

/** core/v1 ObjectReference as client-go's ref.GetReference builds it. */
export interface InvolvedObject {
  readonly kind: string;
  readonly apiVersion?: string;
  readonly name: string;
  /** Absent for cluster-scoped objects: their events go to namespace `default`. */
  readonly namespace?: string;
  readonly uid?: string;
  readonly resourceVersion?: string;
  readonly fieldPath?: string;
}

/** The reference to an object as observed (apiVersion and kind must be set, as observations do). */
export function involvedObjectOf(obj: KubeObject, fieldPath?: string): InvolvedObject {
  const m = obj.metadata ?? {};
  return {
    kind: obj.kind ?? '',
    ...(obj.apiVersion ? { apiVersion: obj.apiVersion } : {}),
    name: m.name ?? '',
    ...(m.namespace ? { namespace: m.namespace } : {}),
    ...(m.uid ? { uid: m.uid } : {}),
    ...(m.resourceVersion ? { resourceVersion: m.resourceVersion } : {}),
    ...(fieldPath ? { fieldPath } : {}),
  };
}

/** kubelet's field path for a container of a pod. */
export const containerFieldPath = (container: string): string => `spec.containers{${container}}`;

export const eventMessages = {
  /** The misspelling "ecalpsedTime" is upstream's; the duration is Go's time.Duration text. */
  pullImageSucceed: (image: string, tag: string, elapsedMs: number) => `Image ${image}:${tag}, ecalpsedTime ${goDuration(elapsedMs)}`,
  pullImageFailed: (image: string, tag: string, error: string) => `Image ${image}:${tag} ${error}`,
  crrKilling: (container: string, crr: string) => `Stopping container ${container} by ContainerRecreateRequest ${crr}`,
  /** `containerId` in `<runtime>://<id>` form. */
  containerMetaKilling: (containerId: string) => `Stopping containerID ${containerId} by container meta restarter`,
};

/** Go's `time.Duration.String()` for a duration in milliseconds (nanosecond resolution), e.g. `1m2.5s`, `350ms`. */
export function goDuration(ms: number): string {
  let ns = Math.round(ms * 1e6);
  if (ns === 0) return '0s';
  const sign = ns < 0 ? '-' : '';
  ns = Math.abs(ns);
  const frac = (value: number, digits: number) => {
    const whole = Math.floor(value / 10 ** digits);
    const rest = String(value % 10 ** digits)
      .padStart(digits, '0')
      .replace(/0+$/, '');
    return rest ? `${whole}.${rest}` : String(whole);
  };
  if (ns < 1e3) return `${sign}${ns}ns`;
  if (ns < 1e6) return `${sign}${frac(ns, 3)}µs`;
  if (ns < 1e9) return `${sign}${frac(ns, 6)}ms`;
  const hours = Math.floor(ns / 3.6e12);
  const minutes = Math.floor((ns % 3.6e12) / 6e10);
  const seconds = frac(ns % 6e10, 9);
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${sign}${minutes}m${seconds}s`;
  return `${sign}${seconds}s`;
}
