// Turns a request path into what the API server's RequestInfo resolver would see: verb,
// group/version/resource, namespace, name, subresource. Paths under /api and /apis that name
// no served resource are 404s; anything else is a non-resource path (discovery, /version).
import { errors } from './errors.js';
import type { Registry } from './registry.js';
import type { ResourceDef } from './resources.js';
import type { Verb } from './types.js';

export interface ResourceRoute {
  readonly kind: 'resource';
  readonly verb: Verb;
  readonly def: ResourceDef;
  readonly version: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly subresource?: string;
}

export interface NonResourceRoute {
  readonly kind: 'nonResource';
  readonly segments: readonly string[];
}

export type Route = ResourceRoute | NonResourceRoute;

function truthy(value: string | null): boolean {
  return value === 'true' || value === '1';
}

export function route(registry: Registry, method: string, pathname: string, query: URLSearchParams): Route {
  const segments = pathname
    .split('/')
    .filter((s) => s !== '')
    .map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (segments[0] === 'api' && segments.length >= 3) {
    group = '';
    version = segments[1]!;
    rest = segments.slice(2);
  } else if (segments[0] === 'apis' && segments.length >= 4) {
    group = segments[1]!;
    version = segments[2]!;
    rest = segments.slice(3);
  } else {
    return { kind: 'nonResource', segments };
  }
  const watchPath = rest[0] === 'watch';
  if (watchPath) rest = rest.slice(1);
  let namespace: string | undefined;
  const namespaceSubresource = rest.length === 3 && group === '' && (rest[2] === 'status' || rest[2] === 'finalize');
  if (rest[0] === 'namespaces' && rest.length >= 3 && !namespaceSubresource) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  if (rest.length === 0 || rest.length > 3) throw errors.noRoute();
  const [plural, name, subresource] = rest as [string, string | undefined, string | undefined];
  const def = registry.lookup(group, version, plural);
  if (!def) throw errors.noRoute();
  if (namespace !== undefined && !def.namespaced) throw errors.noRoute();
  if (subresource !== undefined && !(subresource === 'status' && def.statusSubresource)) throw errors.noRoute();
  if (subresource !== undefined && watchPath) throw errors.noRoute();
  let verb: Verb;
  switch (method) {
    case 'GET':
    case 'HEAD':
      verb = watchPath ? 'watch' : name !== undefined ? 'get' : truthy(query.get('watch')) ? 'watch' : 'list';
      break;
    case 'POST':
      if (name !== undefined) throw errors.methodNotAllowed();
      verb = 'create';
      break;
    case 'PUT':
      if (name === undefined) throw errors.methodNotAllowed();
      verb = 'update';
      break;
    case 'PATCH':
      if (name === undefined) throw errors.methodNotAllowed();
      verb = 'patch';
      break;
    case 'DELETE':
      verb = name === undefined ? 'deletecollection' : 'delete';
      break;
    default:
      throw errors.methodNotAllowed();
  }
  if (watchPath && method !== 'GET') throw errors.methodNotAllowed();
  if (def.namespaced && namespace === undefined && verb !== 'list' && verb !== 'watch') {
    if (name !== undefined) throw errors.noRoute();
    throw errors.methodNotAllowed();
  }
  if (subresource !== undefined && (verb === 'delete' || verb === 'create')) throw errors.methodNotAllowed();
  return {
    kind: 'resource',
    verb,
    def,
    version,
    ...(namespace !== undefined ? { namespace } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(subresource !== undefined ? { subresource } : {}),
  };
}
