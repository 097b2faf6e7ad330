// The kube adapter: supervised informers as RxJS Observables of level-triggered observations,
// API discovery, a coalescing and rate-limited status writer, the CRR status writer, an Events recorder with
// upstream's shapes, a one-namespace secrets reader, the pod annotation writer (pods/status), and the client factory with upstream's
// user agents. It sends requests with node:http/https and reads the service account or a
// kubeconfig file itself; client-node's KubeConfig module (the generated API, ~45 MiB) is loaded
// lazily, only for kubeconfig files needing exec plugins, auth providers or proxies.
export { Backoff, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
export {
  CONTROLLER_NAMES,
  DAEMON_USER_AGENT,
  kubeClients,
  kubeClientsFrom,
  kubeconfigCredentials,
  type KubeClientOptions,
  type KubeClients,
} from './clients.js';
export {
  CrrStatusWriter,
  upstreamState,
  type CrrContainerState,
  type CrrStatusWrite,
  type CrrStatusWriterOptions,
  type CrrWriteResult,
} from './crr-status-writer.js';
export { chooseKruiseVersions, kruiseServedResources, serverVersion, type KruiseVersions, type ServerVersion } from './discovery.js';
export { KUBE_ERROR_RETRYABLE, KubeApiError, kubeErrorType, type KubeErrorType } from './errors.js';
export {
  containerFieldPath,
  EVENT_COMPONENTS,
  EVENT_REASONS,
  eventMessages,
  goDuration,
  involvedObjectOf,
  type EventComponent,
  type EventType,
  type InvolvedObject,
} from './event-catalog.js';
export { EMISSION_ANNOTATION, emissionEventName, EventRecorder, type EmissionOutcome, type EventRecorderOptions, type EventRecorderStats } from './events.js';
export { inClusterAuth, isInCluster, SERVICE_ACCOUNT_DIR, type InClusterOptions } from './in-cluster.js';
export { kubeconfigAuth, type KubeconfigCredentials } from './kubeconfig.js';
export {
  Informer,
  watchResource,
  type InformerState,
  type InformerStats,
  type Observation,
  type RestartReason,
  type WatchResourceOptions,
} from './informer.js';
export { silentLogger, type KubeLogger } from './log.js';
export { applyMergePatch, jsonEqual, objectKey, type KubeObject, type ObjectMeta } from './objects.js';
export { PodAnnotationWriter, type PodAnnotationWriterOptions } from './pod-annotation-writer.js';
export {
  apiVersionOf,
  collectionPath,
  CRR_ACTIVE_LABEL,
  CRR_NODE_NAME_LABEL,
  crrInformer,
  crrKind,
  crrLabelSelector,
  crrRef,
  eventKind,
  KRUISE_GROUP,
  nodeImageInformer,
  nodeImageKind,
  nodeImageRef,
  nodePodProbeInformer,
  nodePodProbeKind,
  nodePodProbeRef,
  objectPath,
  podInformer,
  podKind,
  podRef,
  secretKind,
  type KruiseVersion,
  type ObjectRef,
  type ResourceKind,
} from './resources.js';
export { DEFAULT_CONFIG_NAMESPACE, SecretsReader, type KubeSecret, type SecretLookup, type SecretsReaderOptions, type SecretsReaderStats } from './secrets.js';
export {
  StatusWriter,
  UPSTREAM_STATUS_LIMITS,
  type KindLimit,
  type StatusShape,
  type StatusWriterOptions,
  type StatusWriterStats,
  type WriteOutcome,
} from './status-writer.js';
export { TokenBucket } from './token-bucket.js';
export { KubeTransport, type KubeAuthSource, type KubeMethod, type KubeRequest, type KubeResponse, type TransportOptions } from './transport.js';
