// A kubelet simulator for tests (a test double; see sim.ts for what it does and does not do),
// and the kubelet encodings it reproduces.
export { startKubeletSim, type KubeletSim, type KubeletSimOptions } from './sim.js';
export { startDaemonSetController, templateHash, type DaemonSetController, type DaemonSetControllerOptions } from './daemonset.js';
export { SERVICE_ACCOUNT_MOUNT, type NodeEnvironment, type ProbeResult } from './node-environment.js';
export { restClient, RestError, type RestClient } from './rest.js';
export {
  ANNOTATION_DELETION_GRACE,
  ANNOTATION_HASH,
  ANNOTATION_PORTS,
  ANNOTATION_PRESTOP,
  ANNOTATION_RESTART_COUNT,
  ANNOTATION_TERMINATION_GRACE,
  ANNOTATION_TERMINATION_MESSAGE_PATH,
  ANNOTATION_TERMINATION_MESSAGE_POLICY,
  LABEL_CONTAINER_NAME,
  LABEL_POD_NAME,
  LABEL_POD_NAMESPACE,
  LABEL_POD_UID,
  containerAnnotations,
  containerLabels,
  withApiDefaults,
} from './container-config.js';
export { containerHash, containerPortsJson, deepHashBytes, goJson, lifecycleHandlerJson } from './go-encoding.js';
export { podPhase } from './pod-status.js';
export type * from './types.js';
export { waitUntil } from './wait.js';
