// A TEST DOUBLE of kruise-manager's ContainerRecreateRequest controller (contract §4.1): on
// every change in the fake API server's store (and every `intervalMs`) it reconciles all CRRs:
// - completed: drops the `active` label, deletes after ttlSecondsAfterFinished;
// - pod gone, deleting or another UID: completes with `pod has gone`;
// - phase still empty after `responseTimeoutMs` (upstream 60 s): completes with
//   `daemon has not responded for a long time`;
// - past activeDeadlineSeconds: completes with `recreating has exceeded the activeDeadlineSeconds`;
// - unreadyGracePeriodSeconds set: adds finalizer `crr.apps.kruise.io/unready-acquired` and
//   records the time once, as annotation `crr.apps.kruise.io/unready-acquired` (v1alpha1) or
//   condition PreRecreateGrace (v1beta1); the finalizer goes when the CRR completes;
// - Recreating: publishes the container-status snapshot (crr.ts).
// Not modelled: the pod's Kruise readiness gate (marking the pod not-ready).
import type { PodJson } from '../kubelet/types.js';
import { CRR_LABEL_ACTIVE, CRR_LABEL_POD_UID, publishCrrSnapshot } from './crr.js';
import { at, KRUISE_GROUP, podRef, rfc3339, servedVersions, storeOf, type KubeObject, type ManagerTarget } from './target.js';

/** The finalizer, and on v1alpha1 the annotation, upstream's controller uses for the unready grace. */
export const UNREADY_ACQUIRED = 'crr.apps.kruise.io/unready-acquired';

export interface CrrControllerOptions {
  /** Default 60,000 ms, as upstream. */
  readonly responseTimeoutMs?: number;
  /** Periodic resync, default 500 ms. */
  readonly intervalMs?: number;
}

export interface CrrController {
  /** Errors reconciles hit, oldest first. */
  readonly errors: readonly Error[];
  stop(): void;
}

export function startCrrController(target: ManagerTarget, options: CrrControllerOptions = {}): CrrController {
  const store = storeOf(target);
  const responseTimeoutMs = options.responseTimeoutMs ?? 60_000;
  const errors: Error[] = [];
  let scheduled = false;
  let stopped = false;

  function complete(crr: KubeObject, message: string): void {
    const ref = crrRef(crr);
    store.patch(ref, { status: { phase: 'Completed', completionTime: rfc3339(), message } });
  }

  function reconcile(crr: KubeObject): void {
    const ref = crrRef(crr);
    const completionTime = at(crr, 'status', 'completionTime');
    if (crr.metadata.deletionTimestamp !== undefined) return;
    if (typeof completionTime === 'string') {
      if (crr.metadata.finalizers?.includes(UNREADY_ACQUIRED))
        return void store.patch(ref, { metadata: { finalizers: crr.metadata.finalizers.filter((f) => f !== UNREADY_ACQUIRED) } });
      if (crr.metadata.labels?.[CRR_LABEL_ACTIVE] !== undefined) return void store.patch(ref, { metadata: { labels: { [CRR_LABEL_ACTIVE]: null } } });
      const ttl = at(crr, 'spec', 'ttlSecondsAfterFinished');
      if (typeof ttl === 'number' && Date.now() - Date.parse(completionTime) >= ttl * 1000) store.delete(ref);
      return;
    }
    const pod = store.get(podRef(ref.namespace!, String(at(crr, 'spec', 'podName')))) as unknown as PodJson | undefined;
    if (!pod || pod.metadata.deletionTimestamp !== undefined || pod.metadata.uid !== crr.metadata.labels?.[CRR_LABEL_POD_UID]) {
      complete(crr, 'pod has gone');
      return;
    }
    const age = Date.now() - Date.parse(String(crr.metadata.creationTimestamp));
    const phase = at(crr, 'status', 'phase') ?? '';
    if (phase === '' && age >= responseTimeoutMs) {
      complete(crr, 'daemon has not responded for a long time');
      return;
    }
    const deadline = at(crr, 'spec', 'activeDeadlineSeconds');
    if (typeof deadline === 'number' && age >= deadline * 1000) {
      complete(crr, 'recreating has exceeded the activeDeadlineSeconds');
      return;
    }
    if (acquireUnready(crr)) return;
    if (phase === 'Recreating') publishCrrSnapshot(target, crr, pod);
  }

  /** Records the unready time once for a CRR with an unready grace; true when it wrote. */
  function acquireUnready(crr: KubeObject): boolean {
    if (typeof at(crr, 'spec', 'strategy', 'unreadyGracePeriodSeconds') !== 'number') return false;
    // As publishCrrSnapshot: the annotation where v1alpha1 is served, the condition where v1beta1 is.
    const versions = servedVersions(target, 'containerrecreaterequests', ['v1beta1']);
    const conditions = (at(crr, 'status', 'conditions') ?? []) as Array<{ type?: string }>;
    const wantAnnotation = versions.includes('v1alpha1') && crr.metadata.annotations?.[UNREADY_ACQUIRED] === undefined;
    const wantCondition = versions.includes('v1beta1') && !conditions.some((c) => c.type === 'PreRecreateGrace');
    if (!wantAnnotation && !wantCondition) return false;
    const now = rfc3339();
    const finalizers = [...new Set([...(crr.metadata.finalizers ?? []), UNREADY_ACQUIRED])];
    store.patch(crrRef(crr), {
      metadata: { finalizers, ...(wantAnnotation ? { annotations: { [UNREADY_ACQUIRED]: now } } : {}) },
      ...(wantCondition
        ? { status: { conditions: [...conditions, { type: 'PreRecreateGrace', status: 'True', reason: 'PreRecreateGrace', lastTransitionTime: now }] } }
        : {}),
    });
    return true;
  }

  function run(): void {
    scheduled = false;
    if (stopped) return;
    for (const crr of store.list(`${KRUISE_GROUP}/v1beta1`, 'ContainerRecreateRequest')) {
      try {
        reconcile(crr);
      } catch (e) {
        errors.push(e instanceof Error ? e : new Error(String(e)));
      }
    }
  }

  // Writes from inside the store's listener would re-enter it: reconcile on the next turn instead.
  function schedule(): void {
    if (scheduled || stopped) return;
    scheduled = true;
    setImmediate(run);
  }

  const unsubscribe = store.subscribe((event) => {
    if (event.object.kind === 'Pod' || event.object.kind === 'ContainerRecreateRequest') schedule();
  });
  const timer = setInterval(schedule, options.intervalMs ?? 500);
  schedule();
  return {
    errors,
    stop() {
      stopped = true;
      unsubscribe();
      clearInterval(timer);
    },
  };
}

function crrRef(crr: KubeObject) {
  return {
    apiVersion: crr.apiVersion ?? `${KRUISE_GROUP}/v1beta1`,
    kind: 'ContainerRecreateRequest',
    namespace: crr.metadata.namespace ?? 'default',
    name: crr.metadata.name!,
  };
}
