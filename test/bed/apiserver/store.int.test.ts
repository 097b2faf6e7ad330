// The in-process admin API: what tests use to arrange state and wait for the daemon's writes.
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { ApiError } from './index.js';
import { crrObject, fakeApiServer, podObject } from './fixtures.js';

const crrRef = { apiVersion: 'apps.kruise.io/v1beta1', kind: 'ContainerRecreateRequest', namespace: 'default', name: 'restart-main' };

describe('the admin store', () => {
  it('create keeps the status it is given, creates a missing namespace, and hands back copies', async () => {
    const api = await fakeApiServer();
    const created = api.store.create({
      ...crrObject('restart-main', 'node-a'),
      metadata: { ...crrObject('x', 'node-a').metadata, name: 'restart-main', namespace: 'team-a' },
      status: { phase: 'Recreating' },
    });
    expect(created.status).toEqual({ phase: 'Recreating' });
    expect(api.store.get({ apiVersion: 'v1', kind: 'Namespace', name: 'team-a' })?.status).toEqual({ phase: 'Active' });
    (created.status as { phase: string }).phase = 'mutated by the test';
    expect(api.store.get({ ...crrRef, namespace: 'team-a' })?.status).toEqual({ phase: 'Recreating' });
  });

  it('update with a stale resourceVersion throws a Conflict ApiError; mutate and patch bump it', async () => {
    const api = await fakeApiServer();
    const first = api.store.create(crrObject('restart-main', 'node-a'));
    const second = api.store.mutate(crrRef, (obj) => {
      obj.status = { phase: 'Pending' };
    });
    expect(Number(second.metadata.resourceVersion)).toBeGreaterThan(Number(first.metadata.resourceVersion));
    expect(() => api.store.update(first)).toThrow(ApiError);
    try {
      api.store.update(first);
    } catch (err) {
      expect((err as ApiError).status).toMatchObject({ code: 409, reason: 'Conflict' });
    }
    const patched = api.store.patch(crrRef, [{ op: 'replace', path: '/status/phase', value: 'Completed' }], 'json');
    expect(patched.status).toEqual({ phase: 'Completed' });
  });

  it('waitFor resolves when a client’s REST write makes the predicate true', async () => {
    const api = await fakeApiServer();
    api.store.create(crrObject('restart-main', 'node-a'));
    const custom = api.kubeConfig().makeApiClient(CustomObjectsApi);
    const waiting = api.store.waitFor(crrRef, (obj) => (obj?.status as { phase?: string } | undefined)?.phase === 'Recreating');
    await custom.patchNamespacedCustomObjectStatus(
      {
        group: 'apps.kruise.io',
        version: 'v1alpha1',
        namespace: 'default',
        plural: 'containerrecreaterequests',
        name: 'restart-main',
        body: { status: { phase: 'Recreating' } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect((await waiting)?.apiVersion).toBe('apps.kruise.io/v1beta1');
    await expect(api.store.waitFor(crrRef, (obj) => obj === undefined, 50)).rejects.toThrow(/timed out/);
  });

  it('delete removes an object at once even with finalizers, and subscribers see every change in order', async () => {
    const api = await fakeApiServer();
    const seen: string[] = [];
    const stop = api.store.subscribe((e) => seen.push(`${e.type} ${e.object.kind ?? ''} ${e.object.metadata.name ?? ''}`));
    api.store.create({ ...podObject('web', 'node-a'), metadata: { name: 'web', namespace: 'default', finalizers: ['example.com/hold'] } });
    await api
      .kubeConfig()
      .makeApiClient(CoreV1Api)
      .patchNamespacedPod({ name: 'web', namespace: 'default', body: [{ op: 'add', path: '/metadata/labels', value: { a: 'b' } }] });
    const last = api.store.delete({ apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'web' });
    stop();
    api.store.create(podObject('after', 'node-a'));
    expect(seen).toEqual(['ADDED Pod web', 'MODIFIED Pod web', 'DELETED Pod web']);
    expect(last.metadata.resourceVersion).toBe(String(api.store.resourceVersion - 1));
  });

  it('list filters by namespace, label selector and field selector', async () => {
    const api = await fakeApiServer();
    api.store.create(podObject('a', 'node-a', { labels: { app: 'web' } }));
    api.store.create(podObject('b', 'node-b', { labels: { app: 'web' } }));
    api.store.create(podObject('c', 'node-a', { labels: { app: 'web' }, namespace: 'other' }));
    const names = api.store
      .list('v1', 'Pod', { namespace: 'default', labelSelector: 'app=web', fieldSelector: 'spec.nodeName=node-a' })
      .map((p) => p.metadata.name);
    expect(names).toEqual(['a']);
  });
});
