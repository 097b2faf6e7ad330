// Strategic merge patch, the subset built-in types need: maps merge recursively and `null`
// deletes a key; lists are replaced unless the schema declares a merge key (containers by
// `name`, conditions by `type`, ...) or a set merge (`metadata.finalizers`). Directives:
// `$patch: replace|delete|merge` on maps and list elements, `$retainKeys`,
// `$deleteFromPrimitiveList/<field>`; `$setElementOrder/<field>` is accepted and ignored.
import { errors } from './errors.js';
import type { PatchMeta } from './resources.js';
import { clone, deepEqual, isRecord } from './types.js';

const DELETE = Symbol('delete');

function isDirective(key: string): boolean {
  return key === '$patch' || key === '$retainKeys' || key.startsWith('$setElementOrder/') || key.startsWith('$deleteFromPrimitiveList/');
}

/** A patch fragment used as a plain value: directives removed at every depth. */
function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((v) => !(isRecord(v) && v.$patch !== undefined && Object.keys(v).length === 1)).map(strip);
  if (!isRecord(value)) return clone(value);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (!isDirective(k) && v !== null) out[k] = strip(v);
  return out;
}

function mergeMap(original: Record<string, unknown>, patch: Record<string, unknown>, meta: PatchMeta | undefined): Record<string, unknown> | typeof DELETE {
  const directive = patch.$patch;
  if (directive === 'delete') return DELETE;
  if (directive === 'replace') return strip(patch) as Record<string, unknown>;
  if (directive !== undefined && directive !== 'merge') throw errors.badRequest(`Unknown patch type: ${String(directive)} in map: ${JSON.stringify(patch)}`);
  const result: Record<string, unknown> = { ...original };
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      const current = result[field];
      if (Array.isArray(current) && Array.isArray(value)) result[field] = current.filter((v) => !value.some((d) => deepEqual(d, v)));
      continue;
    }
    if (isDirective(key)) continue;
    const fieldMeta = meta?.fields?.[key];
    if (value === null) {
      delete result[key];
    } else if (isRecord(value)) {
      const current = result[key];
      const merged = mergeMap(isRecord(current) ? current : {}, value, fieldMeta);
      if (merged === DELETE) delete result[key];
      else result[key] = merged;
    } else if (Array.isArray(value)) {
      result[key] = mergeList(result[key], value, fieldMeta);
    } else {
      result[key] = value;
    }
  }
  if (Array.isArray(patch.$retainKeys)) {
    const keep = new Set(patch.$retainKeys.map(String));
    for (const key of Object.keys(result)) if (!keep.has(key)) delete result[key];
  }
  return result;
}

function mergeList(original: unknown, patch: readonly unknown[], meta: PatchMeta | undefined): unknown[] {
  if (patch.some((v) => isRecord(v) && v.$patch === 'replace')) return strip(patch.filter((v) => !(isRecord(v) && v.$patch === 'replace'))) as unknown[];
  const current = Array.isArray(original) ? original : [];
  if (meta?.primitiveMerge) {
    const out = [...current];
    for (const v of patch) if (!out.some((o) => deepEqual(o, v))) out.push(clone(v));
    return out;
  }
  const key = meta?.mergeKey;
  if (key === undefined) return strip(patch) as unknown[];
  const out = [...current];
  for (const item of patch) {
    if (!isRecord(item)) throw errors.badRequest(`unable to find api field in struct for the list element: ${JSON.stringify(item)}`);
    if (!Object.hasOwn(item, key)) throw errors.badRequest(`map: ${JSON.stringify(item)} does not contain declared merge key: ${key}`);
    const at = out.findIndex((o) => isRecord(o) && deepEqual(o[key], item[key]));
    if (item.$patch === 'delete') {
      if (at >= 0) out.splice(at, 1);
      continue;
    }
    const base = at >= 0 && isRecord(out[at]) ? (out[at] as Record<string, unknown>) : {};
    const merged = mergeMap(base, item, meta?.items);
    if (merged === DELETE) {
      if (at >= 0) out.splice(at, 1);
    } else if (at >= 0) {
      out[at] = merged;
    } else {
      out.push(merged);
    }
  }
  return out;
}

export function strategicMergePatch(original: Record<string, unknown>, patch: unknown, meta: PatchMeta | undefined): Record<string, unknown> {
  if (!isRecord(patch)) throw errors.badRequest('strategic merge patch must be a JSON object');
  const merged = mergeMap(original, patch, meta);
  if (merged === DELETE) throw errors.badRequest('a strategic merge patch cannot delete the whole object');
  return merged;
}
