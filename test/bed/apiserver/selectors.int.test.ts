// Label and field selector grammar, through client-node list calls.
import { ApiException, CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { fakeApiServer, podObject } from './fixtures.js';

const labelled: Record<string, Record<string, string>> = {
  a: { app: 'web', tier: 'front', rank: '3' },
  b: { app: 'web', tier: 'back', rank: '10' },
  c: { app: 'db', 'example.com/role': 'primary' },
  d: { app: '' },
  e: {},
};

const cases: Array<[selector: string, names: string[]]> = [
  ['', ['a', 'b', 'c', 'd', 'e']],
  ['app=web', ['a', 'b']],
  ['app==web', ['a', 'b']],
  ['app!=web', ['c', 'd', 'e']],
  ['app', ['a', 'b', 'c', 'd']],
  ['!app', ['e']],
  ['!tier', ['c', 'd', 'e']],
  ['app in (web,db)', ['a', 'b', 'c']],
  ['app in (db)', ['c']],
  ['app notin (web)', ['c', 'd', 'e']],
  ['app=web,tier!=back', ['a']],
  ['app=web,tier', ['a', 'b']],
  ['app=', ['d']],
  ['app==', ['d']],
  ['app in ()', ['d']],
  ['example.com/role=primary', ['c']],
  ['rank>5', ['b']],
  ['rank<5', ['a']],
  [' app = web , tier in ( front ) ', ['a']],
  ['app=web,!tier', []],
];

const invalid = ['app=web,', 'app in (web', '=web', '!app=web', 'app in web', 'Bad_Prefix.com/x=y', 'rank>abc', `app=${'x'.repeat(64)}`, 'a b'];

async function setup() {
  const api = await fakeApiServer();
  for (const [name, labels] of Object.entries(labelled)) api.store.create(podObject(name, name === 'e' ? undefined : 'node-a', { labels }));
  return { api, core: api.kubeConfig().makeApiClient(CoreV1Api) };
}

describe('selectors', () => {
  it.each(cases)('label selector %j selects %j', async (labelSelector, names) => {
    const { core } = await setup();
    const list = await core.listNamespacedPod({ namespace: 'default', labelSelector });
    expect(list.items.map((p) => p.metadata?.name)).toEqual(names);
  });

  it.each(invalid)('label selector %j is a 400 BadRequest', async (labelSelector) => {
    const { core } = await setup();
    const err = await core.listNamespacedPod({ namespace: 'default', labelSelector }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiException);
    expect((err as ApiException<unknown>).code).toBe(400);
  });

  it('field selectors support =, == and !=, empty values, and escaped commas', async () => {
    const { api, core } = await setup();
    api.store.create({ ...podObject('odd', 'node,x'), status: { phase: 'Pending' } });
    const names = async (fieldSelector: string) => (await core.listPodForAllNamespaces({ fieldSelector })).items.map((p) => p.metadata?.name);
    expect(await names('spec.nodeName=node-a')).toEqual(['a', 'b', 'c', 'd']);
    expect(await names('spec.nodeName==node-a,metadata.name!=a')).toEqual(['b', 'c', 'd']);
    expect(await names('spec.nodeName=')).toEqual(['e']);
    expect(await names('spec.nodeName=node\\,x')).toEqual(['odd']);
    expect(await names('status.phase=Pending,metadata.namespace=default')).toEqual(['odd']);
  });

  it('an unsupported field is a 400 BadRequest, with the CRD wording for custom resources', async () => {
    const { api, core } = await setup();
    const err = (await core.listPodForAllNamespaces({ fieldSelector: 'spec.foo=bar' }).catch((e: unknown) => e)) as ApiException<string>;
    expect(err.code).toBe(400);
    expect(JSON.parse(err.body)).toMatchObject({ reason: 'BadRequest', message: 'field label not supported: spec.foo' });
    const custom = api.kubeConfig().makeApiClient(CustomObjectsApi);
    const crdErr = (await custom
      .listClusterCustomObject({ group: 'apps.kruise.io', version: 'v1beta1', plural: 'nodeimages', fieldSelector: 'spec.images=x' })
      .catch((e: unknown) => e)) as ApiException<unknown>;
    expect(crdErr.code).toBe(400);
  });

  it('limit and continue page through a list in name order, holding the first page’s resourceVersion', async () => {
    const { core } = await setup();
    const first = await core.listNamespacedPod({ namespace: 'default', limit: 2 });
    expect(first.items.map((p) => p.metadata?.name)).toEqual(['a', 'b']);
    expect(first.metadata?.remainingItemCount).toBe(3);
    const second = await core.listNamespacedPod({ namespace: 'default', limit: 2, _continue: first.metadata!._continue! });
    const third = await core.listNamespacedPod({ namespace: 'default', limit: 2, _continue: second.metadata!._continue! });
    expect([...second.items, ...third.items].map((p) => p.metadata?.name)).toEqual(['c', 'd', 'e']);
    expect(third.metadata?._continue).toBeUndefined();
    expect(second.metadata?.resourceVersion).toBe(first.metadata?.resourceVersion);
  });

  it('items of a built-in list carry no apiVersion or kind, while custom-resource items do', async () => {
    const { api } = await setup();
    const res = await fetch(`${api.url}/api/v1/namespaces/default/pods?limit=1`, { headers: { Authorization: `Bearer ${api.token!}` } });
    const body = (await res.json()) as { kind: string; apiVersion: string; items: Array<Record<string, unknown>> };
    expect([body.kind, body.apiVersion]).toEqual(['PodList', 'v1']);
    expect(body.items[0]).not.toHaveProperty('kind');
    api.store.create({ apiVersion: 'apps.kruise.io/v1alpha1', kind: 'NodePodProbe', metadata: { name: 'node-a' }, spec: {} });
    const crs = (await (
      await fetch(`${api.url}/apis/apps.kruise.io/v1alpha1/nodepodprobes`, { headers: { Authorization: `Bearer ${api.token!}` } })
    ).json()) as {
      items: Array<Record<string, unknown>>;
    };
    expect(crs.items[0]).toMatchObject({ apiVersion: 'apps.kruise.io/v1alpha1', kind: 'NodePodProbe' });
  });
});
