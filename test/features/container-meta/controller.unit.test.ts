// The container-meta glue without a runtime: upstream's filter, the view it delivers (only the
// label and annotation values the env reads), one actor per pod, news-only delivery, release on
// delete, on losing the filter and on a new pod of the same name, no actor for a deleting pod,
// recovered actors adopted and released once the informer shows their pod gone, and the log lines
// it writes from what the actors emit. The host is a recording fake.
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { KubeObject, Observation } from '../../../adapters/kube/index.js';
import type { LogRecord } from '../../../engine/log/record.js';
import { createContainerMetaController, type ContainerMetaHost } from '../../../daemon/features/container-meta/index.js';
import { metaPodView, passesFilter } from '../../../daemon/features/container-meta/views.js';
import type { ContainerMetaEmitted, PodObservedEvent } from '../../../machines/container-meta/types.js';

function fakeHost(recovered: string[] = []) {
  const live = new Set(recovered);
  const deliveries: Array<{ key: string; event: PodObservedEvent; input?: unknown }> = [];
  const released: string[] = [];
  const host: ContainerMetaHost = {
    deliver: (key, _machine, event, input) => {
      const spawned = !live.has(key);
      live.add(key);
      deliveries.push({ key, event: event as unknown as PodObservedEvent, ...(spawned ? { input: input?.() } : {}) });
    },
    has: (key) => live.has(key),
    keys: () => [...live],
    snapshot: ((key: string) => (live.has(key) ? { machine: { id: 'containerMetaPod' } } : undefined)) as ContainerMetaHost['snapshot'],
    release: (key) => {
      released.push(key);
      return live.delete(key);
    },
  };
  return { host, live, deliveries, released };
}

const OWNER = { apiVersion: 'apps.kruise.io/v1alpha1', kind: 'CloneSet', name: 'c', uid: 'c1', controller: true };

function pod(
  name: string,
  extra: { uid?: string; rv?: string; owner?: object | null; labels?: Record<string, string>; annotations?: Record<string, string>; deleting?: boolean } = {},
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'apps',
      uid: extra.uid ?? `uid-${name}`,
      resourceVersion: extra.rv ?? '1',
      labels: extra.labels ?? { version: 'v1', unrelated: 'x' },
      annotations: extra.annotations ?? { note: 'n', other: 'big text' },
      ...(extra.owner === null ? {} : { ownerReferences: [extra.owner ?? OWNER] }),
      ...(extra.deleting ? { deletionTimestamp: '2026-07-01T10:01:00Z' } : {}),
    },
    spec: {
      containers: [
        {
          name: 'main',
          env: [
            { name: 'VERSION', valueFrom: { fieldRef: { fieldPath: "metadata.labels['version']" } } },
            { name: 'NOTE', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['note']" } } },
            { name: 'PLAIN', value: 'secret-ish' },
          ],
        },
      ],
    },
    status: { containerStatuses: [{ name: 'main', containerID: 'containerd://abc' }], conditions: [{ type: 'InPlaceUpdateReady', status: 'True' }] },
  };
}

const upsert = (object: KubeObject): Observation<KubeObject> => ({ type: 'upsert', key: `apps/${object.metadata!.name}`, object });
const remove = (object: KubeObject): Observation<KubeObject> => ({ type: 'delete', key: `apps/${object.metadata!.name}`, object });
const synced: Observation<KubeObject> = { type: 'synced' } as Observation<KubeObject>;

function setup(recovered: string[] = []) {
  const informer = new Subject<Observation<KubeObject>>();
  const lines: Array<{ level: string; obj: object; msg: string }> = [];
  const log = (level: string) => (obj: object, msg: string) => void lines.push({ level, obj, msg });
  const controller = createContainerMetaController({
    podInformer: informer,
    runtimeNames: ['containerd'],
    envFromMetadata: true,
    now: () => 1_000,
    logger: { info: log('info'), warn: log('warn'), error: log('error') },
  });
  const fake = fakeHost(recovered);
  controller.start(fake.host);
  return { informer, controller, lines, ...fake };
}

describe('views', () => {
  it('lets through a pod whose controller is in apps.kruise.io, or that a SidecarSet injected', () => {
    expect(passesFilter(pod('a'))).toBe(true);
    expect(passesFilter(pod('a', { owner: { ...OWNER, apiVersion: 'apps.kruise.io/v1beta1' } }))).toBe(true);
    expect(passesFilter(pod('a', { owner: { ...OWNER, apiVersion: 'apps/v1', kind: 'ReplicaSet' } }))).toBe(false);
    expect(passesFilter(pod('a', { owner: { ...OWNER, controller: false } }))).toBe(false);
    expect(passesFilter(pod('a', { owner: { ...OWNER, apiVersion: 'apps.kruise.io/v1/extra' } }))).toBe(false);
    expect(passesFilter(pod('a', { owner: null }))).toBe(false);
    expect(passesFilter(pod('a', { owner: null, annotations: { 'kruise.io/sidecarset-hash': '{}' } }))).toBe(true);
  });

  it('keeps only the label and annotation values the env reads, and no plain env value', () => {
    const view = metaPodView(pod('a'));
    expect(view).toEqual({
      uid: 'uid-a',
      resourceVersion: '1',
      deleting: false,
      containers: [
        {
          name: 'main',
          env: [
            { name: 'VERSION', field: 'metadata.labels', key: 'version' },
            { name: 'NOTE', field: 'metadata.annotations', key: 'note' },
          ],
        },
      ],
      labels: { version: 'v1' },
      annotations: { note: 'n' },
      statuses: [{ name: 'main', containerID: 'containerd://abc' }],
      inPlaceUpdateReady: 'True',
      meta: null,
    });
    expect(JSON.stringify(view)).not.toContain('secret-ish');
  });
});

describe('the container-meta glue', () => {
  it('spawns one actor per kruise pod with its input, and none for other pods', () => {
    const { informer, deliveries } = setup();
    informer.next(upsert(pod('web', {})));
    informer.next(upsert(pod('plain', { owner: null })));
    expect(deliveries.map((d) => d.key)).toEqual(['containerMeta/apps/web']);
    expect(deliveries[0]?.input).toEqual({ namespace: 'apps', name: 'web', runtimeNames: ['containerd'], envFromMetadata: true });
    expect(deliveries[0]?.event).toMatchObject({ type: 'k8s.podObserved', at: 1_000, pod: { uid: 'uid-web' } });
  });

  it('delivers only news: a new resourceVersion or an unrelated label alone is dropped', () => {
    const { informer, deliveries, controller } = setup();
    informer.next(upsert(pod('web', { rv: '1' })));
    informer.next(upsert(pod('web', { rv: '2', labels: { version: 'v1', unrelated: 'y' } })));
    informer.next(upsert(pod('web', { rv: '3', labels: { version: 'v2' } })));
    expect(deliveries.map((d) => d.event.pod.resourceVersion)).toEqual(['1', '3']);
    expect(controller.stats()).toMatchObject({ deliveries: 2, dropped: 1 });
  });

  it('releases the actor when its pod is deleted, stops passing the filter, or is replaced under the same name', () => {
    const { informer, released, deliveries } = setup();
    informer.next(upsert(pod('a')));
    informer.next(remove(pod('a')));
    informer.next(upsert(pod('b')));
    informer.next(upsert(pod('b', { owner: null, rv: '2' })));
    informer.next(upsert(pod('c')));
    informer.next(upsert(pod('c', { uid: 'uid-c2', rv: '5' })));
    expect(released).toEqual(['containerMeta/apps/a', 'containerMeta/apps/b', 'containerMeta/apps/c']);
    // the new pod named c gets a fresh actor
    expect(deliveries.filter((d) => d.key === 'containerMeta/apps/c').map((d) => [d.event.pod.uid, d.input !== undefined])).toEqual([
      ['uid-c', true],
      ['uid-c2', true],
    ]);
  });

  it('gives a deleting pod no new actor, but tells a live one', () => {
    const { informer, deliveries } = setup();
    informer.next(upsert(pod('gone', { deleting: true })));
    expect(deliveries).toEqual([]);
    informer.next(upsert(pod('web')));
    informer.next(upsert(pod('web', { deleting: true, rv: '2' })));
    expect(deliveries.map((d) => d.event.pod.deleting)).toEqual([false, true]);
  });

  it('tells recovered actors the current view, and releases those whose pod is gone once the informer has synced', () => {
    const { informer, deliveries, released } = setup(['containerMeta/apps/kept', 'containerMeta/apps/lost']);
    informer.next(upsert(pod('kept')));
    informer.next(synced);
    expect(deliveries.map((d) => [d.key, d.input])).toEqual([['containerMeta/apps/kept', undefined]]);
    expect(released).toEqual(['containerMeta/apps/lost']);
  });

  it('writes upstream’s log lines from what the actors emit, and ignores other machines’ keys', () => {
    const { controller, lines } = setup();
    const record = {} as LogRecord;
    const emit = (key: string, event: ContainerMetaEmitted) => controller.onEmitted(key, event, record);
    emit('containerMeta/apps/web', { type: 'containerMeta.reporting', value: '{"containers":[]}' });
    emit('containerMeta/apps/web', { type: 'containerMeta.restarting', targets: [{ name: 'main', containerID: 'containerd://abc' }] });
    emit('containerMeta/apps/web', { type: 'containerMeta.hashUnavailable', name: 'main', containerID: 'containerd://abc', reason: 'x' });
    emit('apps/web', { type: 'containerMeta.reporting', value: 'not mine' });
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      ['info', 'Reporting container meta changed in Pod'],
      ['info', 'Triggering container in Pod to restart, for it has inconsistent hash of env from metadata'],
      ['warn', 'Failed to hash container with env for Pod; trying again in 3 s'],
    ]);
    expect(lines[0]?.obj).toEqual({ pod: 'apps/web', containerMetaSetStr: '{"containers":[]}' });
  });
});
