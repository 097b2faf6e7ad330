// Effects of the CRR feature: the crrPod machine's CRI reads, the kill path (shared with the
// container-meta restarter), the CRR status writes through the CRR writer, and the CRR workers.
export { bindCrrPod, crrKillSpec, crrPodEffects, type CrrCri, type CrrPodEffectsDeps } from './crr-pod.effects.js';
export {
  EVENT_WAIT_MS,
  killContainer,
  MIN_GRACE_SECONDS,
  type EventSink,
  type KillCri,
  type KillDeps,
  type KillHooks,
  type KillOutcome,
  type KillResume,
  type KillSpec,
} from './kill-container.js';
export { ANNOTATION_RESTART_COUNT, LABEL_CONTAINER_NAME, LABEL_POD_UID, readPodContainers, type PodContainersCri } from './pod-containers.js';
export {
  exitedWith,
  hookFailure,
  LIFECYCLE_USER_AGENT,
  runPreStop,
  type HookFailure,
  type PreStopCri,
  type PreStopPlatform,
  type PreStopResult,
  type PreStopTarget,
} from './pre-stop.js';
export { CrrWorkers, type WorkerLease } from './workers.js';
