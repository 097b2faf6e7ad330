// Container meta and InPlaceUpdateEnvFromMetadata (contract §7): the glue between the pod informer
// and the per-pod `containerMetaPod` actors, the view it reads pods into, and its wiring.
export {
  CONTAINER_META_KEY_PREFIX,
  containerMetaInput,
  containerMetaKey,
  createContainerMetaController,
  type ContainerMetaController,
  type ContainerMetaControllerOptions,
  type ContainerMetaControllerStats,
  type ContainerMetaHost,
} from './controller.js';
export { KRUISE_APPS_GROUP, metaPodView, passesFilter, SIDECARSET_HASH_ANNOTATION } from './views.js';
export { wireContainerMeta, type ContainerMetaWiringOptions, type WiredContainerMeta } from './wiring.js';
