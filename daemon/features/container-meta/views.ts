// Reading a pod for the containerMetaPod machine (contract §7.1): upstream's filter (is the pod a
// kruise workload's, or did a SidecarSet inject it?) and the view the machine decides from. The
// view holds only what the trigger rules, the sync and the restart decision read, so a pod update
// that changes nothing of it is not delivered; label and annotation values appear only for the
// keys some container's env reads through the downward API.
import type { KubeObject } from '../../../adapters/kube/index.js';
import { envFromMetadata, type EnvVarSpec } from '../../../machines/container-meta/env-hash.js';
import { IN_PLACE_UPDATE_READY_CONDITION, type MetaPodView, RUNTIME_CONTAINERS_META_ANNOTATION } from '../../../machines/container-meta/types.js';

/** The API group whose controllers' pods the daemon reports meta for. */
export const KRUISE_APPS_GROUP = 'apps.kruise.io';
/** SidecarSet's annotation on the pods it injected. */
export const SIDECARSET_HASH_ANNOTATION = 'kruise.io/sidecarset-hash';

type Json = Record<string, unknown>;
const record = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const stringMap = (v: unknown): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [k, value] of Object.entries(record(v))) if (typeof value === 'string') out[k] = value;
  return out;
};

/** schema.ParseGroupVersion's group: '' for `v1`, `g` for `g/v`; undefined when it does not parse (`a/b/c`). */
function groupOf(apiVersion: string): string | undefined {
  if (apiVersion === '' || apiVersion === '/') return '';
  const parts = apiVersion.split('/');
  if (parts.length === 1) return '';
  return parts.length === 2 ? parts[0] : undefined;
}

/** Upstream's eventFilter ownership check: the controller owner is in apps.kruise.io, or a SidecarSet injected the pod. */
export function passesFilter(pod: KubeObject): boolean {
  const metadata = record(pod.metadata);
  // metav1.GetControllerOf: the first owner reference with controller: true
  const controller = list(metadata.ownerReferences)
    .map(record)
    .find((o) => o.controller === true);
  if (controller !== undefined && groupOf(str(controller.apiVersion)) === KRUISE_APPS_GROUP) return true;
  return Object.hasOwn(record(metadata.annotations), SIDECARSET_HASH_ANNOTATION);
}

/** The machine's view of a pod (see the file comment). */
export function metaPodView(pod: KubeObject): MetaPodView {
  const metadata = record(pod.metadata);
  const spec = record(pod.spec);
  const status = record(pod.status);
  const containers = list(spec.containers)
    .map(record)
    .map((c) => ({ name: str(c.name), env: envFromMetadata(list(c.env) as EnvVarSpec[]) }));
  const labels = stringMap(metadata.labels);
  const annotations = stringMap(metadata.annotations);
  const pick = (source: Record<string, string>, field: string): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const c of containers) for (const e of c.env) if (e.field === field && Object.hasOwn(source, e.key)) out[e.key] = source[e.key]!;
    return out;
  };
  const condition = list(status.conditions)
    .map(record)
    .find((c) => c.type === IN_PLACE_UPDATE_READY_CONDITION);
  return {
    uid: str(metadata.uid),
    resourceVersion: str(metadata.resourceVersion),
    deleting: metadata.deletionTimestamp !== undefined && metadata.deletionTimestamp !== null,
    containers,
    labels: pick(labels, 'metadata.labels'),
    annotations: pick(annotations, 'metadata.annotations'),
    statuses: list(status.containerStatuses)
      .map(record)
      .map((s) => ({ name: str(s.name), containerID: str(s.containerID) })),
    inPlaceUpdateReady: condition === undefined ? null : str(condition.status),
    meta: Object.hasOwn(annotations, RUNTIME_CONTAINERS_META_ANNOTATION) ? annotations[RUNTIME_CONTAINERS_META_ANNOTATION]! : null,
  };
}
