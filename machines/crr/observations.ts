// The machine's view of the pod's CRRs: level-triggered observations merged with the actor's own
// writes. Upstream's expectations (contract §4.2) make a worker skip a cached copy older than its
// last write for up to 10 s; here the view simply keeps what the actor wrote while an observation
// is older than that write, so nothing has to wait and nothing regresses.
import { compareResourceVersions } from './policy.js';
import type { CrrStatusWrite, CrrView, WriteCrrStatusOutput } from './types.js';

export type Expectations = Record<string, { readonly uid: string; readonly resourceVersion: string }>;

export interface CrrsView {
  readonly crrs: CrrView[];
  readonly expectations: Expectations;
}

/**
 * Takes an observation as the new view. A CRR whose observed resourceVersion is older than the one
 * this actor's last write returned (same uid; integers compared as integers, anything else taken as
 * is) keeps the status the actor wrote: phase, states and completion. A CRR missing from the
 * observation is gone from the active set, and so is its expectation.
 */
export function mergeObservation(current: CrrsView, observed: readonly CrrView[]): CrrsView {
  const expectations: Expectations = {};
  const crrs = observed.map((seen) => {
    const expected = current.expectations[seen.name];
    const local = current.crrs.find((c) => c.name === seen.name);
    if (expected === undefined || local === undefined || expected.uid !== seen.uid) return seen;
    if (compareResourceVersions(seen.resourceVersion, expected.resourceVersion) !== 'older') return seen;
    expectations[seen.name] = expected;
    return { ...seen, resourceVersion: local.resourceVersion, phase: local.phase, states: local.states, completed: local.completed };
  });
  return { crrs, expectations };
}

/** The view after `writeCrrStatus` did `writes`: each applied to its CRR, and each returned resourceVersion expected. */
export function applyWrites(current: CrrsView, writes: readonly CrrStatusWrite[], output: WriteCrrStatusOutput): CrrsView {
  const crrs = current.crrs.map((crr) => {
    let next = crr;
    for (const write of writes) {
      if (write.name !== crr.name) continue;
      if (write.kind === 'phase') next = { ...next, phase: write.phase };
      else if (write.kind === 'states') next = { ...next, states: write.states };
      else next = { ...next, phase: 'Completed', completed: true };
    }
    return next;
  });
  const expectations: Expectations = { ...current.expectations };
  for (const { name, resourceVersion } of output.results) {
    const index = crrs.findIndex((c) => c.name === name);
    if (resourceVersion === null || index < 0) continue;
    crrs[index] = { ...crrs[index]!, resourceVersion };
    expectations[name] = { uid: crrs[index]!.uid, resourceVersion };
  }
  return { crrs, expectations };
}
