// Effects of the container-meta feature: the runtime read (no exec where the runtime gives the OCI
// spec), the annotation patch, and the restarter on the shared kill path; kubelet's container
// labels and annotations read back.
export { bindContainerMeta, containerMetaEffects, type ContainerMetaCri, type ContainerMetaEffectsDeps } from './container-meta.effects.js';
export { graceOf, killSpecFromContainer, plainHashOf, portsOf, preStopOf, restartCountOf } from './kubelet-annotations.js';
export { readPodRuntime, type ReadRuntimeCri, type ReadRuntimePlatform } from './read-pod-runtime.js';
export { restartContainers, type RestartCri, type RestartDeps } from './restart-containers.js';
