// What the real registry strategies do on REST writes (the admin API skips all of this):
// create resets pod status to Pending and drops CR status; the main resource ignores status
// changes and `/status` ignores everything but status (built-in kinds may also change labels,
// annotations and finalizers through `/status`, as pods/status allows); deletion honours
// finalizers and pod graceful deletion.
import { errors } from './errors.js';
import type { ResourceDef } from './resources.js';
import type { Storage } from './storage.js';
import { isRecord, rfc3339, type KubeObject } from './types.js';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function validateName(def: ResourceDef, obj: KubeObject): void {
  const name = obj.metadata.name;
  if (name === undefined || name === '') return;
  const ok = def.plural === 'namespaces' ? name.length <= 63 && DNS_LABEL.test(name) : name.length <= 253 && DNS_SUBDOMAIN.test(name);
  if (!ok)
    throw errors.invalid(def, name, [
      {
        field: 'metadata.name',
        message: `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'`,
      },
    ]);
}

function secretData(obj: KubeObject): KubeObject {
  if (!isRecord(obj.stringData)) return obj;
  const data: Record<string, unknown> = isRecord(obj.data) ? { ...obj.data } : {};
  for (const [k, v] of Object.entries(obj.stringData)) data[k] = Buffer.from(String(v)).toString('base64');
  const { stringData: _drop, ...rest } = obj;
  return { ...rest, metadata: obj.metadata, data };
}

function quantityOf(container: unknown, kind: 'requests' | 'limits', resource: string): unknown {
  const resources = isRecord(container) ? container.resources : undefined;
  const set = isRecord(resources) ? resources[kind] : undefined;
  return isRecord(set) ? set[resource] : undefined;
}

function qosClass(pod: KubeObject): string {
  const spec = isRecord(pod.spec) ? pod.spec : {};
  const containers = [...(Array.isArray(spec.containers) ? spec.containers : []), ...(Array.isArray(spec.initContainers) ? spec.initContainers : [])];
  const any = containers.some((c) => ['cpu', 'memory'].some((r) => quantityOf(c, 'requests', r) !== undefined || quantityOf(c, 'limits', r) !== undefined));
  if (!any) return 'BestEffort';
  const guaranteed = containers.every((c) =>
    ['cpu', 'memory'].every((r) => {
      const limit = quantityOf(c, 'limits', r);
      const request = quantityOf(c, 'requests', r);
      return limit !== undefined && (request === undefined || String(request) === String(limit));
    }),
  );
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

export function prepareForCreate(def: ResourceDef, body: KubeObject): KubeObject {
  validateName(def, body);
  if (body.metadata.resourceVersion) throw errors.internal('resourceVersion should not be set on objects to be created');
  let obj: KubeObject = body;
  if (def.plural === 'pods' && def.group === '') obj = { ...obj, status: { phase: 'Pending', qosClass: qosClass(obj) } };
  else if (def.plural === 'namespaces' && def.group === '') obj = { ...obj, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } };
  else if (def.plural === 'secrets' && def.group === '') obj = { ...secretData(obj), type: obj.type ?? 'Opaque' };
  else if (def.statusSubresource && !def.builtin) {
    const { status: _drop, ...rest } = obj;
    obj = { ...rest, metadata: obj.metadata };
  }
  return obj;
}

/** PUT: resourceVersion precondition. CRDs (and patches that carry one) must match the stored version. */
export function checkResourceVersion(def: ResourceDef, previous: KubeObject, next: KubeObject, requireVersion: boolean): void {
  const rv = next.metadata.resourceVersion;
  if (!rv) {
    if (requireVersion && !def.builtin) {
      throw errors.invalid(def, previous.metadata.name!, [
        { field: 'metadata.resourceVersion', message: 'Invalid value: 0x0: must be specified for an update' },
      ]);
    }
    return;
  }
  if (rv !== previous.metadata.resourceVersion) throw errors.conflict(def, previous.metadata.name!);
}

export function prepareForUpdate(def: ResourceDef, previous: KubeObject, next: KubeObject, subresource: string | undefined): KubeObject {
  const { deletionTimestamp: _t, deletionGracePeriodSeconds: _g, ...metadata } = next.metadata;
  let obj: KubeObject = { ...next, metadata };
  if (subresource === 'status') {
    if (def.builtin) {
      const out: KubeObject = { metadata: { ...metadata, ownerReferences: previous.metadata.ownerReferences } };
      if (out.metadata.ownerReferences === undefined) delete out.metadata.ownerReferences;
      for (const [k, v] of Object.entries(previous)) if (k !== 'metadata' && k !== 'status') out[k] = v;
      if (next.status !== undefined) out.status = next.status;
      obj = out;
    } else {
      const { status: _drop, ...rest } = previous;
      obj = { ...rest, ...(next.status !== undefined ? { status: next.status } : {}) };
    }
  } else if (def.statusSubresource) {
    const { status: _drop, ...rest } = obj;
    obj = { ...rest, metadata: obj.metadata, ...(previous.status !== undefined ? { status: previous.status } : {}) };
  }
  if (previous.metadata.deletionTimestamp !== undefined) {
    const before = new Set(previous.metadata.finalizers ?? []);
    if ((obj.metadata.finalizers ?? []).some((f) => !before.has(f))) {
      throw errors.invalid(def, previous.metadata.name!, [
        { field: 'metadata.finalizers', message: 'Forbidden: no new finalizers can be added if the object is being deleted' },
      ]);
    }
  }
  if (def.plural === 'secrets' && def.group === '') obj = secretData(obj);
  return obj;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

/**
 * DELETE of one object. With finalizers it only sets deletionTimestamp; a pod bound to a node and
 * not finished is deleted gracefully (deletionTimestamp = now + grace) unless grace is 0.
 */
export function deleteObject(
  storage: Storage,
  def: ResourceDef,
  current: KubeObject,
  options: DeleteOptions,
  podGraceful: boolean,
): { object: KubeObject; deleted: boolean } {
  const name = current.metadata.name!;
  const pre = options.preconditions;
  if (pre?.uid && pre.uid !== current.metadata.uid) {
    throw errors.conflict(def, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid ?? ''}`);
  }
  if (pre?.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) {
    throw errors.conflict(
      def,
      name,
      `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion ?? ''}`,
    );
  }
  const dryRun = options.dryRun ?? false;
  const finalizers = current.metadata.finalizers ?? [];
  let grace = 0;
  if (podGraceful && def.plural === 'pods' && def.group === '') {
    const spec = isRecord(current.spec) ? current.spec : {};
    const phase = isRecord(current.status) ? current.status.phase : undefined;
    const bound = typeof spec.nodeName === 'string' && spec.nodeName !== '' && phase !== 'Succeeded' && phase !== 'Failed';
    const requested = options.gracePeriodSeconds ?? (typeof spec.terminationGracePeriodSeconds === 'number' ? spec.terminationGracePeriodSeconds : 30);
    grace = bound ? Math.max(0, requested) : 0;
    const already = current.metadata.deletionGracePeriodSeconds;
    if (already !== undefined && grace > already) grace = already;
  }
  if (finalizers.length === 0 && grace === 0) return { object: storage.remove(def, current, dryRun), deleted: true };
  const same = current.metadata.deletionTimestamp !== undefined && current.metadata.deletionGracePeriodSeconds === grace;
  if (same) return { object: current, deleted: false };
  const when = rfc3339(new Date(Date.now() + grace * 1000));
  const marked: KubeObject = { ...current, metadata: { ...current.metadata, deletionTimestamp: when, deletionGracePeriodSeconds: grace } };
  const stored = storage.replace(
    def,
    { ...current, metadata: { ...current.metadata, deletionTimestamp: undefined, deletionGracePeriodSeconds: undefined } },
    marked,
    dryRun,
  );
  return { object: stored, deleted: false };
}
