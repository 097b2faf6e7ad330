// ContainerRecreateRequests (contract §4, §5): the glue between the CRR and pod informers and the
// per-pod `crrPod` actors, and the views it reads CRRs and pods into.
export {
  createCrrController,
  crrPodInput,
  type CrrController,
  type CrrControllerOptions,
  type CrrControllerStats,
  type CrrHost,
} from './controller.js';
export { CrrGroups, PodIndex } from './groups.js';
export {
  byCreation,
  CRR_POD_UID_LABEL,
  CRR_SYNC_STATUSES_ANNOTATION,
  CRR_UNREADY_ACQUIRED_ANNOTATION,
  crrPodKey,
  crrVersionOf,
  crrView,
  isActiveCrr,
  podView,
  PRE_RECREATE_GRACE_CONDITION,
  type CrrReading,
} from './views.js';
