// The resources the fake serves: core pods, events, secrets, namespaces, and the apps.kruise.io
// kinds the daemon touches. Each entry carries what the real registry strategy would decide:
// scope, status subresource, which field selectors exist, and the strategic-merge list keys.
import type { KubeObject } from './types.js';
import { isRecord } from './types.js';

/** Strategic-merge metadata for one field: nested fields, or a list merged by key / as a set. */
export interface PatchMeta {
  readonly fields?: Readonly<Record<string, PatchMeta>>;
  /** The list is merged element-wise by this key (`patchMergeKey`). */
  readonly mergeKey?: string;
  /** A list of scalars merged as a set (`patchStrategy: merge` on `[]string`). */
  readonly primitiveMerge?: boolean;
  /** Metadata for each element of a keyed list. */
  readonly items?: PatchMeta;
}

export type FieldGetter = (obj: KubeObject) => string;

export interface ResourceDef {
  /** '' for the core group. */
  readonly group: string;
  /** Every version defined for the kind. All versions share one storage; see `served` for what discovery shows. */
  readonly versions: readonly string[];
  readonly plural: string;
  readonly singular: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly statusSubresource: boolean;
  /** metadata.generation starts at 1 and bumps on every change outside metadata and status. */
  readonly tracksGeneration: boolean;
  /**
   * A compiled-in type: strategic merge patch is accepted, a status write may also change
   * labels and annotations, an update without resourceVersion is allowed, and list items
   * come without apiVersion/kind. False means a CRD (`apiextensions` behaviour).
   */
  readonly builtin: boolean;
  /** DELETE answers with the deleted object (pods, namespaces, CRs) instead of a success Status. */
  readonly deleteReturnsObject: boolean;
  /** Selectable fields besides metadata.name (and metadata.namespace when namespaced). */
  readonly fields: Readonly<Record<string, FieldGetter>>;
  readonly shortNames?: readonly string[];
  readonly categories?: readonly string[];
  /** Strategic-merge metadata for the whole object (builtin types only). */
  readonly patchMeta?: PatchMeta;
  /** The @kubernetes/client-node model of a built-in kind (`V1Pod`): its OpenAPI schema and strict field validation (openapi.ts). */
  readonly model?: string;
}

/** `plural` or `plural.group`, the key of one storage. */
export function groupResource(def: Pick<ResourceDef, 'group' | 'plural'>): string {
  return def.group === '' ? def.plural : `${def.plural}.${def.group}`;
}

function path(obj: unknown, ...keys: string[]): unknown {
  let cur = obj;
  for (const key of keys) cur = isRecord(cur) ? cur[key] : undefined;
  return cur;
}

export function str(...keys: string[]): FieldGetter {
  return (obj) => {
    const value = path(obj, ...keys);
    return value === undefined || value === null ? '' : String(value);
  };
}

export const objectMetaPatchMeta: PatchMeta = { fields: { finalizers: { primitiveMerge: true }, ownerReferences: { mergeKey: 'uid' } } };
const container: PatchMeta = {
  fields: {
    env: { mergeKey: 'name' },
    ports: { mergeKey: 'containerPort' },
    volumeMounts: { mergeKey: 'mountPath' },
    volumeDevices: { mergeKey: 'devicePath' },
  },
};
const containers: PatchMeta = { mergeKey: 'name', items: container };

export const podSpecPatchMeta: PatchMeta = {
  fields: {
    containers,
    initContainers: containers,
    ephemeralContainers: containers,
    volumes: { mergeKey: 'name' },
    imagePullSecrets: { mergeKey: 'name' },
    hostAliases: { mergeKey: 'ip' },
    resourceClaims: { mergeKey: 'name' },
    schedulingGates: { mergeKey: 'name' },
  },
};

const podPatchMeta: PatchMeta = {
  fields: {
    metadata: objectMetaPatchMeta,
    spec: podSpecPatchMeta,
    status: {
      fields: {
        conditions: { mergeKey: 'type' },
        podIPs: { mergeKey: 'ip' },
        hostIPs: { mergeKey: 'ip' },
        resourceClaimStatuses: { mergeKey: 'name' },
      },
    },
  },
};

export const core = { group: '', versions: ['v1'], builtin: true } as const;
const kruise = {
  group: 'apps.kruise.io',
  builtin: false,
  deleteReturnsObject: true,
  statusSubresource: true,
  tracksGeneration: true,
  categories: ['kruise'],
} as const;

export const pods: ResourceDef = {
  ...core,
  plural: 'pods',
  singular: 'pod',
  kind: 'Pod',
  namespaced: true,
  statusSubresource: true,
  tracksGeneration: true,
  deleteReturnsObject: true,
  shortNames: ['po'],
  categories: ['all'],
  patchMeta: podPatchMeta,
  model: 'V1Pod',
  fields: {
    'spec.nodeName': str('spec', 'nodeName'),
    'spec.restartPolicy': str('spec', 'restartPolicy'),
    'spec.schedulerName': str('spec', 'schedulerName'),
    'spec.serviceAccountName': str('spec', 'serviceAccountName'),
    'spec.hostNetwork': (obj) => String(path(obj, 'spec', 'hostNetwork') === true),
    'status.phase': str('status', 'phase'),
    'status.podIP': str('status', 'podIP'),
    'status.nominatedNodeName': str('status', 'nominatedNodeName'),
  },
};

export const events: ResourceDef = {
  ...core,
  plural: 'events',
  singular: 'event',
  kind: 'Event',
  model: 'CoreV1Event',
  namespaced: true,
  statusSubresource: false,
  tracksGeneration: false,
  deleteReturnsObject: false,
  shortNames: ['ev'],
  patchMeta: { fields: { metadata: objectMetaPatchMeta } },
  fields: {
    'involvedObject.kind': str('involvedObject', 'kind'),
    'involvedObject.namespace': str('involvedObject', 'namespace'),
    'involvedObject.name': str('involvedObject', 'name'),
    'involvedObject.uid': str('involvedObject', 'uid'),
    'involvedObject.apiVersion': str('involvedObject', 'apiVersion'),
    'involvedObject.resourceVersion': str('involvedObject', 'resourceVersion'),
    'involvedObject.fieldPath': str('involvedObject', 'fieldPath'),
    reason: str('reason'),
    reportingComponent: str('reportingComponent'),
    source: str('source', 'component'),
    type: str('type'),
  },
};

export const secrets: ResourceDef = {
  ...core,
  plural: 'secrets',
  singular: 'secret',
  kind: 'Secret',
  model: 'V1Secret',
  namespaced: true,
  statusSubresource: false,
  tracksGeneration: false,
  deleteReturnsObject: false,
  patchMeta: { fields: { metadata: objectMetaPatchMeta } },
  fields: { type: str('type') },
};

export const namespaces: ResourceDef = {
  ...core,
  plural: 'namespaces',
  singular: 'namespace',
  kind: 'Namespace',
  model: 'V1Namespace',
  namespaced: false,
  statusSubresource: true,
  tracksGeneration: false,
  deleteReturnsObject: true,
  shortNames: ['ns'],
  patchMeta: { fields: { metadata: objectMetaPatchMeta, status: { fields: { conditions: { mergeKey: 'type' } } } } },
  fields: { 'status.phase': str('status', 'phase') },
};

export const nodeImages: ResourceDef = {
  ...kruise,
  versions: ['v1alpha1', 'v1beta1'],
  plural: 'nodeimages',
  singular: 'nodeimage',
  kind: 'NodeImage',
  namespaced: false,
  fields: {},
};

export const containerRecreateRequests: ResourceDef = {
  ...kruise,
  versions: ['v1alpha1', 'v1beta1'],
  plural: 'containerrecreaterequests',
  singular: 'containerrecreaterequest',
  kind: 'ContainerRecreateRequest',
  namespaced: true,
  shortNames: ['crr'],
  fields: {},
};

export const nodePodProbes: ResourceDef = {
  ...kruise,
  versions: ['v1alpha1'],
  plural: 'nodepodprobes',
  singular: 'nodepodprobe',
  kind: 'NodePodProbe',
  namespaced: false,
  fields: {},
};

export const imagePullJobs: ResourceDef = {
  ...kruise,
  versions: ['v1alpha1', 'v1beta1'],
  plural: 'imagepulljobs',
  singular: 'imagepulljob',
  kind: 'ImagePullJob',
  namespaced: true,
  fields: {},
};

export const defaultResources: readonly ResourceDef[] = [
  pods,
  events,
  secrets,
  namespaces,
  nodeImages,
  containerRecreateRequests,
  nodePodProbes,
  imagePullJobs,
];

/** Kube-aware version order, most preferred first: v2 > v1 > v1beta2 > v1beta1 > v1alpha1 > others. */
export function compareVersions(a: string, b: string): number {
  const rank = (v: string): [number, number, number] | undefined => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return undefined;
    const stability = m[2] === undefined ? 2 : m[2] === 'beta' ? 1 : 0;
    return [stability, Number(m[1]), Number(m[3] ?? 0)];
  };
  const ra = rank(a);
  const rb = rank(b);
  if (ra && rb) {
    for (let i = 0; i < 3; i += 1) if (ra[i] !== rb[i]) return rb[i]! - ra[i]!;
    return 0;
  }
  if (ra) return -1;
  if (rb) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
