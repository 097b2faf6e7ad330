// Image pre-download (contract §3): the NodeImage-driven puller and its status and spec helpers.
export { createImagePuller, IMAGE_TAG_MACHINE, type ImagePuller, type ImagePullerOptions } from './puller.js';
export { persistedFinished, specTags, tagKey, type SpecTag } from './node-image.js';
export { SlotPool } from './slots.js';
export { nodeImageStatus, type NodeImageStatus } from './status.js';
export { authFromPullSecrets } from './auth.js';
export { StatusPublisher, UPSTREAM_BUDGET, type StatusWriteBudget } from './status-publisher.js';
export { writeUrgency, type WriteUrgency } from './write-urgency.js';
