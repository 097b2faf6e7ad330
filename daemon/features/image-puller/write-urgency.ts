// How soon a NodeImage status change must reach the API server: the class the puller tells its
// nodeImageStatus actor (which decides the timing and keeps the budget), so the puller reports real
// progress without writing more often than upstream does (contract §3.6: upstream writes when its
// status changes, at most every 3–5 s while tags are unfinished, within 0.5 writes/s burst 5, and
// its status only changes when a tag appears and when it finishes):
//   - `settle`: nothing is Waiting or Pulling any more (the last tag finished, or tags went away
//     with nothing left in flight): written at once, and it may take the last token;
//   - `announce`: a tag version the API server has no entry for yet (the manager fails tags that
//     stay silent for 10 minutes): written within a moment (a burst of spec changes shares the
//     write) when a token is spare, else as soon as one is;
//   - `finish`: a tag reached Succeeded or Failed while others still pull: held a few seconds so
//     the tags that finish close together share one write, then written with any token;
//   - `refresh`: progress, Waiting → Pulling, a tag dropped while others pull, or the object
//     showing another status than ours (someone else wrote it): written on the progress cadence
//     and only with a spare token, so it never takes the token a terminal write needs.
import { jsonEqual } from '../../../adapters/kube/index.js';
import type { ImageTagStatus } from '../../../machines/image-pull/types.js';
import type { WriteUrgency } from '../../../machines/image-pull/write-budget.js';
import type { NodeImageStatus } from './status.js';

export type { WriteUrgency } from '../../../machines/image-pull/write-budget.js';

const entries = (status: NodeImageStatus | undefined): Map<string, ImageTagStatus> => {
  const out = new Map<string, ImageTagStatus>();
  for (const [image, { tags }] of Object.entries(status?.imageStatuses ?? {})) for (const t of tags) out.set(`${image}\u0000${t.tag}\u0000${t.version}`, t);
  return out;
};

const terminal = (t: ImageTagStatus | undefined): boolean => t?.phase === 'Succeeded' || t?.phase === 'Failed';

/**
 * `desired` against `landed` (the last status known to be in the API server) and `observed` (the
 * status on the object the informer last showed).
 */
export function writeUrgency(desired: NodeImageStatus, landed: NodeImageStatus | undefined, observed: unknown): WriteUrgency {
  if (jsonEqual(desired, landed)) return jsonEqual(desired, observed) ? 'none' : 'refresh';
  if (desired.pulling + desired.waiting === 0) return 'settle';
  const before = entries(landed);
  let finished = false;
  for (const [key, entry] of entries(desired)) {
    const was = before.get(key);
    if (!was) return 'announce';
    if (terminal(entry) && !terminal(was)) finished = true;
  }
  return finished ? 'finish' : 'refresh';
}
