// A DaemonSet controller double (a TEST DOUBLE of kube-controller-manager's, k8s 1.32
// pkg/controller/daemon), talking REST to an API server with a client's credentials. Every
// `pollMs` it lists DaemonSets, Nodes, Pods and ControllerRevisions and, per DaemonSet:
//   - history: the current template as a ControllerRevision `<ds>-<hash>` (data
//     `{"spec":{"template":{…,"$patch":"replace"}}}`, revision = newest + 1, an older revision
//     with the same template renumbered instead, as after `kubectl rollout undo`), the oldest
//     unused ones beyond revisionHistoryLimit (default 10) deleted;
//   - manage: a pod on every node that should run one (nodeSelector, required node affinity,
//     taints against tolerations), made from the template with the `controller-revision-hash`
//     label, the controller ownerReference, the node-name affinity and the daemon tolerations;
//     a node whose only pod is terminating gets its new pod once that pod is terminal or gone;
//     failed and succeeded pods are deleted; extra pods beyond the oldest are deleted;
//   - rolling update (maxSurge 0): old pods are deleted while fewer than maxUnavailable
//     (an int or a percentage of the desired number, rounded up) pods are unavailable; an old
//     pod that is not available is replaced at once;
//   - status: desired/current/ready/updated/available/unavailable/misscheduled counts and
//     observedGeneration, written with PUT /status when they change.
// It also does two things other components do in a cluster: it sets spec.nodeName when it creates
// a pod (the scheduler's binding), and it deletes the pods and ControllerRevisions whose
// controlling DaemonSet is gone (the garbage collector's background deletion).
// Not done: maxSurge > 0, OnDelete, the pod-template-generation label (the fake does not set the
// deprecated.daemonset.template.generation annotation), collisionCount, events, failed-pod backoff.
import { createHash } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';
import { RestError, restClient, type Json } from './rest.js';

export interface DaemonSetControllerOptions {
  readonly kubeConfig: KubeConfig;
  /** Reconcile period (default 200 ms). */
  readonly pollMs?: number;
}

export interface DaemonSetController {
  /** Errors that reconciles hit (each is retried on the next poll), oldest first. */
  readonly errors: readonly Error[];
  /** Resolves once a reconcile that started after this call has finished. */
  synced(): Promise<void>;
  stop(): Promise<void>;
}

type Obj = Json & { metadata: Json & { name: string; namespace?: string; uid: string; labels?: Record<string, string> } };

const HASH_LABEL = 'controller-revision-hash';
const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

const asObj = (v: unknown): Json => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const at = (v: unknown, ...keys: string[]): unknown => keys.reduce<unknown>((o, k) => asObj(o)[k], v);
const list = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);

/** JSON with sorted keys, for hashing and comparing templates. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Json)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

/** ComputeHash's shape: a 32-bit hash of the template, its decimal digits mapped through rand.SafeEncodeString's alphabet. */
export function templateHash(template: unknown): string {
  const n = createHash('sha256').update(canonical(template)).digest().readUInt32BE(0);
  return [...String(n)].map((d) => SAFE_ALPHABET[d.charCodeAt(0) % SAFE_ALPHABET.length]).join('');
}

function controllerOf(obj: Json): { kind: string; uid: string; name: string } | undefined {
  const ref = list(at(obj, 'metadata', 'ownerReferences')).find((r) => r.controller === true);
  return ref ? { kind: String(ref.kind), uid: String(ref.uid), name: String(ref.name) } : undefined;
}

// ---- scheduling predicates (NodeShouldRunDaemonPod) ---------------------------------------

function matchesExpression(labels: Record<string, string>, e: Json): boolean {
  const key = String(e.key);
  const values = list(e.values).map(String);
  const has = key in labels;
  switch (e.operator) {
    case 'In':
      return has && values.includes(labels[key]!);
    case 'NotIn':
      return !has || !values.includes(labels[key]!);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt':
      return has && (e.operator === 'Gt' ? Number(labels[key]) > Number(values[0]) : Number(labels[key]) < Number(values[0]));
    default:
      return false;
  }
}

function nodeMatches(podSpec: Json, node: Obj): boolean {
  const labels = (node.metadata.labels ?? {}) as Record<string, string>;
  const selector = asObj(podSpec.nodeSelector) as Record<string, string>;
  if (!Object.entries(selector).every(([k, v]) => labels[k] === v)) return false;
  const terms = list(at(podSpec, 'affinity', 'nodeAffinity', 'requiredDuringSchedulingIgnoredDuringExecution', 'nodeSelectorTerms'));
  if (terms.length === 0) return true;
  return terms.some(
    (t) =>
      list(t.matchExpressions).every((e) => matchesExpression(labels, e)) &&
      list(t.matchFields).every((e) => matchesExpression({ 'metadata.name': node.metadata.name }, e)),
  );
}

function tolerates(tolerations: Json[], taint: Json): boolean {
  return tolerations.some((t) => {
    if (t.effect !== undefined && t.effect !== '' && t.effect !== taint.effect) return false;
    if (t.operator === 'Exists') return t.key === undefined || t.key === '' || t.key === taint.key;
    return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
  });
}

/** [shouldRun, shouldContinueRunning] for a DaemonSet's pod template on a node. */
function shouldRunOn(podSpec: Json, node: Obj): [boolean, boolean] {
  if (!nodeMatches(podSpec, node)) return [false, false];
  const tolerations = daemonTolerations(podSpec);
  const taints = list(at(node, 'spec', 'taints'));
  const untolerated = taints.filter((t) => !tolerates(tolerations, t));
  return [untolerated.every((t) => t.effect === 'PreferNoSchedule'), untolerated.every((t) => t.effect !== 'NoExecute')];
}

/** The template's tolerations plus the ones the controller adds to every daemon pod (AddOrUpdateDaemonPodTolerations). */
function daemonTolerations(podSpec: Json): Json[] {
  const add = [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
    ...(podSpec.hostNetwork === true ? [{ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' }] : []),
  ];
  const own = list(podSpec.tolerations);
  return [...own, ...add.filter((a) => !own.some((t) => t.key === a.key && t.effect === a.effect))];
}

// ---- pod state ------------------------------------------------------------------------------

const isTerminal = (pod: Json) => at(pod, 'status', 'phase') === 'Succeeded' || at(pod, 'status', 'phase') === 'Failed';
const deleting = (pod: Json) => at(pod, 'metadata', 'deletionTimestamp') !== undefined;
const created = (pod: Json) => Date.parse(String(at(pod, 'metadata', 'creationTimestamp') ?? '')) || 0;

function readySince(pod: Json): number | undefined {
  const ready = list(at(pod, 'status', 'conditions')).find((c) => c.type === 'Ready');
  return ready?.status === 'True' ? Date.parse(String(ready.lastTransitionTime ?? '')) || 0 : undefined;
}
const isReady = (pod: Json) => readySince(pod) !== undefined;
const isAvailable = (pod: Json, minReadySeconds: number, now: number) => {
  const since = readySince(pod);
  return since !== undefined && (minReadySeconds === 0 || since + minReadySeconds * 1000 <= now);
};

/** maxUnavailable as an int, or a percentage of `desired` rounded up (at least 1 when maxSurge is 0). */
function maxUnavailableOf(ds: Json, desired: number): number {
  const raw = at(ds, 'spec', 'updateStrategy', 'rollingUpdate', 'maxUnavailable') ?? 1;
  const value = typeof raw === 'string' && raw.endsWith('%') ? Math.ceil((Number(raw.slice(0, -1)) * desired) / 100) : Number(raw);
  return Math.max(1, value);
}

// ---- the controller -------------------------------------------------------------------------

export function startDaemonSetController(options: DaemonSetControllerOptions): DaemonSetController {
  const rest = restClient(options.kubeConfig);
  const errors: Error[] = [];
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  let started = 0;
  let finished = 0;
  const waiters: Array<{ after: number; resolve: () => void }> = [];

  const items = async (path: string) => list((await rest.call('GET', path)).items) as Obj[];
  const remove = async (path: string) => {
    try {
      await rest.call('DELETE', path);
    } catch (e) {
      if (!(e instanceof RestError && e.code === 404)) throw e;
    }
  };

  async function reconcile(): Promise<void> {
    const [daemonSets, nodes, pods, revisions] = await Promise.all([
      items('/apis/apps/v1/daemonsets'),
      items('/api/v1/nodes'),
      items('/api/v1/pods'),
      items('/apis/apps/v1/controllerrevisions'),
    ]);
    const live = new Set(daemonSets.map((d) => d.metadata.uid));
    // The garbage collector's share: dependents of a DaemonSet that is gone.
    for (const pod of pods) {
      const owner = controllerOf(pod);
      if (owner?.kind === 'DaemonSet' && !live.has(owner.uid) && !deleting(pod))
        await remove(`/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}`);
    }
    for (const rev of revisions) {
      const owner = controllerOf(rev);
      if (owner?.kind === 'DaemonSet' && !live.has(owner.uid))
        await remove(`/apis/apps/v1/namespaces/${rev.metadata.namespace}/controllerrevisions/${rev.metadata.name}`);
    }
    for (const ds of daemonSets) {
      if (deleting(ds)) continue;
      const owned = <T extends Obj>(objs: T[]) =>
        objs.filter((o) => o.metadata.namespace === ds.metadata.namespace && controllerOf(o)?.uid === ds.metadata.uid);
      await syncDaemonSet(
        ds,
        nodes,
        owned(pods).filter((p) => !(isTerminal(p) && deleting(p))),
        owned(revisions),
      );
    }
  }

  async function syncDaemonSet(ds: Obj, nodes: Obj[], pods: Obj[], revisions: Obj[]): Promise<void> {
    const ns = ds.metadata.namespace!;
    const template = asObj(at(ds, 'spec', 'template'));
    const podSpec = asObj(template.spec);
    const hash = await syncHistory(ds, template, revisions);
    const now = Date.now();
    const minReady = Number(at(ds, 'spec', 'minReadySeconds') ?? 0);
    const byNode = new Map<string, Obj[]>();
    for (const pod of pods) {
      const node = String(at(pod, 'spec', 'nodeName') ?? '');
      byNode.set(node, [...(byNode.get(node) ?? []), pod]);
    }
    const toCreate: string[] = [];
    const toDelete: Obj[] = [];
    for (const node of nodes) {
      const [shouldRun, shouldContinue] = shouldRunOn(podSpec, node);
      const onNode = byNode.get(node.metadata.name) ?? [];
      if (shouldRun && onNode.length === 0) toCreate.push(node.metadata.name);
      else if (shouldContinue) {
        const runningPods = onNode.filter((p) => !deleting(p));
        toDelete.push(...runningPods.filter(isTerminal));
        const alive = runningPods.filter((p) => !isTerminal(p)).sort((a, b) => created(a) - created(b));
        toDelete.push(...alive.slice(1));
      } else toDelete.push(...onNode.filter((p) => !deleting(p)));
    }
    // Pods bound to nodes that no longer exist.
    const known = new Set(nodes.map((n) => n.metadata.name));
    for (const [node, onNode] of byNode) if (!known.has(node)) toDelete.push(...onNode.filter((p) => !deleting(p)));
    for (const node of toCreate) await createPod(ds, template, node, hash);
    for (const pod of toDelete) await remove(`/api/v1/namespaces/${ns}/pods/${pod.metadata.name}`);
    if (toCreate.length === 0 && toDelete.length === 0 && at(ds, 'spec', 'updateStrategy', 'type') !== 'OnDelete') {
      await rollingUpdate(ds, nodes, byNode, hash, now, minReady);
    }
    await writeStatus(ds, nodes, byNode, hash, now, minReady);
  }

  /** The current revision's hash; creates or renumbers it, and trims old unused ones. */
  async function syncHistory(ds: Obj, template: Json, revisions: Obj[]): Promise<string> {
    const ns = ds.metadata.namespace!;
    const hash = templateHash(template);
    const data = { spec: { template: { ...template, $patch: 'replace' } } };
    const max = Math.max(0, ...revisions.map((r) => Number(r.revision ?? 0)));
    const same = revisions.find((r) => canonical(r.data) === canonical(data));
    if (same === undefined) {
      await rest.call('POST', `/apis/apps/v1/namespaces/${ns}/controllerrevisions`, {
        apiVersion: 'apps/v1',
        kind: 'ControllerRevision',
        metadata: {
          name: `${ds.metadata.name}-${hash}`,
          namespace: ns,
          labels: { ...asObj(at(template, 'metadata', 'labels')), [HASH_LABEL]: hash },
          ...(ds.metadata.annotations ? { annotations: ds.metadata.annotations } : {}),
          ownerReferences: [ownerRef(ds)],
        },
        data,
        revision: max + 1,
      });
    } else if (Number(same.revision) < max) {
      await rest.call(
        'PATCH',
        `/apis/apps/v1/namespaces/${ns}/controllerrevisions/${same.metadata.name}`,
        { revision: max + 1 },
        'application/merge-patch+json',
      );
    }
    const limit = Number(at(ds, 'spec', 'revisionHistoryLimit') ?? 10);
    const old = revisions.filter((r) => r !== same).sort((a, b) => Number(a.revision) - Number(b.revision));
    for (const r of old.slice(0, Math.max(0, old.length - limit))) await remove(`/apis/apps/v1/namespaces/${ns}/controllerrevisions/${r.metadata.name}`);
    return same?.metadata.labels?.[HASH_LABEL] ?? hash;
  }

  function ownerRef(ds: Obj): Json {
    return { apiVersion: 'apps/v1', kind: 'DaemonSet', name: ds.metadata.name, uid: ds.metadata.uid, controller: true, blockOwnerDeletion: true };
  }

  async function createPod(ds: Obj, template: Json, node: string, hash: string): Promise<void> {
    const meta = asObj(template.metadata);
    const spec = asObj(template.spec);
    // ReplaceDaemonSetPodNodeNameNodeAffinity: the node-name term replaces any required terms.
    const affinity = asObj(spec.affinity);
    const nodeAffinity = asObj(affinity.nodeAffinity);
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: `${ds.metadata.name}-`,
        namespace: ds.metadata.namespace,
        labels: { ...asObj(meta.labels), [HASH_LABEL]: hash },
        ...(meta.annotations ? { annotations: meta.annotations } : {}),
        ownerReferences: [ownerRef(ds)],
      },
      spec: {
        ...spec,
        // The scheduler's binding, done at creation: the simulated kubelet watches spec.nodeName.
        nodeName: node,
        tolerations: daemonTolerations(spec),
        affinity: {
          ...affinity,
          nodeAffinity: {
            ...nodeAffinity,
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] }],
            },
          },
        },
      },
    };
    await rest.call('POST', `/api/v1/namespaces/${ds.metadata.namespace}/pods`, pod);
  }

  async function rollingUpdate(ds: Obj, nodes: Obj[], byNode: Map<string, Obj[]>, hash: string, now: number, minReady: number): Promise<void> {
    const desired = nodes.filter((n) => shouldRunOn(asObj(at(ds, 'spec', 'template', 'spec')), n)[0]).length;
    const maxUnavailable = maxUnavailableOf(ds, desired);
    let unavailable = 0;
    const replaceNow: Obj[] = [];
    const candidates: Obj[] = [];
    for (const [, pods] of byNode) {
      const live = pods.filter((p) => !deleting(p));
      const newPod = live.find((p) => p.metadata.labels?.[HASH_LABEL] === hash);
      const oldPod = live.find((p) => p.metadata.labels?.[HASH_LABEL] !== hash);
      if (live.length > 2 || (newPod === undefined) === (oldPod === undefined)) unavailable += 1;
      else if (newPod !== undefined) {
        if (!isAvailable(newPod, minReady, now)) unavailable += 1;
      } else if (!isAvailable(oldPod!, minReady, now)) replaceNow.push(oldPod!);
      else if (unavailable < maxUnavailable) candidates.push(oldPod!);
    }
    const room = Math.min(candidates.length, Math.max(0, maxUnavailable - unavailable));
    for (const pod of [...replaceNow, ...candidates.slice(0, room)]) await remove(`/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}`);
  }

  async function writeStatus(ds: Obj, nodes: Obj[], byNode: Map<string, Obj[]>, hash: string, now: number, minReady: number): Promise<void> {
    const podSpec = asObj(at(ds, 'spec', 'template', 'spec'));
    const counts = { desired: 0, current: 0, misscheduled: 0, ready: 0, updated: 0, available: 0 };
    for (const node of nodes) {
      const pods = [...(byNode.get(node.metadata.name) ?? [])].sort((a, b) => created(a) - created(b));
      const [shouldRun] = shouldRunOn(podSpec, node);
      if (!shouldRun) {
        if (pods.length > 0) counts.misscheduled += 1;
        continue;
      }
      counts.desired += 1;
      const pod = pods[0];
      if (pod === undefined) continue;
      counts.current += 1;
      if (isReady(pod)) counts.ready += 1;
      if (isAvailable(pod, minReady, now)) counts.available += 1;
      if (pod.metadata.labels?.[HASH_LABEL] === hash) counts.updated += 1;
    }
    const status = {
      ...asObj(ds.status),
      observedGeneration: Number(at(ds, 'metadata', 'generation') ?? 0),
      desiredNumberScheduled: counts.desired,
      currentNumberScheduled: counts.current,
      numberMisscheduled: counts.misscheduled,
      numberReady: counts.ready,
      updatedNumberScheduled: counts.updated,
      numberAvailable: counts.available,
      numberUnavailable: counts.desired - counts.available,
    };
    if (canonical(status) === canonical(asObj(ds.status))) return;
    try {
      await rest.call('PUT', `/apis/apps/v1/namespaces/${ds.metadata.namespace}/daemonsets/${ds.metadata.name}/status`, { ...ds, status });
    } catch (e) {
      if (!(e instanceof RestError && (e.code === 409 || e.code === 404))) throw e; // a newer DaemonSet: the next poll writes again
    }
  }

  const timer = setInterval(() => {
    if (stopped) return;
    const n = ++started;
    running = running
      .then(reconcile)
      .catch((e: unknown) => void errors.push(e instanceof Error ? e : new Error(String(e))))
      .finally(() => {
        finished = n;
        for (const w of waiters.filter((w) => w.after <= finished)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      });
  }, options.pollMs ?? 200);

  return {
    errors,
    synced: () => new Promise<void>((resolve) => waiters.push({ after: started + 1, resolve })),
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
