// Effects of the image puller: the imageTag machine's CRI calls with real pull progress and its
// Event, and the nodeImageStatus machine's status write.
export { bindImagePull, imageTagEffects, type ImagePullEffectsDeps, type ImageTagEffectsDeps } from './image-tag.effects.js';
export { recordPullEvent, type PullEventDeps, type PullEventSubjects } from './pull-event.js';
export { writeNodeImageStatus, type NodeImageStatusSource, type StatusWriteDeps } from './status-write.js';
export { watchOwnIngests } from './progress.js';
export { imagePlatformCheck, type PlatformCheckDeps } from './platform-check.js';
export {
  aggregateMessage,
  credentialsOf,
  noAuth,
  pullAttempt,
  unavailableSecretsNote,
  type AuthFor,
  type AuthLookup,
  type PullAttempt,
  type PullOutcome,
} from './pull-attempt.js';
