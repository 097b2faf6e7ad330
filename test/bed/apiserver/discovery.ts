// Discovery documents (the unaggregated v1 forms): /api, /api/v1, /apis, /apis/<group>,
// /apis/<group>/<version>, and /version. Computed per request, so changing served versions at
// runtime shows up at once.
import { createHash } from 'node:crypto';
import { errors } from './errors.js';
import type { Registry } from './registry.js';
import type { ResourceDef } from './resources.js';
import { joinApiVersion } from './types.js';

export interface VersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
  gitCommit?: string;
  gitTreeState?: string;
  buildDate?: string;
  goVersion?: string;
  compiler?: string;
  platform?: string;
}

export const defaultVersionInfo: VersionInfo = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.10',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'go1.23.12',
  compiler: 'gc',
  platform: 'linux/amd64',
};

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function storageVersionHash(def: ResourceDef, version: string): string {
  return createHash('sha256').update(`${def.group}/${version}/${def.kind}`).digest('base64').slice(0, 11);
}

function resourceList(registry: Registry, group: string, version: string): object {
  const resources: object[] = [];
  for (const def of registry.resourcesAt(group, version)) {
    resources.push({
      name: def.plural,
      singularName: def.singular,
      namespaced: def.namespaced,
      kind: def.kind,
      verbs: VERBS,
      ...(def.shortNames ? { shortNames: def.shortNames } : {}),
      ...(def.categories ? { categories: def.categories } : {}),
      storageVersionHash: storageVersionHash(def, version),
    });
    if (def.statusSubresource) {
      resources.push({ name: `${def.plural}/status`, singularName: '', namespaced: def.namespaced, kind: def.kind, verbs: ['get', 'patch', 'update'] });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: joinApiVersion(group, version), resources };
}

function apiGroup(group: string, versions: readonly string[]): object {
  const entries = versions.map((version) => ({ groupVersion: `${group}/${version}`, version }));
  return { name: group, versions: entries, preferredVersion: entries[0] };
}

/** The discovery document for a non-resource path, or undefined when the path is not discovery. */
export function discovery(registry: Registry, segments: readonly string[], serverAddress: string, versionInfo: VersionInfo): object | undefined {
  const groups = registry.groups();
  const [root, a, b, ...rest] = segments;
  if (rest.length > 0) return undefined;
  if (root === 'version' && a === undefined) return versionInfo;
  if (root === 'api') {
    const core = groups.get('') ?? [];
    if (a === undefined) {
      return { kind: 'APIVersions', versions: core, serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
    }
    if (b === undefined) {
      if (!core.includes(a)) throw errors.noRoute();
      return resourceList(registry, '', a);
    }
    return undefined;
  }
  if (root === 'apis') {
    if (a === undefined) {
      const list = [...groups].filter(([g]) => g !== '').map(([g, versions]) => apiGroup(g, versions));
      return { kind: 'APIGroupList', apiVersion: 'v1', groups: list };
    }
    const versions = groups.get(a);
    if (a === '' || !versions) throw errors.noRoute();
    if (b === undefined) return { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(a, versions) };
    if (!versions.includes(b)) throw errors.noRoute();
    return resourceList(registry, a, b);
  }
  return undefined;
}
