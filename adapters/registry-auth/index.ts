// Registry credentials for image pulls, kubelet-keyring style (contract §3.5): pull-secret
// parsing, the keyring and its matching rules, the attempt order, and log redaction; and, with
// the same credentials, the platforms an image's index offers (read before pulling on Windows).
export {
  DOCKERCFG_KEY,
  DOCKER_CONFIG_JSON_KEY,
  SECRET_TYPE_DOCKERCFG,
  SECRET_TYPE_DOCKER_CONFIG_JSON,
  isDockerConfigSecretType,
  parsePullSecret,
  parsePullSecrets,
  secretRef,
  type DockerConfigEntry,
  type PullSecretLike,
} from './docker-config.js';
export {
  BadPullSecretError,
  ImageReferenceError,
  RegistryAuthError,
  type BadSecretReason,
  type RegistryAuthErrorType,
} from './errors.js';
export { DEFAULT_DOMAIN, normaliseRepository, parseRepository, type RepositoryName } from './image-ref.js';
export {
  DEFAULT_REGISTRY_KEY,
  Keyring,
  isDefaultRegistryMatch,
  keyringKey,
  type AddResult,
  type AuthConfig,
  type KeyringLike,
} from './keyring.js';
export { globMatch, parseSchemelessUrl, urlsMatchStr, type SchemelessUrl } from './url-match.js';
export { keyringFromSecrets } from './from-secrets.js';
export { pullAttempts, type PullAttemptOptions, type PullAttemptPlan } from './attempts.js';
export { REDACTED, redactAuth, type AuthConfigFields, type RedactedAuthConfig } from './redact.js';
export {
  imagePlatforms,
  parseChallenge,
  registryLocation,
  type ImagePlatformsOptions,
  type PlatformsLookup,
  type RegistryCredential,
} from './image-platforms.js';
