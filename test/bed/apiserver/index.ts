// A fake Kubernetes API server for tests: plain HTTP on 127.0.0.1 speaking the real REST
// protocol (discovery, list/watch with resourceVersion semantics, status subresources,
// merge/strategic/JSON patch, Status errors), so the real @kubernetes/client-node talks to it
// unchanged. See README.md in this directory for behaviour and known deviations.
export { startFakeApiServer, type FakeApiServer, type FakeApiServerOptions, type Identity } from './server.js';
export {
  clusterResources,
  clusterRoleBindings,
  clusterRoles,
  controllerRevisions,
  daemonSets,
  nodes,
  roleBindings,
  roles,
  serviceAccounts,
} from './resources-cluster.js';
export { FakeStore, type AdminEvent, type ListFilter } from './store.js';
export { AdmissionDenied, type CreateAdmission } from './rest-write.js';
export { Faults, RequestLog, type FailureSpec, type RequestMatch, type RequestRecord } from './faults.js';
export { ApiError, type Status } from './errors.js';
export {
  authorizerFromRules,
  authorizerFromStore,
  kruiseDaemonRules,
  serviceAccountSubject,
  type AuthorizationAttributes,
  type Authorizer,
  type PolicyRule,
  type RbacSubject,
} from './rbac.js';
export { Registry } from './registry.js';
export {
  containerRecreateRequests,
  defaultResources,
  events,
  groupResource,
  imagePullJobs,
  namespaces,
  nodeImages,
  nodePodProbes,
  pods,
  secrets,
  type PatchMeta,
  type ResourceDef,
} from './resources.js';
export { defaultVersionInfo, type VersionInfo } from './discovery.js';
export type { CloseMode } from './watch.js';
export type { KubeObject, ObjectMeta, ObjectRef, Verb } from './types.js';
