// Fault injection, authentication, authorization and the request log, seen from client-node.
import { ApiException, CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { authorizerFromRules, kruiseDaemonRules } from './index.js';
import { fakeApiServer, podInformer, podObject, until } from './fixtures.js';

async function failure(promise: Promise<unknown>): Promise<ApiException<unknown>> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ApiException)) throw new Error(`expected an ApiException, got ${String(err)}`);
  return err;
}

function statusBody(err: ApiException<unknown>): Record<string, unknown> {
  return (typeof err.body === 'string' ? JSON.parse(err.body) : err.body) as Record<string, unknown>;
}

describe('fault injection', () => {
  it('the next matching request fails with 500 InternalError, then requests succeed again', async () => {
    const api = await fakeApiServer();
    const core = api.kubeConfig().makeApiClient(CoreV1Api);
    api.faults.failNext(1, { status: 500, match: { verb: 'list', resource: 'pods' } });
    await core.listNamespace();
    const err = await failure(core.listNamespacedPod({ namespace: 'default' }));
    expect(err.code).toBe(500);
    expect(statusBody(err)).toMatchObject({ kind: 'Status', reason: 'InternalError', code: 500 });
    expect((await core.listNamespacedPod({ namespace: 'default' })).items).toEqual([]);
    expect(api.faults.pendingFailures).toBe(0);
  });

  it('429 TooManyRequests carries Retry-After, for as many requests as armed', async () => {
    const api = await fakeApiServer();
    const core = api.kubeConfig().makeApiClient(CoreV1Api);
    api.faults.failNext(2, { status: 429, retryAfterSeconds: 3, match: { method: 'GET', path: /^\/api\/v1\/namespaces\/default\/pods/ } });
    for (let i = 0; i < 2; i += 1) {
      const err = await failure(core.listNamespacedPod({ namespace: 'default' }));
      expect(err.code).toBe(429);
      expect(err.headers['retry-after']).toBe('3');
      expect(statusBody(err)).toMatchObject({ reason: 'TooManyRequests', details: { retryAfterSeconds: 3 } });
    }
    await core.listNamespacedPod({ namespace: 'default' });
    expect(api.requests.filter({ verb: 'list', resource: 'pods' }).map((r) => r.status)).toEqual([429, 429, 200]);
  });

  it('a 500 on the watch reaches the informer’s error callback', async () => {
    const api = await fakeApiServer();
    api.faults.failNext(1, { status: 500, match: { verb: 'watch' } });
    const pods = await podInformer(api.kubeConfig(), 'node-a');
    await until(() => pods.events.some((e) => e.verb === 'error'), 'the informer error');
    const error = pods.events.find((e) => e.verb === 'error')?.error as { statusCode?: number };
    expect(error.statusCode).toBe(500);
  });

  it('latency delays only the matching requests', async () => {
    const api = await fakeApiServer();
    const core = api.kubeConfig().makeApiClient(CoreV1Api);
    // The bound for "not delayed" is the latency itself (a delayed request takes at least that),
    // so a loaded machine has a whole second of slack, not a guess at how fast a request is.
    const latency = 1000;
    const remove = api.faults.addLatency(latency, { resource: 'pods' });
    let started = Date.now();
    await core.listNamespacedPod({ namespace: 'default' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(latency - 10);
    started = Date.now();
    await core.listNamespace();
    expect(Date.now() - started).toBeLessThan(latency);
    remove();
    started = Date.now();
    await core.listNamespacedPod({ namespace: 'default' });
    expect(Date.now() - started).toBeLessThan(latency);
  });

  it('the request log records method, path, query, content type and the resolved verb', async () => {
    const api = await fakeApiServer();
    api.store.create(podObject('web', 'node-a'));
    const core = api.kubeConfig().makeApiClient(CoreV1Api);
    await core.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName=node-a', labelSelector: 'app=web' });
    await core.patchNamespacedPod({ name: 'web', namespace: 'default', body: [{ op: 'add', path: '/metadata/labels', value: { app: 'web' } }] });
    const [list, patch] = api.requests.all;
    expect(list).toMatchObject({
      method: 'GET',
      path: '/api/v1/pods',
      verb: 'list',
      query: { fieldSelector: 'spec.nodeName=node-a', labelSelector: 'app=web' },
      status: 200,
    });
    expect(patch).toMatchObject({
      method: 'PATCH',
      path: '/api/v1/namespaces/default/pods/web',
      verb: 'patch',
      name: 'web',
      contentType: 'application/json-patch+json',
      status: 200,
    });
    expect(patch?.userAgent).toMatch(/kubernetes-client-javascript/);
  });
});

describe('authentication and authorization', () => {
  it('a wrong bearer token gets 401', async () => {
    const api = await fakeApiServer();
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: api.url, skipTLSVerify: true }],
      users: [{ name: 'u', token: 'wrong' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const err = await failure(kc.makeApiClient(CoreV1Api).listNamespace());
    expect(err.code).toBe(401);
  });

  it('a kubeconfig file from kubeconfigYaml() works as well as kubeConfig()', async () => {
    const api = await fakeApiServer();
    const kc = new KubeConfig();
    kc.loadFromString(api.kubeconfigYaml());
    const names = (await kc.makeApiClient(CoreV1Api).listNamespace()).items.map((n) => n.metadata?.name);
    expect(names).toContain('kruise-daemon-config');
  });

  it('with the kruise-daemon rules, secrets outside kruise-daemon-config and NodePodProbe updates are 403 Forbidden', async () => {
    const api = await fakeApiServer({ authorize: authorizerFromRules(kruiseDaemonRules) });
    const kc = api.kubeConfig();
    const core = kc.makeApiClient(CoreV1Api);
    await core.listNamespacedSecret({ namespace: 'kruise-daemon-config' });
    const err = await failure(core.listNamespacedSecret({ namespace: 'default' }));
    expect(err.code).toBe(403);
    expect(statusBody(err).message).toBe(
      'secrets is forbidden: User "system:serviceaccount:kruise-system:kruise-daemon" cannot list resource "secrets" in API group "" in the namespace "default"',
    );
    api.store.create({ apiVersion: 'apps.kruise.io/v1alpha1', kind: 'NodePodProbe', metadata: { name: 'node-a' }, spec: {} });
    const custom = kc.makeApiClient(CustomObjectsApi);
    const params = { group: 'apps.kruise.io', version: 'v1alpha1', plural: 'nodepodprobes', name: 'node-a' };
    const obj = await custom.getClusterCustomObject(params);
    await custom.replaceClusterCustomObjectStatus({ ...params, body: obj });
    expect((await failure(custom.replaceClusterCustomObject({ ...params, body: obj }))).code).toBe(403);
  });
});
