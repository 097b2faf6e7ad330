// When upstream's containermeta controller looks at a pod again (contract §7.1, eventFilter and
// enqueue in pkg/daemon/containermeta/container_meta_controller.go), as a pure function of the
// previous and the new view of the pod. The filter itself (a kruise workload owns the pod, or a
// SidecarSet injected it) is the glue's: only pods that pass it have an actor.
//
// Differences from upstream, each on purpose:
// - Upstream pairs status entry i with annotation entry i and with spec container i. kubelet
//   sorts container statuses by name while the spec keeps its own order, so with two containers
//   out of alphabetical order upstream compares a container's expected hash with another
//   container's entry and keeps syncing (or misses a change). Here entries and spec containers are
//   found by the status entry's name.
// - Upstream's enqueue waits 1 s; the actor starts its pass at once (a pass that runs while more
//   changes arrive is followed by another, so nothing is lost by not waiting).
import { expectedHashOf } from './env-hash.js';
import { metaSetOf } from './meta-set.js';
import type { MetaPodView } from './types.js';

/** The hash the manager expects for the container with this name ('0'-free decimal text), or undefined when the spec has no such container. */
export function expectedHashFor(pod: MetaPodView, name: string): string | undefined {
  const spec = pod.containers.find((c) => c.name === name);
  return spec === undefined ? undefined : String(expectedHashOf(spec.env, pod));
}

/** Upstream's eventFilter after the ownership check: does this change call for a sync? */
function changed(old: MetaPodView | null, pod: MetaPodView, envFromMetadata: boolean): boolean {
  if (old !== null && old.containers.length !== pod.containers.length) return true;
  const set = metaSetOf(pod.meta);
  for (const status of pod.statuses) {
    if (status.containerID === '') continue;
    if (set === null || (set.containers?.length ?? 0) !== pod.statuses.length) return true;
    const entry = set.containers?.find((e) => e.name === status.name);
    if (entry === undefined || entry.containerID !== status.containerID) return true;
    if (!envFromMetadata) continue;
    const expected = expectedHashFor(pod, status.name);
    if (expected === undefined) continue;
    if (expected !== entry.envHash) return true;
    if (old !== null && expected !== expectedHashFor(old, status.name)) return true;
  }
  return false;
}

/**
 * Whether observing `pod` (after `old`, null for the first observation) starts a sync: upstream's
 * Add handler (only a pod that already carries the annotation) or Update handler, and its
 * enqueue, which skips deleting pods and pods with no container statuses.
 */
export function syncTriggered(old: MetaPodView | null, pod: MetaPodView, envFromMetadata: boolean): boolean {
  if (pod.deleting || pod.statuses.length === 0) return false;
  if (old === null && pod.meta === null) return false;
  return changed(old, pod, envFromMetadata);
}
