// TEST DOUBLE of the ImagePullJob controller's secret sync (contract §3.1): the job's pull
// secrets are copied into `kruise-daemon-config` (the only namespace the daemon may read) as
// `<name>-<6 hex>`, annotated with their source, the referencing jobs and mode `batch`; a copy
// that already exists for the same source is reused and gets this job added to its references.
import { randomBytes } from 'node:crypto';
import { storeOf, type KubeObject, type ManagerTarget } from './target.js';

export const DAEMON_CONFIG_NAMESPACE = 'kruise-daemon-config';
export const SECRET_ANNOTATION_SOURCE = 'imagepulljobs.kruise.io/source-key';
export const SECRET_ANNOTATION_REFERENCES = 'imagepulljobs.kruise.io/references';
export const SECRET_ANNOTATION_MODE = 'imagepulljobs.kruise.io/mode';

export interface ReferenceObject {
  namespace: string;
  name: string;
  mode?: string;
}

/** The `ReferenceObject`s to put into NodeImage `pullSecrets`; missing source secrets are skipped. */
export function syncJobPullSecrets(
  target: ManagerTarget,
  job: { metadata: { namespace?: string; name?: string }; spec?: { pullSecrets?: readonly string[] } },
): ReferenceObject[] {
  const store = storeOf(target);
  const namespace = job.metadata.namespace ?? 'default';
  const names = job.spec?.pullSecrets ?? [];
  if (namespace === DAEMON_CONFIG_NAMESPACE) return names.map((name) => ({ namespace, name }));
  const jobKey = `${namespace}/${job.metadata.name ?? ''}`;
  const copies = store.list('v1', 'Secret', { namespace: DAEMON_CONFIG_NAMESPACE }).sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
  const refs: ReferenceObject[] = [];
  for (const name of names) {
    const source = store.get({ apiVersion: 'v1', kind: 'Secret', namespace, name });
    if (!source) continue;
    const sourceKey = `${namespace}/${name}`;
    const existing = copies.find((s) => s.metadata.annotations?.[SECRET_ANNOTATION_SOURCE] === sourceKey);
    if (existing) {
      const annotations = { ...existing.metadata.annotations };
      const jobs = new Set((annotations[SECRET_ANNOTATION_REFERENCES] ?? '').split(',').filter(Boolean)).add(jobKey);
      annotations[SECRET_ANNOTATION_REFERENCES] = [...jobs].sort().join(',');
      store.update({ ...existing, metadata: { ...existing.metadata, annotations }, data: source.data, type: source.type });
      refs.push({ namespace: DAEMON_CONFIG_NAMESPACE, name: existing.metadata.name!, mode: annotations[SECRET_ANNOTATION_MODE] ?? '' });
      continue;
    }
    const copy: KubeObject = store.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        namespace: DAEMON_CONFIG_NAMESPACE,
        name: `${name}-${randomBytes(3).toString('hex')}`,
        ...(source.metadata.labels ? { labels: { ...source.metadata.labels } } : {}),
        annotations: {
          ...source.metadata.annotations,
          [SECRET_ANNOTATION_REFERENCES]: jobKey,
          [SECRET_ANNOTATION_SOURCE]: sourceKey,
          [SECRET_ANNOTATION_MODE]: 'batch',
        },
      },
      ...(source.type !== undefined ? { type: source.type } : {}),
      ...(source.data !== undefined ? { data: source.data } : {}),
    });
    refs.push({ namespace: DAEMON_CONFIG_NAMESPACE, name: copy.metadata.name!, mode: 'batch' });
  }
  return refs;
}
