// Effects of the image puller: the imageTag machine's CRI calls, with real pull progress.
export { bindImageTag, imageTagEffects, type ImageTagEffectsDeps } from './image-tag.effects.js';
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
