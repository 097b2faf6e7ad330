// The CRI adapter: a typed runtime.v1 client over grpc-js (unix sockets on Linux, named pipes on
// Windows), endpoint parsing as kubelet does it, upstream's runtime discovery, and a closed error
// vocabulary.
export {
  createCriClient,
  KUBE_RUNTIME_API_VERSION,
  MAX_MESSAGE_BYTES,
  type CallOptions,
  type ContainerManager,
  type CriClient,
  type CriClientOptions,
  type ImageManagerService,
  type PodSandboxManager,
  type RuntimeVersioner,
} from './client.js';
export { DEFAULT_BASE_TIMEOUT_MS, defaultDeadlineMs, type CriMethodName } from './deadlines.js';
export {
  DEFAULT_HOST_RUN_DIR,
  DEFAULT_WINDOWS_ENDPOINT,
  discoverRuntimes,
  existingCandidates,
  linuxRuntimeCandidates,
  windowsRuntimeCandidates,
  type DiscoveredRuntime,
  type Discovery,
  type DiscoverOptions,
  type RejectedCandidate,
  type RuntimeCandidate,
} from './discovery.js';
export type { LinuxEndpointOptions as LinuxCandidateOptions } from '../platform/endpoints.js';
export { grpcTarget, parseCriEndpoint, type EndpointPlatform, type ParsedEndpoint, type PipeResolver } from './endpoint.js';
export { CRI_ERROR_RETRYABLE, CriError, criErrorType, toCriError, type CriErrorInit, type CriErrorType } from './errors.js';
export { loadCriPackage, PROTO_LOADER_OPTIONS } from './proto.js';
export { lookupRuntime, parseKubeContainerId, type KubeContainerId, type RuntimeLookup } from './runtime-lookup.js';
export type * from './types.js';
export {
  createContentProgressReader,
  PullProgress,
  watchPullProgress,
  type ContentProgressReader,
  type ContentProgressReaderOptions,
  type ContentSnapshot,
  type IngestStatus,
  type Progress,
  type WatchPullProgressOptions,
} from './content-progress.js';
