// Writes through the real client-node 2.0.1 generated clients: create, update conflicts,
// the three patch types, status subresource rules, finalizers and graceful pod deletion.
import { ApiException, CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { crrObject, fakeApiServer, podObject, rawWatch, until } from './fixtures.js';

const crr = { group: 'apps.kruise.io', version: 'v1beta1', namespace: 'default', plural: 'containerrecreaterequests' };
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const strategic = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);

async function apiError(promise: Promise<unknown>): Promise<{ code: number; body: Record<string, unknown>; headers: Record<string, string> }> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ApiException) {
      const body = typeof err.body === 'string' ? (JSON.parse(err.body) as Record<string, unknown>) : (err.body as Record<string, unknown>);
      return { code: err.code, body, headers: err.headers };
    }
    throw err;
  }
  throw new Error('expected the request to fail');
}

async function setup() {
  const api = await fakeApiServer();
  const kc = api.kubeConfig();
  return { api, core: kc.makeApiClient(CoreV1Api), custom: kc.makeApiClient(CustomObjectsApi) };
}

describe('writes through client-node', () => {
  it('create fills uid, creationTimestamp, resourceVersion and generation, resets pod status, and rejects a duplicate with 409 AlreadyExists', async () => {
    const { core } = await setup();
    const created = await core.createNamespacedPod({ namespace: 'default', body: podObject('web', 'node-a') as V1Pod });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect(Number(created.metadata?.resourceVersion)).toBeGreaterThan(1000);
    expect(created.metadata?.generation).toBe(1);
    expect(created.status).toEqual({ phase: 'Pending', qosClass: 'BestEffort' });
    const err = await apiError(core.createNamespacedPod({ namespace: 'default', body: podObject('web', 'node-a') as V1Pod }));
    expect(err.code).toBe(409);
    expect(err.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'AlreadyExists', message: 'pods "web" already exists' });
  });

  it('create into a namespace that does not exist is 404, and generateName makes a fresh name', async () => {
    const { core } = await setup();
    const err = await apiError(core.createNamespacedPod({ namespace: 'nowhere', body: podObject('web', 'node-a', { namespace: 'nowhere' }) as V1Pod }));
    expect(err).toMatchObject({ code: 404, body: { reason: 'NotFound', message: 'namespaces "nowhere" not found' } });
    const generated = await core.createNamespacedPod({ namespace: 'default', body: { metadata: { generateName: 'web-' }, spec: { containers: [] } } });
    expect(generated.metadata?.name).toMatch(/^web-[a-z0-9]{5}$/);
    const mismatched = await apiError(core.createNamespacedPod({ namespace: 'kube-system', body: podObject('web', 'node-a') as V1Pod }));
    expect(mismatched).toMatchObject({ code: 400, body: { reason: 'BadRequest' } });
  });

  it('a PUT carrying a stale resourceVersion is refused with a 409 Conflict Status', async () => {
    const { api, core } = await setup();
    api.store.create(podObject('web', 'node-a'));
    const stale = await core.readNamespacedPod({ name: 'web', namespace: 'default' });
    api.store.patch({ apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'web' }, { metadata: { labels: { bumped: 'yes' } } });
    stale.metadata!.labels = { mine: 'yes' };
    const err = await apiError(core.replaceNamespacedPod({ name: 'web', namespace: 'default', body: stale }));
    expect(err.code).toBe(409);
    expect(err.body).toMatchObject({
      reason: 'Conflict',
      message: 'Operation cannot be fulfilled on pods "web": the object has been modified; please apply your changes to the latest version and try again',
      details: { name: 'web', kind: 'pods' },
    });
  });

  it('a merge patch of pod status may change annotations and status but not spec', async () => {
    const { api, core } = await setup();
    api.store.create(podObject('web', 'node-a'));
    const patched = await core.patchNamespacedPodStatus(
      {
        name: 'web',
        namespace: 'default',
        body: {
          metadata: { annotations: { 'apps.kruise.io/runtime-containers-meta': '{}' } },
          spec: { nodeName: 'elsewhere' },
          status: { conditions: [{ type: 'Ready', status: 'True' }] },
        },
      },
      merge,
    );
    expect(patched.metadata?.annotations).toEqual({ 'apps.kruise.io/runtime-containers-meta': '{}' });
    expect(patched.status?.conditions?.map((c) => [c.type, c.status])).toEqual([['Ready', 'True']]);
    expect(patched.spec?.nodeName).toBe('node-a');
    expect(patched.metadata?.generation).toBe(1);
    expect(api.requests.filter({ subresource: 'status' })[0]?.contentType).toBe('application/merge-patch+json');
  });

  it('a merge patch of CRR status changes only status; labels sent with it are ignored as on a CRD', async () => {
    const { api, custom } = await setup();
    api.store.create(crrObject('restart-main', 'node-a'));
    const body = { metadata: { labels: { sneaky: 'x' } }, status: { containerRecreateStates: [{ name: 'main', phase: 'Recreating' }] } };
    const patched = (await custom.patchNamespacedCustomObjectStatus({ ...crr, name: 'restart-main', body }, merge)) as {
      metadata: { labels: Record<string, string>; generation: number };
      status: unknown;
    };
    expect(patched.status).toEqual({ containerRecreateStates: [{ name: 'main', phase: 'Recreating' }] });
    expect(patched.metadata.labels).not.toHaveProperty('sneaky');
    expect(patched.metadata.generation).toBe(1);
  });

  it('a strategic merge patch merges annotations, deletes a null key, and merges containers by name', async () => {
    const { api, core } = await setup();
    api.store.create({ ...podObject('web', 'node-a'), metadata: { name: 'web', namespace: 'default', annotations: { keep: '1', drop: '2' } } });
    const patched = await core.patchNamespacedPod(
      {
        name: 'web',
        namespace: 'default',
        body: { metadata: { annotations: { added: '3', drop: null } }, spec: { containers: [{ name: 'sidecar', image: 'pause:3.10' }] } },
      },
      strategic,
    );
    expect(patched.metadata?.annotations).toEqual({ keep: '1', added: '3' });
    expect(patched.spec?.containers.map((c) => [c.name, c.image])).toEqual([
      ['main', 'busybox:1.36'],
      ['sidecar', 'pause:3.10'],
    ]);
    expect(patched.metadata?.generation).toBe(2);
  });

  it('a strategic merge patch of a custom resource is refused with 415, as for any CRD', async () => {
    const { api, custom } = await setup();
    api.store.create(crrObject('restart-main', 'node-a'));
    const err = await apiError(custom.patchNamespacedCustomObject({ ...crr, name: 'restart-main', body: { metadata: { labels: { a: 'b' } } } }, strategic));
    expect(err.code).toBe(415);
    expect(err.body).toMatchObject({ reason: 'UnsupportedMediaType' });
  });

  it('a JSON patch (client-node’s default patch type) applies in order, and a failed test operation is 422 with nothing changed', async () => {
    const { api, core } = await setup();
    api.store.create(podObject('web', 'node-a'));
    const patched = await core.patchNamespacedPod({
      name: 'web',
      namespace: 'default',
      body: [
        { op: 'add', path: '/metadata/labels', value: {} },
        { op: 'add', path: '/metadata/labels/app~1tier', value: 'web' },
        { op: 'replace', path: '/spec/containers/0/image', value: 'busybox:1.37' },
      ],
    });
    expect(patched.metadata?.labels).toEqual({ 'app/tier': 'web' });
    expect(patched.spec?.containers[0]?.image).toBe('busybox:1.37');
    expect(api.requests.filter({ verb: 'patch' })[0]?.contentType).toBe('application/json-patch+json');
    const before = api.store.get({ apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'web' });
    const err = await apiError(
      core.patchNamespacedPod({
        name: 'web',
        namespace: 'default',
        body: [
          { op: 'replace', path: '/metadata/labels/app~1tier', value: 'db' },
          { op: 'test', path: '/spec/nodeName', value: 'node-b' },
        ],
      }),
    );
    expect(err.code).toBe(422);
    expect(api.store.get({ apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'web' })).toEqual(before);
  });

  it('the status subresource ignores spec changes, the main resource ignores status changes, and only spec bumps generation', async () => {
    const { api, custom } = await setup();
    api.store.create({ ...crrObject('restart-main', 'node-a'), status: { phase: 'Pending' } });
    const read = async () =>
      (await custom.getNamespacedCustomObject({ ...crr, name: 'restart-main' })) as {
        metadata: { generation: number; resourceVersion: string };
        spec: { podName: string };
        status: { phase: string };
      };
    const obj = await read();
    await custom.replaceNamespacedCustomObjectStatus({
      ...crr,
      name: 'restart-main',
      body: { ...obj, spec: { ...obj.spec, podName: 'other' }, status: { phase: 'Recreating' } },
    });
    const afterStatus = await read();
    expect([afterStatus.spec.podName, afterStatus.status.phase, afterStatus.metadata.generation]).toEqual(['web-0', 'Recreating', 1]);
    await custom.replaceNamespacedCustomObject({
      ...crr,
      name: 'restart-main',
      body: { ...afterStatus, spec: { ...afterStatus.spec, podName: 'other' }, status: { phase: 'Completed' } },
    });
    const afterMain = await read();
    expect([afterMain.spec.podName, afterMain.status.phase, afterMain.metadata.generation]).toEqual(['other', 'Recreating', 2]);
  });

  it('a PUT that changes nothing keeps the resourceVersion and sends no watch event', async () => {
    const { api, custom } = await setup();
    api.store.create({ ...crrObject('restart-main', 'node-a'), status: { phase: 'Pending' } });
    const watch = await rawWatch(api.kubeConfig(), '/apis/apps.kruise.io/v1beta1/containerrecreaterequests', {});
    await until(() => watch.events.length === 1, 'the synthetic ADDED');
    const obj = (await custom.getNamespacedCustomObject({ ...crr, name: 'restart-main' })) as { metadata: { resourceVersion: string } };
    const same = (await custom.replaceNamespacedCustomObjectStatus({ ...crr, name: 'restart-main', body: obj })) as { metadata: { resourceVersion: string } };
    expect(same.metadata.resourceVersion).toBe(obj.metadata.resourceVersion);
    await new Promise((r) => setTimeout(r, 50));
    expect(watch.events).toHaveLength(1);
  });

  it('a CR update without resourceVersion is 422 Invalid, while a pod update without one is accepted', async () => {
    const { api, core, custom } = await setup();
    api.store.create(crrObject('restart-main', 'node-a'));
    api.store.create(podObject('web', 'node-a'));
    const obj = (await custom.getNamespacedCustomObject({ ...crr, name: 'restart-main' })) as { metadata: Record<string, unknown> };
    delete obj.metadata.resourceVersion;
    const err = await apiError(custom.replaceNamespacedCustomObject({ ...crr, name: 'restart-main', body: obj }));
    expect(err).toMatchObject({ code: 422, body: { reason: 'Invalid' } });
    const pod = await core.readNamespacedPod({ name: 'web', namespace: 'default' });
    delete pod.metadata!.resourceVersion;
    pod.metadata!.labels = { unconditional: 'yes' };
    expect((await core.replaceNamespacedPod({ name: 'web', namespace: 'default', body: pod })).metadata?.labels).toEqual({ unconditional: 'yes' });
  });

  it('deleting a CR with a finalizer only marks it; removing the finalizer deletes it', async () => {
    const { api, custom } = await setup();
    api.store.create({
      ...crrObject('restart-main', 'node-a'),
      metadata: { ...crrObject('x', 'node-a').metadata, name: 'restart-main', finalizers: ['crr.apps.kruise.io/unready-acquired'] },
    });
    const marked = (await custom.deleteNamespacedCustomObject({ ...crr, name: 'restart-main' })) as {
      metadata: { deletionTimestamp?: string; generation: number };
    };
    expect(marked.metadata.deletionTimestamp).toMatch(/Z$/);
    expect(marked.metadata.generation).toBe(2);
    await custom.patchNamespacedCustomObject({ ...crr, name: 'restart-main', body: { metadata: { finalizers: null } } }, merge);
    expect(
      api.store.get({ apiVersion: 'apps.kruise.io/v1beta1', kind: 'ContainerRecreateRequest', namespace: 'default', name: 'restart-main' }),
    ).toBeUndefined();
  });

  it('deleting a running pod bound to a node is graceful until it is deleted again with grace 0', async () => {
    const { api, core } = await setup();
    api.store.create(podObject('web', 'node-a'));
    const marked = await core.deleteNamespacedPod({ name: 'web', namespace: 'default' });
    expect(marked.metadata?.deletionGracePeriodSeconds).toBe(30);
    expect(marked.metadata?.deletionTimestamp).toBeInstanceOf(Date);
    await core.deleteNamespacedPod({ name: 'web', namespace: 'default', gracePeriodSeconds: 0 });
    const err = await apiError(core.readNamespacedPod({ name: 'web', namespace: 'default' }));
    expect(err.code).toBe(404);
  });

  it('a secret delete answers with a success Status and stringData is stored as base64 data', async () => {
    const { core } = await setup();
    const created = await core.createNamespacedSecret({
      namespace: 'kruise-daemon-config',
      body: { metadata: { name: 'pull' }, stringData: { token: 'abc' } },
    });
    expect(created.data).toEqual({ token: Buffer.from('abc').toString('base64') });
    expect(created.type).toBe('Opaque');
    const status = await core.deleteNamespacedSecret({ name: 'pull', namespace: 'kruise-daemon-config' });
    expect(status).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'pull', kind: 'secrets' } });
  });

  it('an event can be created and then strategic-merge patched, as the client-go event recorder does', async () => {
    const { core } = await setup();
    const body = {
      metadata: { name: 'web.17f1', namespace: 'default' },
      involvedObject: { kind: 'Pod', namespace: 'default', name: 'web' },
      reason: 'Killing',
      message: 'Stopping container main by ContainerRecreateRequest restart-main',
      type: 'Normal',
      count: 1,
      source: { component: 'kruise-daemon-crr', host: 'node-a' },
    };
    await core.createNamespacedEvent({ namespace: 'default', body });
    const patched = await core.patchNamespacedEvent({ name: 'web.17f1', namespace: 'default', body: { count: 2, message: 'again' } }, strategic);
    expect([patched.count, patched.message, patched.reason]).toEqual([2, 'again', 'Killing']);
    const listed = await core.listNamespacedEvent({ namespace: 'default', fieldSelector: 'involvedObject.name=web,reason=Killing' });
    expect(listed.items.map((e) => e.metadata?.name)).toEqual(['web.17f1']);
  });
});
