// Which resources exist and which of their versions are served. All versions of one kind share
// one storage; a version that is defined but not served is absent from discovery and answers 404.
import { errors } from './errors.js';
import { compareVersions, groupResource, type ResourceDef } from './resources.js';
import { splitApiVersion } from './types.js';

export class Registry {
  private readonly defs: readonly ResourceDef[];
  private readonly served = new Map<string, readonly string[]>();

  /** `served` maps `plural.group` (`pods` for core) to the versions discovery shows; absent means all defined versions. */
  constructor(defs: readonly ResourceDef[], served: Readonly<Record<string, readonly string[]>> = {}) {
    this.defs = defs;
    for (const [gr, versions] of Object.entries(served)) this.setServed(gr, versions);
  }

  all(): readonly ResourceDef[] {
    return this.defs;
  }

  setServed(gr: string, versions: readonly string[]): void {
    const def = this.defs.find((d) => groupResource(d) === gr);
    if (!def) throw new Error(`unknown resource ${gr}`);
    const unknown = versions.filter((v) => !def.versions.includes(v));
    if (unknown.length > 0) throw new Error(`${gr} has no version(s) ${unknown.join(', ')}; defined: ${def.versions.join(', ')}`);
    this.served.set(gr, [...versions].sort(compareVersions));
  }

  /** Served versions, most preferred first. */
  servedVersions(def: ResourceDef): readonly string[] {
    return this.served.get(groupResource(def)) ?? [...def.versions].sort(compareVersions);
  }

  isServed(def: ResourceDef, version: string): boolean {
    return this.servedVersions(def).includes(version);
  }

  /** The resource behind a served `group/version/plural`, or undefined. */
  lookup(group: string, version: string, plural: string): ResourceDef | undefined {
    const def = this.defs.find((d) => d.group === group && d.plural === plural);
    return def && this.isServed(def, version) ? def : undefined;
  }

  /** Groups with at least one served version, each with its versions, most preferred first. */
  groups(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const def of this.defs) {
      const versions = out.get(def.group) ?? [];
      for (const v of this.servedVersions(def)) if (!versions.includes(v)) versions.push(v);
      out.set(def.group, versions);
    }
    for (const [group, versions] of out) {
      if (versions.length === 0) out.delete(group);
      else versions.sort(compareVersions);
    }
    return out;
  }

  /** Resources served at one group/version. */
  resourcesAt(group: string, version: string): ResourceDef[] {
    return this.defs.filter((d) => d.group === group && this.isServed(d, version));
  }

  /** Resolves an admin reference (`apiVersion` + `kind`), served or not, as long as the version is defined. */
  byKind(apiVersion: string, kind: string): { def: ResourceDef; version: string } {
    const { group, version } = splitApiVersion(apiVersion);
    const def = this.defs.find((d) => d.group === group && d.kind === kind);
    if (!def?.versions.includes(version)) {
      throw errors.badRequest(`no kind "${kind}" is registered for version "${apiVersion}" in the fake API server`);
    }
    return { def, version };
  }
}
