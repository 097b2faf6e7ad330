// List and watch through the real client-node 2.0.1 informers and Watch.
import { describe, expect, it } from 'vitest';
import { clusterObjectInformer, fakeApiServer, nodeImageObject, podInformer, podObject, rawWatch, until } from './fixtures.js';

const podRef = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', namespace: 'default', name });

describe('list and watch through client-node informers', () => {
  it('a pod informer selected by spec.nodeName sees adds, updates and deletes of its node only', async () => {
    const api = await fakeApiServer();
    api.store.create(podObject('a-1', 'node-a'));
    api.store.create(podObject('b-1', 'node-b'));
    const pods = await podInformer(api.kubeConfig(), 'node-a');
    expect(pods.informer.list().map((p) => p.metadata?.name)).toEqual(['a-1']);

    api.store.create(podObject('a-2', 'node-a'));
    api.store.create(podObject('b-2', 'node-b'));
    api.store.patch(podRef('a-1'), { metadata: { annotations: { touched: 'yes' } } });
    api.store.patch(podRef('b-1'), { metadata: { annotations: { touched: 'yes' } } });
    api.store.delete(podRef('a-2'));
    await until(() => pods.names('delete').length > 0, 'the delete of a-2');

    expect(pods.names('add')).toEqual(['a-1', 'a-2']);
    expect(pods.names('update')).toEqual(['a-1']);
    expect(pods.names('delete')).toEqual(['a-2']);
    expect(pods.informer.get('a-1', 'default')?.metadata?.annotations).toEqual({ touched: 'yes' });

    const [list, watch] = api.requests.filter({ resource: 'pods' });
    expect(list?.rawQuery).toBe('fieldSelector=spec.nodeName%3Dnode-a');
    expect(list?.verb).toBe('list');
    expect(watch?.verb).toBe('watch');
    expect(watch?.query).toMatchObject({ watch: 'true', fieldSelector: 'spec.nodeName=node-a' });
  });

  it('an object that stops matching the selector arrives as DELETED with the new resourceVersion', async () => {
    const api = await fakeApiServer();
    api.store.create(podObject('web', 'node-a', { labels: { app: 'web' } }));
    const watch = await rawWatch(api.kubeConfig(), '/api/v1/namespaces/default/pods', { labelSelector: 'app=web' });
    await until(() => watch.events.length === 1, 'the synthetic ADDED');
    const changed = api.store.patch(podRef('web'), { metadata: { labels: { app: null } } });
    api.store.patch(podRef('web'), { metadata: { labels: { app: 'web' } } });
    await until(() => watch.events.length === 3, 'DELETED then ADDED');
    expect(watch.events.map((e) => e.type)).toEqual(['ADDED', 'DELETED', 'ADDED']);
    const deleted = watch.events[1]!.object as { metadata: { resourceVersion: string; labels?: Record<string, string> } };
    expect(deleted.metadata.resourceVersion).toBe(changed.metadata.resourceVersion);
    expect(deleted.metadata.labels).toEqual({ app: 'web' });
  });

  it('a custom-object informer selected by metadata.name sees only its NodeImage, at the version it asked for', async () => {
    const api = await fakeApiServer();
    api.store.create(nodeImageObject('node-a'));
    api.store.create(nodeImageObject('node-b'));
    const images = await clusterObjectInformer(api.kubeConfig(), 'apps.kruise.io', 'v1alpha1', 'nodeimages', 'metadata.name=node-a');
    expect(images.informer.list().map((o) => [o.metadata?.name, o.apiVersion])).toEqual([['node-a', 'apps.kruise.io/v1alpha1']]);
    const ref = (name: string) => ({ apiVersion: 'apps.kruise.io/v1beta1', kind: 'NodeImage', name });
    api.store.patch(ref('node-b'), { spec: { images: { nginx: { tags: [{ tag: '1.25', version: 0 }] } } } });
    api.store.patch(ref('node-a'), { spec: { images: { nginx: { tags: [{ tag: '1.25', version: 0 }] } } } });
    await until(() => images.names('update').length > 0, 'the update of node-a');
    expect(images.names('update')).toEqual(['node-a']);
    expect(images.informer.get('node-a')?.apiVersion).toBe('apps.kruise.io/v1alpha1');
    expect((images.informer.get('node-a') as unknown as { metadata: { generation: number } }).metadata.generation).toBe(2);
  });

  it('a dropped watch is resumed from the last resourceVersion, without a re-list', async () => {
    const api = await fakeApiServer();
    api.store.create(podObject('a-1', 'node-a'));
    const pods = await podInformer(api.kubeConfig(), 'node-a');
    const last = api.store.patch(podRef('a-1'), { metadata: { labels: { v: '2' } } });
    await until(() => pods.names('update').length === 1, 'the update');
    await until(() => api.openWatches === 1, 'the watch to be open');

    expect(api.faults.dropWatches()).toBe(1);
    await until(() => api.requests.filter({ verb: 'watch' }).length === 2, 'the re-watch');
    api.store.create(podObject('a-2', 'node-a'));
    await until(() => pods.names('add').includes('a-2'), 'the add after resuming');

    const watches = api.requests.filter({ verb: 'watch' });
    expect(watches[1]?.query.resourceVersion).toBe(last.metadata.resourceVersion);
    expect(api.requests.filter({ verb: 'list' })).toHaveLength(1);
    expect(pods.events.filter((e) => e.verb === 'error')).toEqual([]);
  });

  it('after a compaction the resume gets 410 Expired, and the informer re-lists and reports what it missed', async () => {
    const api = await fakeApiServer();
    api.store.create(podObject('keep', 'node-a'));
    api.store.create(podObject('gone', 'node-a'));
    const pods = await podInformer(api.kubeConfig(), 'node-a');
    await until(() => api.openWatches === 1, 'the watch to be open');

    const removeLatency = api.faults.addLatency(300, { verb: 'watch' });
    api.faults.dropWatches();
    api.store.delete(podRef('gone'));
    api.store.create(podObject('new', 'node-a'));
    api.faults.compact();
    await until(() => api.requests.filter({ verb: 'list' }).length === 2, 'the re-list', 10_000);
    removeLatency();
    await until(() => pods.names('add').includes('new') && pods.names('delete').includes('gone'), 'the re-list results');

    expect(
      pods.informer
        .list()
        .map((p) => p.metadata?.name)
        .sort(),
    ).toEqual(['keep', 'new']);
    const resumed = api.requests.filter({ verb: 'watch' })[1];
    expect(Number(resumed?.query.resourceVersion)).toBeLessThan(api.store.resourceVersion);
  });

  it('a watch from an expired resourceVersion is a 200 stream holding one ERROR event with a 410 Status', async () => {
    const api = await fakeApiServer();
    api.store.create(podObject('a-1', 'node-a'));
    api.faults.compact();
    const watch = await rawWatch(api.kubeConfig(), '/api/v1/pods', { resourceVersion: '1000' });
    expect(await watch.done).toBeNull();
    expect(watch.events).toEqual([
      {
        type: 'ERROR',
        object: {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: `too old resource version: 1000 (${api.store.resourceVersion})`,
          reason: 'Expired',
          code: 410,
        },
      },
    ]);
  });

  it('a watch from resourceVersion 0 starts with synthetic ADDED events, and one from a recent version replays only later events', async () => {
    const api = await fakeApiServer();
    const first = api.store.create(podObject('a-1', 'node-a'));
    api.store.create(podObject('a-2', 'node-a'));
    const fromZero = await rawWatch(api.kubeConfig(), '/api/v1/namespaces/default/pods', { resourceVersion: '0' });
    const fromFirst = await rawWatch(api.kubeConfig(), '/api/v1/namespaces/default/pods', { resourceVersion: first.metadata.resourceVersion! });
    await until(() => fromZero.events.length === 2 && fromFirst.events.length === 1, 'the initial events');
    expect(fromZero.events.map((e) => `${e.type} ${(e.object.metadata as { name: string }).name}`)).toEqual(['ADDED a-1', 'ADDED a-2']);
    expect(fromFirst.events.map((e) => `${e.type} ${(e.object.metadata as { name: string }).name}`)).toEqual(['ADDED a-2']);
    expect(fromZero.events[0]!.object).toMatchObject({ apiVersion: 'v1', kind: 'Pod' });
  });

  it('bookmarks arrive only when allowWatchBookmarks is set, carrying the current resourceVersion', async () => {
    const api = await fakeApiServer({ bookmarkIntervalMs: 50 });
    const kc = api.kubeConfig();
    const withBookmarks = await rawWatch(kc, '/apis/apps.kruise.io/v1beta1/containerrecreaterequests', { allowWatchBookmarks: true });
    const without = await rawWatch(kc, '/apis/apps.kruise.io/v1beta1/containerrecreaterequests', {});
    api.store.create(podObject('unrelated', 'node-a'));
    await until(() => withBookmarks.events.filter((e) => e.type === 'BOOKMARK').length >= 2, 'two bookmarks');
    const bookmark = withBookmarks.events.findLast((e) => e.type === 'BOOKMARK')!;
    expect(bookmark.object).toEqual({
      kind: 'ContainerRecreateRequest',
      apiVersion: 'apps.kruise.io/v1beta1',
      metadata: { resourceVersion: String(api.store.resourceVersion) },
    });
    expect(without.events).toEqual([]);
  });

  it('timeoutSeconds ends the watch cleanly from the server side', async () => {
    const api = await fakeApiServer();
    const started = Date.now();
    const watch = await rawWatch(api.kubeConfig(), '/api/v1/pods', { timeoutSeconds: 1 });
    expect(await watch.done).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(api.openWatches).toBe(0);
  });

  it('a reset connection reaches the informer as an error (client-node then stops; restarting is the caller’s job)', async () => {
    const api = await fakeApiServer();
    const pods = await podInformer(api.kubeConfig(), 'node-a');
    await until(() => api.openWatches === 1, 'the watch to be open');
    api.faults.dropWatches({ mode: 'reset' });
    await until(() => pods.events.some((e) => e.verb === 'error'), 'the informer error');
  });
});
