// Image pre-download (contract §3): the NodeImage-driven puller, its engine hooks, and its status and spec helpers.
export { createImagePuller, type ImagePuller, type ImagePullerOptions } from './puller.js';
export { IMAGE_PULLER_MACHINES, imagePullerWiring, type ImagePullerEffectsDeps } from './engine-hooks.js';
export { persistedFinished, persistedFinishedIndex, specTags, tagKey, type SpecTag } from './node-image.js';
export { SlotPool } from './slots.js';
export { nodeImageStatus, type NodeImageStatus } from './status.js';
export { authFromPullSecrets } from './auth.js';
export { StatusPublisher, statusActorKey, UPSTREAM_BUDGET, type ActorPort, type StatusWriteBudget } from './status-publisher.js';
export { writeUrgency, type WriteUrgency } from './write-urgency.js';
