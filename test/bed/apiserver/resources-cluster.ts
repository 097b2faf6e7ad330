// The kinds an operator's `kubectl apply -k deploy/base` creates and the DaemonSet controller and
// kubelet work with, beyond what the daemon itself reads (resources.ts): DaemonSets and their
// ControllerRevisions, ServiceAccounts, Nodes, and RBAC. `clusterResources` is the full set a test
// that runs kubectl or the DaemonSet double (test/bed/kubelet/daemonset.ts) starts the fake with.
import { core, defaultResources, objectMetaPatchMeta, podSpecPatchMeta, str, type PatchMeta, type ResourceDef } from './resources.js';

const apps = { group: 'apps', versions: ['v1'], builtin: true } as const;
const rbac = {
  group: 'rbac.authorization.k8s.io',
  versions: ['v1'],
  builtin: true,
  statusSubresource: false,
  tracksGeneration: false,
  deleteReturnsObject: false,
  patchMeta: { fields: { metadata: objectMetaPatchMeta } },
  fields: {},
} as const;

const templatePatchMeta: PatchMeta = { fields: { metadata: objectMetaPatchMeta, spec: podSpecPatchMeta } };

export const daemonSets: ResourceDef = {
  ...apps,
  plural: 'daemonsets',
  singular: 'daemonset',
  kind: 'DaemonSet',
  model: 'V1DaemonSet',
  namespaced: true,
  statusSubresource: true,
  tracksGeneration: true,
  deleteReturnsObject: true,
  shortNames: ['ds'],
  categories: ['all'],
  patchMeta: {
    fields: {
      metadata: objectMetaPatchMeta,
      spec: { fields: { template: templatePatchMeta } },
      status: { fields: { conditions: { mergeKey: 'type' } } },
    },
  },
  fields: {},
};

export const controllerRevisions: ResourceDef = {
  ...apps,
  plural: 'controllerrevisions',
  singular: 'controllerrevision',
  kind: 'ControllerRevision',
  model: 'V1ControllerRevision',
  namespaced: true,
  statusSubresource: false,
  tracksGeneration: false,
  deleteReturnsObject: false,
  patchMeta: { fields: { metadata: objectMetaPatchMeta } },
  fields: {},
};

export const serviceAccounts: ResourceDef = {
  ...core,
  plural: 'serviceaccounts',
  singular: 'serviceaccount',
  kind: 'ServiceAccount',
  model: 'V1ServiceAccount',
  namespaced: true,
  statusSubresource: false,
  tracksGeneration: false,
  deleteReturnsObject: true,
  shortNames: ['sa'],
  patchMeta: { fields: { metadata: objectMetaPatchMeta, secrets: { mergeKey: 'name' }, imagePullSecrets: { mergeKey: 'name' } } },
  fields: {},
};

export const nodes: ResourceDef = {
  ...core,
  plural: 'nodes',
  singular: 'node',
  kind: 'Node',
  model: 'V1Node',
  namespaced: false,
  statusSubresource: true,
  tracksGeneration: false,
  deleteReturnsObject: false,
  shortNames: ['no'],
  patchMeta: {
    fields: {
      metadata: objectMetaPatchMeta,
      spec: { fields: { podCIDRs: { primitiveMerge: true } } },
      status: { fields: { conditions: { mergeKey: 'type' }, addresses: { mergeKey: 'type' } } },
    },
  },
  fields: { 'spec.unschedulable': (obj) => String(str('spec', 'unschedulable')(obj) === 'true') },
};

export const clusterRoles: ResourceDef = {
  ...rbac,
  plural: 'clusterroles',
  singular: 'clusterrole',
  kind: 'ClusterRole',
  model: 'V1ClusterRole',
  namespaced: false,
};
export const clusterRoleBindings: ResourceDef = {
  ...rbac,
  plural: 'clusterrolebindings',
  singular: 'clusterrolebinding',
  kind: 'ClusterRoleBinding',
  model: 'V1ClusterRoleBinding',
  namespaced: false,
};
export const roles: ResourceDef = { ...rbac, plural: 'roles', singular: 'role', kind: 'Role', model: 'V1Role', namespaced: true };
export const roleBindings: ResourceDef = {
  ...rbac,
  plural: 'rolebindings',
  singular: 'rolebinding',
  kind: 'RoleBinding',
  model: 'V1RoleBinding',
  namespaced: true,
};

export const clusterResources: readonly ResourceDef[] = [
  ...defaultResources,
  daemonSets,
  controllerRevisions,
  serviceAccounts,
  nodes,
  clusterRoles,
  clusterRoleBindings,
  roles,
  roleBindings,
];
