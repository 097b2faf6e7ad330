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
