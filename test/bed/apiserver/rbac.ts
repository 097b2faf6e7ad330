// Optional authorization: a list of RBAC-style rules, and the rules the kruise-daemon service
// account has (contract §1.2), so a test can prove the daemon never asks for more.
import { errors, type ApiError } from './errors.js';
import type { ResourceDef } from './resources.js';
import type { Verb } from './types.js';

export interface AuthorizationAttributes {
  readonly verb: Verb;
  readonly group: string;
  /** Plural, with `/status` appended for the status subresource. */
  readonly resource: string;
  readonly namespace?: string;
  readonly name?: string;
}

export type Authorizer = (attrs: AuthorizationAttributes) => boolean;

export interface PolicyRule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
  /** Limits the rule to one namespace (a Role); absent means cluster-wide (a ClusterRole). */
  readonly namespace?: string;
}

export function authorizerFromRules(rules: readonly PolicyRule[]): Authorizer {
  return (a) =>
    rules.some(
      (r) =>
        (r.apiGroups.includes(a.group) || r.apiGroups.includes('*')) &&
        (r.resources.includes(a.resource) || r.resources.includes('*')) &&
        (r.verbs.includes(a.verb) || r.verbs.includes('*')) &&
        (r.namespace === undefined || r.namespace === a.namespace),
    );
}

/** ClusterRole `kruise-daemon-role` plus Role `kruise-daemon-secret-role` (namespace kruise-daemon-config). */
export const kruiseDaemonRules: readonly PolicyRule[] = [
  { apiGroups: ['apps.kruise.io'], resources: ['nodeimages'], verbs: ['get', 'list', 'patch', 'update', 'watch'] },
  { apiGroups: ['apps.kruise.io'], resources: ['nodeimages/status'], verbs: ['get', 'patch', 'update'] },
  { apiGroups: [''], resources: ['events'], verbs: ['create', 'update', 'patch'] },
  { apiGroups: ['apps.kruise.io'], resources: ['containerrecreaterequests'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['apps.kruise.io'], resources: ['containerrecreaterequests/status'], verbs: ['get', 'patch', 'update'] },
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'patch', 'update', 'watch'] },
  { apiGroups: [''], resources: ['pods/status'], verbs: ['get', 'patch', 'update'] },
  { apiGroups: ['apps.kruise.io'], resources: ['nodepodprobes'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['apps.kruise.io'], resources: ['nodepodprobes/status'], verbs: ['get', 'patch', 'update'] },
  { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'], namespace: 'kruise-daemon-config' },
];

export function forbidden(def: ResourceDef, attrs: AuthorizationAttributes, user: string): ApiError {
  const scope = attrs.namespace !== undefined ? ` in the namespace "${attrs.namespace}"` : ' at the cluster scope';
  const what =
    attrs.name !== undefined
      ? `${def.group ? `${def.plural}.${def.group}` : def.plural} "${attrs.name}"`
      : def.group
        ? `${def.plural}.${def.group}`
        : def.plural;
  return errors.forbidden(
    def,
    attrs.name,
    `${what} is forbidden: User "${user}" cannot ${attrs.verb} resource "${attrs.resource}" in API group "${attrs.group}"${scope}`,
  );
}

/** The subject a bearer token stands for, as RBAC bindings name it. */
export interface RbacSubject {
  readonly user: string;
  readonly groups: readonly string[];
}

/** `system:serviceaccount:<ns>:<name>` with the groups the API server gives service accounts. */
export function serviceAccountSubject(namespace: string, name: string): RbacSubject {
  return {
    user: `system:serviceaccount:${namespace}:${name}`,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
  };
}

interface StoredRule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
  resourceNames?: string[];
}
interface StoredBinding {
  metadata: { namespace?: string };
  roleRef?: { kind?: string; name?: string };
  subjects?: Array<{ kind?: string; name?: string; namespace?: string }>;
}

/** What a reader of the fake's storage needs: FakeStore's `list`. */
export interface RbacSource {
  list(apiVersion: string, kind: string, filter?: { namespace?: string }): readonly object[];
}

/**
 * RBAC as the real authorizer evaluates it, over the ClusterRoles, Roles and bindings stored in
 * the fake at the time of each request (what `kubectl apply` created): a ClusterRoleBinding
 * grants its ClusterRole everywhere, a RoleBinding grants its Role or ClusterRole in its own
 * namespace. resourceNames limit a rule to those names.
 */
export function authorizerFromStore(source: RbacSource, subject: RbacSubject): Authorizer {
  const RBAC = 'rbac.authorization.k8s.io/v1';
  const names = (s: NonNullable<StoredBinding['subjects']>[number]): boolean =>
    (s.kind === 'ServiceAccount' && `system:serviceaccount:${s.namespace}:${s.name}` === subject.user) ||
    (s.kind === 'User' && s.name === subject.user) ||
    (s.kind === 'Group' && s.name !== undefined && subject.groups.includes(s.name));
  const rulesOf = (kind: string | undefined, name: string | undefined, namespace?: string): StoredRule[] => {
    const roles = (kind === 'ClusterRole' ? source.list(RBAC, 'ClusterRole') : source.list(RBAC, 'Role', { namespace: namespace! })) as Array<{
      metadata: { name?: string };
      rules?: StoredRule[];
    }>;
    return roles.find((r) => r.metadata.name === name)?.rules ?? [];
  };
  return (a) => {
    const grants: Array<{ rule: StoredRule; namespace?: string }> = [];
    for (const b of source.list(RBAC, 'ClusterRoleBinding') as StoredBinding[])
      if ((b.subjects ?? []).some(names)) for (const rule of rulesOf(b.roleRef?.kind, b.roleRef?.name)) grants.push({ rule });
    for (const b of source.list(RBAC, 'RoleBinding') as StoredBinding[]) {
      if (!(b.subjects ?? []).some(names)) continue;
      for (const rule of rulesOf(b.roleRef?.kind, b.roleRef?.name, b.metadata.namespace)) grants.push({ rule, namespace: b.metadata.namespace! });
    }
    return grants.some(
      ({ rule, namespace }) =>
        authorizerFromRules([
          { apiGroups: rule.apiGroups ?? [], resources: rule.resources ?? [], verbs: rule.verbs ?? [], ...(namespace ? { namespace } : {}) },
        ])(a) &&
        (rule.resourceNames === undefined || rule.resourceNames.length === 0 || (a.name !== undefined && rule.resourceNames.includes(a.name))),
    );
  };
}
