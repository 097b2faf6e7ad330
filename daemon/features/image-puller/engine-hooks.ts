// The image puller's part of the one engine: the two machines it owns (`imageTag`, one actor per
// tag version; `nodeImageStatus`, one per NodeImage), their live effects, and the puller's hooks:
// `onEmitted` (the tags' status entries, the status writes' outcomes), `onStep` (a finished tag's
// output) and `onStopped`. The daemon's wiring, the tests and the benchmarks build the feature
// through this one function, so they run what the daemon runs.
import { bindImagePull, type ImagePullEffectsDeps } from '../../../effects/image-pull/index.js';
import { imageTagMachine } from '../../../machines/image-pull/image-tag.machine.js';
import { nodeImageStatusMachine } from '../../../machines/image-pull/node-image-status.machine.js';
import type { FeatureWiring } from '../../engine-wiring.js';
import type { ImagePuller } from './puller.js';

/** Config ids of the machines the image puller binds and follows. */
export const IMAGE_PULLER_MACHINES: readonly string[] = [imageTagMachine.id, nodeImageStatusMachine.id];

/** The effects' dependencies the composition root gives; the puller supplies the status to write and the objects an Event is about. */
export type ImagePullerEffectsDeps = Omit<ImagePullEffectsDeps, 'statusSource' | 'subjects'>;

export function imagePullerWiring(
  puller: ImagePuller,
  deps: ImagePullerEffectsDeps,
  extra: { delays?: Record<string, number | (() => number)> } = {},
): FeatureWiring {
  return {
    machines: IMAGE_PULLER_MACHINES,
    bind: bindImagePull({ ...deps, statusSource: puller.statusSource, subjects: puller }, extra),
    onStep: puller.onStep,
    onStopped: puller.onStopped,
    onEmitted: puller.onEmitted,
  };
}
