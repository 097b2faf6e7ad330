// TEST DOUBLES of what kruise-manager (webhooks and controllers) does that kruise-daemon relies
// on, written straight into the fake API server's store (test/bed/apiserver). Each file says
// which upstream behaviour it follows (contract §3.1, §4.1, §5, §6.1, §7.2) and what it leaves out.
export {
  createCrr,
  crrWebhook,
  CRR_ANNOTATION_SYNC_STATUSES,
  CRR_LABEL_ACTIVE,
  CRR_LABEL_NODE_NAME,
  CRR_LABEL_POD_NAME,
  CRR_LABEL_POD_UID,
  CrrRejected,
  crrSnapshot,
  publishCrrSnapshot,
  sidecarTerminationCrr,
  type CrrInput,
  type CrrStrategy,
  type SnapshotEntry,
} from './crr.js';
export { startCrrController, type CrrController, type CrrControllerOptions } from './crr-controller.js';
export { managerExpectedHash } from './env-hash.js';
export {
  IN_PLACE_UPDATE_READY,
  IN_PLACE_UPDATE_STATE,
  kruisePod,
  notCompleted,
  RUNTIME_CONTAINERS_META,
  runtimeMetaOf,
  startInPlaceUpdateController,
  type InPlaceUpdate,
  type InPlaceUpdateController,
  type MetaEntryJson,
} from './in-place-update.js';
export { imagePullJobDefaults, imagePullJobStatusFrom, nodeImageFromImagePullJob, type ImagePullJobSpec, type ImagePullJobStatus } from './image-pull-job.js';
export { normalizeImageRef, type ImageNameTag } from './image-ref.js';
export { nodePodProbeFromMarker, type PodProbeMarkerLike } from './node-pod-probe.js';
export { DAEMON_CONFIG_NAMESPACE, syncJobPullSecrets, type ReferenceObject } from './pull-secrets.js';
export type { ManagerTarget } from './target.js';
