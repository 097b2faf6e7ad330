// Reading a NodeImage (contract §3.3): the spec tags with everything an `imageTag` actor needs,
// the actor key per (image, tag, version), and the persisted status a finished tag is adopted from.
import type { InvolvedObject, KubeObject } from '../../../adapters/kube/index.js';
import type { ImageTagInput } from '../../../machines/image-pull/image-tag.machine.js';
import type { ImageTagStatus, PullSecretRef, SandboxConfig, TagPullPolicy } from '../../../machines/image-pull/types.js';

export interface SpecTag {
  readonly key: string;
  readonly image: string;
  readonly tag: string;
  readonly version: number;
  readonly input: ImageTagInput;
  /** The tag's `ownerReferences` (ImagePullJobs): PullImageFailed goes to each. */
  readonly owners: readonly InvolvedObject[];
}

/** The actor key of one (image, tag, version). */
export const tagKey = (image: string, tag: string, version: number): string => `${image}:${tag}@${version}`;

const record = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const strMap = (v: unknown): Record<string, string> | undefined => {
  if (typeof v !== 'object' || v === null) return undefined;
  return Object.fromEntries(Object.entries(v).filter(([, x]) => typeof x === 'string')) as Record<string, string>;
};

function pullPolicyOf(v: unknown): TagPullPolicy | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const p = record(v);
  const out: { timeoutSeconds?: number; backoffLimit?: number; activeDeadlineSeconds?: number } = {};
  for (const field of ['timeoutSeconds', 'backoffLimit', 'activeDeadlineSeconds'] as const) {
    const n = num(p[field]);
    if (n !== undefined) out[field] = n;
  }
  return out;
}

function sandboxOf(v: unknown): SandboxConfig | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const s = record(v);
  const labels = strMap(s.labels);
  const annotations = strMap(s.annotations);
  return { ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) };
}

function ownerOf(v: unknown): InvolvedObject {
  const o = record(v);
  return {
    kind: str(o.kind),
    ...(str(o.apiVersion) ? { apiVersion: str(o.apiVersion) } : {}),
    name: str(o.name),
    ...(str(o.namespace) ? { namespace: str(o.namespace) } : {}),
    ...(str(o.uid) ? { uid: str(o.uid) } : {}),
  };
}

/** Every tag of `spec.images`, in image then spec order. */
export function specTags(nodeImage: KubeObject): SpecTag[] {
  const out: SpecTag[] = [];
  for (const [image, rawSpec] of Object.entries(record(record(nodeImage.spec).images))) {
    const spec = record(rawSpec);
    const pullSecrets: PullSecretRef[] = list(spec.pullSecrets).map((s) => ({ namespace: str(record(s).namespace), name: str(record(s).name) }));
    const sandboxConfig = sandboxOf(spec.sandboxConfig);
    for (const rawTag of list(spec.tags)) {
      const t = record(rawTag);
      const tag = str(t.tag);
      const version = num(t.version) ?? 0;
      const pullPolicy = pullPolicyOf(t.pullPolicy);
      const input: ImageTagInput = {
        name: image,
        tag,
        version,
        imagePullPolicy: str(t.imagePullPolicy),
        pullSecrets,
        ...(pullPolicy ? { pullPolicy } : {}),
        ...(sandboxConfig ? { sandboxConfig } : {}),
      };
      out.push({ key: tagKey(image, tag, version), image, tag, version, input, owners: list(t.ownerReferences).map(ownerOf) });
    }
  }
  return out;
}

/** The persisted status of `image`/`tag` at `version` when it is finished (has a completionTime). */
export function persistedFinished(nodeImage: KubeObject, image: string, tag: string, version: number): ImageTagStatus | undefined {
  return persistedFinishedIndex(nodeImage).get(tagKey(image, tag, version));
}

/** Every finished (completionTime set) status entry of the object, by actor key: one pass, for a lookup per tag. */
export function persistedFinishedIndex(nodeImage: KubeObject): Map<string, ImageTagStatus> {
  const out = new Map<string, ImageTagStatus>();
  for (const [image, entry] of Object.entries(record(record(nodeImage.status).imageStatuses))) {
    for (const raw of list(record(entry).tags)) {
      const t = record(raw);
      if (typeof t.tag !== 'string' || typeof t.version !== 'number' || typeof t.completionTime !== 'string' || t.completionTime === '') continue;
      const key = tagKey(image, t.tag, t.version);
      if (!out.has(key)) out.set(key, t as unknown as ImageTagStatus);
    }
  }
  return out;
}
