// Per-call gRPC deadlines, as upstream's CRI clients set them (contract §2.2, windows.md §2.5):
// - runtime and image metadata calls: the base timeout (kruise passes 5 s to k8s.io/cri-client);
// - StopContainer: base + the grace seconds in the request;
// - ExecSync: base + the exec timeout, and no deadline at all when the timeout is 0 (run forever);
// - PullImage: no deadline; only the caller's signal ends it (cri-client remote_image.go,
//   kruise imageruntime/cri.go).
// A deadline is a duration in milliseconds from the moment the call starts; `null` means none.

export const DEFAULT_BASE_TIMEOUT_MS = 5_000;

export type CriMethodName =
  | 'Version'
  | 'RunPodSandbox'
  | 'StopPodSandbox'
  | 'RemovePodSandbox'
  | 'PodSandboxStatus'
  | 'ListPodSandbox'
  | 'CreateContainer'
  | 'StartContainer'
  | 'StopContainer'
  | 'RemoveContainer'
  | 'ListContainers'
  | 'ContainerStatus'
  | 'ExecSync'
  | 'ListImages'
  | 'ImageStatus'
  | 'PullImage'
  | 'RemoveImage'
  | 'ImageFsInfo';

function seconds(value: unknown): number {
  const n = typeof value === 'string' ? Number(value) : typeof value === 'number' ? value : 0;
  return Number.isFinite(n) && n > 0 ? n : 0;
}

/** The deadline, in ms from call start, upstream would give `method` with `request`; null = none. */
export function defaultDeadlineMs(method: CriMethodName, request: unknown, baseMs = DEFAULT_BASE_TIMEOUT_MS): number | null {
  const timeout = typeof request === 'object' && request !== null ? (request as { timeout?: unknown }).timeout : undefined;
  switch (method) {
    case 'PullImage':
      return null;
    case 'StopContainer':
      return baseMs + seconds(timeout) * 1000;
    case 'ExecSync': {
      const s = seconds(timeout);
      return s === 0 ? null : baseMs + s * 1000;
    }
    default:
      return baseMs;
  }
}
