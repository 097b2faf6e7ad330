// The `recordPullEvent` effect of the imageTag machine: PullImageSucceed (Normal, to the NodeImage)
// or PullImageFailed (Warning, to each owner of the tag, then to the NodeImage), with upstream's
// messages (contract §3.6). One Event per involved object, each written exactly once: the input's
// `identity` is the same for the same outcome live, replayed and after a crash, and each Event is
// named from it (EventRecorder.recordOnce), so the run a crash repeats writes the same objects and
// the API server's 409 says they are there. The effect resolves once every Event is written (or
// dropped on purpose), so the machine leaves `recording` only then. The objects come from the
// puller's view (`subjects`, ready once the NodeImage informer has answered, so a run right after
// a restart waits for it): the NodeImage as observed, and the tag's ownerReferences
// (ImagePullJobs) when it failed.
import { EVENT_COMPONENTS, EVENT_REASONS, eventMessages, type EventRecorder, type InvolvedObject } from '../../adapters/kube/index.js';
import type { PullEventInput, PullEventOutput } from '../../machines/image-pull/types.js';
import { durablePromise, type DurabilityBarrier } from '../durable.js';

/** The objects one pull Event is about. */
export interface PullEventSubjects {
  /** This node's NodeImage, and (for a failure) the tag's owners, as last observed; may wait for the first observation. */
  subjectsOf(
    input: PullEventInput,
  ):
    | { readonly nodeImage: InvolvedObject; readonly owners: readonly InvolvedObject[] }
    | Promise<{ readonly nodeImage: InvolvedObject; readonly owners: readonly InvolvedObject[] }>;
}

export interface PullEventDeps {
  readonly events: Pick<EventRecorder, 'recordOnce'>;
  readonly subjects: PullEventSubjects;
  readonly barrier: DurabilityBarrier;
}

export function recordPullEvent(deps: PullEventDeps) {
  return durablePromise<PullEventOutput, PullEventInput>(deps.barrier, async (input) => {
    const component = EVENT_COMPONENTS.imagePuller;
    const { nodeImage, owners } = await deps.subjects.subjectsOf(input);
    const once = (involved: InvolvedObject, type: 'Normal' | 'Warning', reason: string, message: string) =>
      deps.events.recordOnce(input.identity, component, involved, type, reason, message);
    if (input.outcome === 'Succeeded') {
      await once(nodeImage, 'Normal', EVENT_REASONS.pullImageSucceed, eventMessages.pullImageSucceed(input.name, input.tag, input.elapsedMs));
      return { recorded: 1 };
    }
    const message = eventMessages.pullImageFailed(input.name, input.tag, input.message);
    await Promise.all([...owners, nodeImage].map((involved) => once(involved, 'Warning', EVENT_REASONS.pullImageFailed, message)));
    return { recorded: owners.length + 1 };
  });
}
