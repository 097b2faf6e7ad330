// The decision steps of one containermeta sync (contract §7.2), pure functions of the machine's
// context. Each returns the pass event that routes the chart; the machine raises it.
//
// - startPass: step 1, the runtime. Upstream parses `containerStatuses[0]` even when another entry
//   is the one with an ID (#2451); here the runtime comes from the first status that has an ID.
//   It also says which environments the read needs: those of running containers whose hash is not
//   already known from the annotation (only when the gate is on and the container's env reads
//   labels or annotations at all).
// - planSync: steps 3–5 on the read's result. Per status entry that has both a runtime container
//   (the newest of that name) and a spec container: reuse the annotation's entry with the same
//   container ID, else a new one from the runtime (name, ID, restart count, kubelet hash); with the
//   gate on, compute the env hash of a running container that has none (a container whose env
//   reads no labels or annotations hashes to the empty list's hash with no read, as upstream's
//   getter is then never called), and restart a running container whose hash is known and stale
//   while InPlaceUpdateReady is False. A container this actor already stopped is never chosen
//   again, so a stale container is killed at most once per container ID.
// - route: where the pass goes next: patch a changed set, restart, start over when something
//   changed meanwhile, retry a missing hash after 3 s, wait for killed containers to be replaced,
//   or watch.
import type { ContainerMetaPodContext, HashFailure, PassEvent, SyncPlan } from './context.js';
import { valueOfPicked } from './container-environment.js';
import { currentHashOf, expectedHashOf } from './env-hash.js';
import { encodeMetaSet, metaSetOf, sameMetaSets } from './meta-set.js';
import type { EnvWanted, MetaEntry, MetaPodView, RestartTarget, RuntimeContainerView } from './types.js';

/** kubelet's ContainerID.ParseString: quotes trimmed, `<type>://<id>`, exactly one separator. */
export function parseContainerId(containerID: string): { readonly type: string; readonly id: string } | { readonly error: string } {
  const parts = containerID.replace(/^"+|"+$/g, '').split('://');
  if (parts.length !== 2) return { error: `failed to parse containerID ${containerID}: invalid container ID: ${JSON.stringify(containerID)}` };
  if (parts[0] === '') return { error: `no runtime name in containerID ${containerID}` };
  return { type: parts[0]!, id: parts[1]! };
}

/** Step 1, and what the read needs. */
export function startPass(context: ContainerMetaPodContext): PassEvent {
  const pod = context.pod;
  const first = pod?.statuses.find((s) => s.containerID !== '');
  if (pod === null || first === undefined) return { type: 'pass.awaitContainers' };
  const parsed = parseContainerId(first.containerID);
  if ('error' in parsed) return { type: 'pass.noRuntime', reason: parsed.error };
  if (!context.runtimeNames.includes(parsed.type)) return { type: 'pass.noRuntime', reason: `not found runtime service for ${parsed.type} in daemon` };
  const known = metaSetOf(pod.meta)?.containers ?? [];
  const envWanted: EnvWanted[] = !context.envFromMetadata
    ? []
    : pod.containers
        .filter((c) => c.env.length > 0)
        .map((c) => ({
          name: c.name,
          envNames: [...new Set(c.env.map((e) => e.name))],
          hashedIds: known.filter((e) => e.name === c.name && e.envHash !== '0').map((e) => e.containerID),
        }));
  return { type: 'pass.read', reading: { runtimeName: parsed.type, podUid: pod.uid, namespace: context.namespace, name: context.name, envWanted } };
}

/** The current hash of a running container, or why it cannot be had. */
function currentHash(spec: MetaPodView['containers'][number], runtime: RuntimeContainerView): { hash: string } | { reason: string } {
  if (spec.env.length === 0) return { hash: String(currentHashOf([], () => undefined)) };
  const env = runtime.env;
  if (env === null) return { reason: 'its environment was not read in this pass' };
  if (env.source === 'unavailable') return { reason: env.reason };
  return { hash: String(currentHashOf(spec.env, valueOfPicked(env.values))) };
}

/** Steps 3–5: the new set, the restarts and the hashes that could not be computed. */
export function planSync(
  context: Pick<ContainerMetaPodContext, 'envFromMetadata' | 'restarted'>,
  pod: MetaPodView,
  runtime: readonly RuntimeContainerView[],
): SyncPlan {
  const old = metaSetOf(pod.meta);
  const entries: MetaEntry[] = [];
  const restarts: RestartTarget[] = [];
  const hashFailures: HashFailure[] = [];
  for (const status of pod.statuses) {
    const container = runtime.find((c) => c.name === status.name);
    const spec = pod.containers.find((c) => c.name === status.name);
    if (container === undefined || spec === undefined) continue;
    // upstream keeps the last entry with that ID
    let entry: MetaEntry = old?.containers?.findLast((e) => e.containerID === container.containerID) ?? {
      name: container.name,
      containerID: container.containerID,
      restartCount: container.restartCount,
      plainHash: container.plainHash,
      envHash: '0',
    };
    if (context.envFromMetadata) {
      const running = container.state === 'running';
      if (entry.envHash === '0' && running) {
        const hash = currentHash(spec, container);
        if ('hash' in hash) entry = { ...entry, envHash: hash.hash };
        else hashFailures.push({ name: container.name, containerID: container.containerID, reason: hash.reason });
      }
      const stale = entry.envHash !== '0' && entry.envHash !== String(expectedHashOf(spec.env, pod));
      if (pod.inPlaceUpdateReady === 'False' && stale && running && !context.restarted.includes(container.containerID)) {
        restarts.push({ name: container.name, containerID: container.containerID });
      }
    }
    entries.push(entry);
  }
  return { entries, patch: sameMetaSets(old, entries) ? null : encodeMetaSet(entries), restarts, hashFailures };
}

/** Killed containers the pod status still shows (the kubelet has not replaced them yet). */
export function stillAwaited(pod: MetaPodView | null, awaiting: readonly RestartTarget[]): RestartTarget[] {
  return awaiting.filter((t) => pod?.statuses.some((s) => s.name === t.name && s.containerID === t.containerID) === true);
}

/** Where the pass goes once its plan is made, or after each step of it. */
export function route(context: ContainerMetaPodContext): PassEvent {
  const plan = context.plan;
  if (plan?.patch) return { type: 'pass.patch', value: plan.patch };
  if (plan && plan.restarts.length > 0) return { type: 'pass.restart', targets: plan.restarts };
  if (context.dirty) return { type: 'pass.again' };
  if (plan && plan.hashFailures.length > 0) return { type: 'pass.retryHash' };
  if (stillAwaited(context.pod, context.awaiting).length > 0) return { type: 'pass.awaitNewContainer' };
  return { type: 'pass.watch' };
}

/** Container IDs the pod (status or last read) still shows: the ones worth remembering as restarted. */
export function prunedRestarted(restarted: readonly string[], pod: MetaPodView | null, runtime: readonly RuntimeContainerView[] | null): string[] {
  const live = new Set([...(pod?.statuses.map((s) => s.containerID) ?? []), ...(runtime?.map((c) => c.containerID) ?? [])]);
  return restarted.filter((id) => live.has(id));
}
