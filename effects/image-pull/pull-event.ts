// The `recordPullEvent` effect of the imageTag machine: PullImageSucceed (Normal, to the NodeImage)
// or PullImageFailed (Warning, to each owner of the tag, then to the NodeImage), with upstream's
// messages (contract §3.6). One `record` call on the EventRecorder per involved object; the
// recorder queues and never blocks, so the effect ends as soon as the log is durable. The objects
// come from the puller's newest observation (`subjects`): the NodeImage as observed, and the
// tag's ownerReferences (ImagePullJobs) when it failed. The input's `identity` is stable across
// crashes; the Event is at most once today (the machine does not repeat an effect a crash
// interrupted), and a name derived from `identity` would make a repeat the same Event.
import { EVENT_COMPONENTS, EVENT_REASONS, eventMessages, type EventRecorder, type InvolvedObject } from '../../adapters/kube/index.js';
import type { PullEventInput, PullEventOutput } from '../../machines/image-pull/types.js';
import { durablePromise, type DurabilityBarrier } from '../durable.js';

/** The objects one pull Event is about. */
export interface PullEventSubjects {
  /** This node's NodeImage, and (for a failure) the tag's owners, as last observed. */
  subjectsOf(input: PullEventInput): { readonly nodeImage: InvolvedObject; readonly owners: readonly InvolvedObject[] };
}

export interface PullEventDeps {
  readonly events: Pick<EventRecorder, 'record'>;
  readonly subjects: PullEventSubjects;
  readonly barrier: DurabilityBarrier;
}

export function recordPullEvent(deps: PullEventDeps) {
  return durablePromise<PullEventOutput, PullEventInput>(deps.barrier, async (input) => {
    const component = EVENT_COMPONENTS.imagePuller;
    const { nodeImage, owners } = deps.subjects.subjectsOf(input);
    if (input.outcome === 'Succeeded') {
      const message = eventMessages.pullImageSucceed(input.name, input.tag, input.elapsedMs);
      deps.events.record(component, nodeImage, 'Normal', EVENT_REASONS.pullImageSucceed, message);
      return { recorded: 1 };
    }
    const message = eventMessages.pullImageFailed(input.name, input.tag, input.message);
    for (const owner of owners) deps.events.record(component, owner, 'Warning', EVENT_REASONS.pullImageFailed, message);
    deps.events.record(component, nodeImage, 'Warning', EVENT_REASONS.pullImageFailed, message);
    return { recorded: owners.length + 1 };
  });
}
