// The daemon's four watches with upstream's selectors, and references to the objects whose
// status it writes. Paths are built here once; nothing else spells an API path.
import { watchResource, type Informer, type WatchResourceOptions } from './informer.js';
import type { KubeObject } from './objects.js';
import type { KubeTransport } from './transport.js';

export const KRUISE_GROUP = 'apps.kruise.io';
export type KruiseVersion = 'v1alpha1' | 'v1beta1';

/** Labels the CRR webhook sets (contract §4.1); the daemon watches active CRRs of its node (§4.2). */
export const CRR_NODE_NAME_LABEL = 'crr.apps.kruise.io/node-name';
export const CRR_ACTIVE_LABEL = 'crr.apps.kruise.io/active';

/** A kind the adapter reads or writes: enough to build its paths. */
export interface ResourceKind {
  /** '' for the core group. */
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

/** One object of a kind. */
export interface ObjectRef extends ResourceKind {
  readonly name: string;
  /** Required for namespaced kinds. */
  readonly namespace?: string;
}

export const podKind: ResourceKind = { group: '', version: 'v1', plural: 'pods', kind: 'Pod', namespaced: true };
export const eventKind: ResourceKind = { group: '', version: 'v1', plural: 'events', kind: 'Event', namespaced: true };
export const secretKind: ResourceKind = { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true };
export const nodeImageKind = (version: KruiseVersion): ResourceKind => ({
  group: KRUISE_GROUP,
  version,
  plural: 'nodeimages',
  kind: 'NodeImage',
  namespaced: false,
});
export const crrKind = (version: KruiseVersion): ResourceKind => ({
  group: KRUISE_GROUP,
  version,
  plural: 'containerrecreaterequests',
  kind: 'ContainerRecreateRequest',
  namespaced: true,
});
export const nodePodProbeKind: ResourceKind = { group: KRUISE_GROUP, version: 'v1alpha1', plural: 'nodepodprobes', kind: 'NodePodProbe', namespaced: false };

export const apiVersionOf = (k: Pick<ResourceKind, 'group' | 'version'>): string => (k.group === '' ? k.version : `${k.group}/${k.version}`);

/** The collection path; all namespaces when `namespace` is undefined. */
export function collectionPath(k: ResourceKind, namespace?: string): string {
  const root = k.group === '' ? `/api/${k.version}` : `/apis/${k.group}/${k.version}`;
  return k.namespaced && namespace !== undefined ? `${root}/namespaces/${encodeURIComponent(namespace)}/${k.plural}` : `${root}/${k.plural}`;
}

/** The object's path, or one of its subresources (`status`). */
export function objectPath(ref: ObjectRef, subresource?: string): string {
  if (ref.namespaced && !ref.namespace) throw new Error(`${ref.kind} ${ref.name} needs a namespace`);
  const base = `${collectionPath(ref, ref.namespace)}/${encodeURIComponent(ref.name)}`;
  return subresource ? `${base}/${subresource}` : base;
}

export const nodeImageRef = (node: string, version: KruiseVersion): ObjectRef => ({ ...nodeImageKind(version), name: node });
export const nodePodProbeRef = (node: string): ObjectRef => ({ ...nodePodProbeKind, name: node });
export const crrRef = (namespace: string, name: string, version: KruiseVersion): ObjectRef => ({ ...crrKind(version), namespace, name });
export const podRef = (namespace: string, name: string): ObjectRef => ({ ...podKind, namespace, name });

export const crrLabelSelector = (node: string): string => `${CRR_NODE_NAME_LABEL}=${node},${CRR_ACTIVE_LABEL}=true`;

type Extra<T extends KubeObject> = Omit<WatchResourceOptions<T>, 'transport' | 'path' | 'fieldSelector' | 'labelSelector'>;

/** The node's NodeImage (named after the node), contract §3.2. */
export function nodeImageInformer<T extends KubeObject = KubeObject>(
  transport: KubeTransport,
  node: string,
  version: KruiseVersion,
  extra: Extra<T> = {},
): Informer<T> {
  return watchResource<T>({ name: 'nodeImage', ...extra, transport, path: collectionPath(nodeImageKind(version)), fieldSelector: `metadata.name=${node}` });
}

/** The node's NodePodProbe (named after the node), contract §6.2. */
export function nodePodProbeInformer<T extends KubeObject = KubeObject>(transport: KubeTransport, node: string, extra: Extra<T> = {}): Informer<T> {
  return watchResource<T>({ name: 'nodePodProbe', ...extra, transport, path: collectionPath(nodePodProbeKind), fieldSelector: `metadata.name=${node}` });
}

/** Active CRRs of the node in every namespace, contract §4.2. */
export function crrInformer<T extends KubeObject = KubeObject>(
  transport: KubeTransport,
  node: string,
  version: KruiseVersion,
  extra: Extra<T> = {},
): Informer<T> {
  return watchResource<T>({ name: 'crr', ...extra, transport, path: collectionPath(crrKind(version)), labelSelector: crrLabelSelector(node) });
}

/** Pods bound to the node in every namespace, keyed by UID (a re-created pod is a new key), contract §7.1. */
export function podInformer<T extends KubeObject = KubeObject>(transport: KubeTransport, node: string, extra: Extra<T> = {}): Informer<T> {
  const keyOf = (pod: T) => pod.metadata?.uid ?? `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
  return watchResource<T>({ name: 'pod', keyOf, ...extra, transport, path: collectionPath(podKind), fieldSelector: `spec.nodeName=${node}` });
}
