// TEST DOUBLES of kruise-manager's ImagePullJob side (contract §3.1): the job webhook's
// defaults, the controller's NodeImage edit for each selected node, and the job status it
// derives from NodeImage statuses. Node selection and `parallelism` are the caller's: every
// node passed in is written. The nodeimage controller is not modelled beyond creating a missing
// NodeImage (named after the node) so there is something to edit.
import { syncJobPullSecrets, type ReferenceObject } from './pull-secrets.js';
import { normalizeImageRef } from './image-ref.js';
import { at, isRecord, KRUISE_GROUP, rfc3339, servedVersions, storeOf, type KubeObject, type ManagerTarget } from './target.js';

export interface ImagePullJobSpec {
  image: string;
  pullSecrets?: string[];
  imagePullPolicy?: 'Always' | 'IfNotPresent';
  pullPolicy?: { timeoutSeconds?: number; backoffLimit?: number };
  completionPolicy?: { type?: 'Always' | 'Never'; activeDeadlineSeconds?: number; ttlSecondsAfterFinished?: number };
  parallelism?: number | string;
  sandboxConfig?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

export interface ImagePullJobStatus {
  startTime?: string;
  completionTime?: string;
  desired: number;
  active: number;
  succeeded: number;
  failed: number;
  failedNodes?: string[];
  message: string;
}

interface TagSpec {
  tag: string;
  version: number;
  createdAt?: string;
  imagePullPolicy?: string;
  pullPolicy?: Record<string, number>;
  ownerReferences?: Array<{ uid?: string; [k: string]: unknown }>;
}

/** The ImagePullJob webhook's defaults. */
export function imagePullJobDefaults(spec: ImagePullJobSpec): ImagePullJobSpec {
  return {
    ...spec,
    imagePullPolicy: spec.imagePullPolicy ?? 'IfNotPresent',
    pullPolicy: { timeoutSeconds: 600, backoffLimit: 3, ...spec.pullPolicy },
    completionPolicy: { type: 'Always', ...spec.completionPolicy },
    parallelism: spec.parallelism ?? 1,
  };
}

const rand = (n: number): number => Math.floor(Math.random() * n);

/** The tag-level pull policy: timeout and backoff from the job, TTL and deadline per completion type. */
function tagPullPolicy(spec: ImagePullJobSpec): Record<string, number> {
  const { timeoutSeconds = 600, backoffLimit = 3 } = spec.pullPolicy ?? {};
  const completion = spec.completionPolicy ?? {};
  if (completion.type === 'Never') {
    return { timeoutSeconds, backoffLimit, ttlSecondsAfterFinished: 24 * 3600 + rand(1200) - 600, activeDeadlineSeconds: Math.max(timeoutSeconds, 1800) };
  }
  const base = completion.ttlSecondsAfterFinished ?? completion.activeDeadlineSeconds ?? timeoutSeconds * backoffLimit;
  return {
    timeoutSeconds,
    backoffLimit,
    ttlSecondsAfterFinished: base + 300 + rand(300),
    ...(completion.activeDeadlineSeconds !== undefined ? { activeDeadlineSeconds: completion.activeDeadlineSeconds } : {}),
  };
}

const sameRef = (a: ReferenceObject, b: ReferenceObject): boolean => a.namespace === b.namespace && a.name === b.name;

/** Writes the job's image into `spec.images[<name>]` of each node's NodeImage; returns them as stored. */
export function nodeImageFromImagePullJob(target: ManagerTarget, job: KubeObject, nodeNames: readonly string[], now: Date = new Date()): KubeObject[] {
  const store = storeOf(target);
  const { name: jobName, namespace = 'default', uid } = job.metadata;
  if (!jobName || !uid) throw new Error('the ImagePullJob must be stored first (it needs a name and uid)');
  const spec = imagePullJobDefaults(job.spec as ImagePullJobSpec);
  const { name, tag } = normalizeImageRef(spec.image);
  const secrets = syncJobPullSecrets(target, { metadata: { namespace, name: jobName }, spec });
  const owner = { apiVersion: `${KRUISE_GROUP}/v1beta1`, kind: 'ImagePullJob', name: jobName, namespace, uid };
  const apiVersion = `${KRUISE_GROUP}/${servedVersions(target, 'nodeimages', ['v1beta1'])[0] ?? 'v1beta1'}`;
  return nodeNames.map((node) => {
    const ref = { apiVersion, kind: 'NodeImage', name: node };
    const current =
      store.get(ref) ?? store.create({ apiVersion, kind: 'NodeImage', metadata: { name: node, labels: { 'kubernetes.io/hostname': node } }, spec: {} });
    const images = { ...((at(current, 'spec', 'images') as Record<string, Record<string, unknown>> | undefined) ?? {}) };
    const image: Record<string, unknown> = { ...images[name] };
    if (spec.sandboxConfig) image.sandboxConfig = spec.sandboxConfig;
    else delete image.sandboxConfig;
    const pullSecrets = [...((image.pullSecrets as ReferenceObject[] | undefined) ?? [])];
    for (const s of secrets) if (!pullSecrets.some((p) => sameRef(p, s))) pullSecrets.push(s);
    if (pullSecrets.length > 0) image.pullSecrets = pullSecrets;
    const tags = ((image.tags as TagSpec[] | undefined) ?? []).map((t) => ({ ...t }));
    const existing = tags.find((t) => t.tag === tag);
    if (existing && !(existing.ownerReferences ?? []).some((o) => o.uid === uid)) {
      Object.assign(existing, {
        version: existing.version + 1,
        ownerReferences: [...(existing.ownerReferences ?? []), owner],
        createdAt: rfc3339(now),
        imagePullPolicy: spec.imagePullPolicy,
      });
    } else if (!existing) {
      const statusTags = (at(current, 'status', 'imageStatuses', name, 'tags') as Array<{ tag: string; version: number }> | undefined) ?? [];
      const seen = statusTags.find((t) => t.tag === tag)?.version ?? -1;
      tags.push({
        tag,
        pullPolicy: tagPullPolicy(spec),
        ownerReferences: [owner],
        version: seen + 1,
        createdAt: rfc3339(now),
        imagePullPolicy: spec.imagePullPolicy!,
      });
    }
    image.tags = tags.sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
    images[name] = image;
    const currentSpec = isRecord(current.spec) ? current.spec : {};
    return store.update({ ...current, spec: { ...currentSpec, images } });
  });
}

/** The job status the controller derives from the NodeImages of the job's nodes (upstream `calculateStatus`, without deadlines). */
export function imagePullJobStatusFrom(job: KubeObject, nodeImages: readonly KubeObject[], now: Date = new Date()): ImagePullJobStatus {
  const spec = imagePullJobDefaults(job.spec as ImagePullJobSpec);
  const { name, tag } = normalizeImageRef(spec.image);
  let active = 0;
  const succeeded: string[] = [];
  const failed: string[] = [];
  for (const ni of nodeImages) {
    const tagSpec = ((at(ni, 'spec', 'images', name, 'tags') as TagSpec[] | undefined) ?? []).find((t) => t.tag === tag);
    if (!tagSpec || !(tagSpec.ownerReferences ?? []).some((o) => o.uid === job.metadata.uid)) continue; // not synced yet
    const statusTags = (at(ni, 'status', 'imageStatuses', name, 'tags') as Array<{ tag: string; version: number; phase?: string }> | undefined) ?? [];
    const st = statusTags.find((t) => t.tag === tag);
    if (st?.version === tagSpec.version && st.phase === 'Succeeded') succeeded.push(ni.metadata.name!);
    else if (st?.version === tagSpec.version && st.phase === 'Failed') failed.push(ni.metadata.name!);
    else active += 1;
  }
  const desired = nodeImages.length;
  const done = spec.completionPolicy?.type !== 'Never' && desired - succeeded.length - failed.length === 0;
  const progress =
    desired === 0 ? 'job is running, no progress' : `job is running, progress ${((100 * (succeeded.length + failed.length)) / desired).toFixed(1)}%`;
  const startTime = typeof at(job, 'status', 'startTime') === 'string' ? (at(job, 'status', 'startTime') as string) : rfc3339(now);
  return {
    startTime,
    ...(done ? { completionTime: rfc3339(now) } : {}),
    desired,
    active,
    succeeded: succeeded.length,
    failed: failed.length,
    ...(failed.length > 0 ? { failedNodes: failed.sort() } : {}),
    message: done ? 'job has completed' : progress,
  };
}
