// Observations merged with the actor's own annotation write. Upstream waits up to 30 s for the
// informer to show the resourceVersion of its own patch (a resourceVersion expectation) before it
// syncs the pod again; here the view simply keeps the annotation the actor wrote while an
// observation is older than that write, so a stale cached copy can neither trigger a sync nor
// undo the write, and nothing has to wait.
import { compareResourceVersions } from '../crr/policy.js';
import type { ContainerMetaPodContext } from './context.js';
import type { MetaPodView } from './types.js';

export interface MergedObservation {
  readonly pod: MetaPodView;
  readonly written: ContainerMetaPodContext['written'];
}

export function mergeObserved(context: Pick<ContainerMetaPodContext, 'pod' | 'written'>, observed: MetaPodView): MergedObservation {
  const w = context.written;
  if (w === null || observed.meta === w.value || (context.pod !== null && context.pod.uid !== observed.uid)) return { pod: observed, written: null };
  if (compareResourceVersions(observed.resourceVersion, w.resourceVersion) === 'older') return { pod: { ...observed, meta: w.value }, written: w };
  return { pod: observed, written: null };
}
