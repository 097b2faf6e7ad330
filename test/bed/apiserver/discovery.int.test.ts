// Discovery through client-node: the daemon picks CRR and NodeImage versions from it.
import { ApiException, ApisApi, CoreV1Api, CustomObjectsApi, VersionApi } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { crrObject, fakeApiServer } from './fixtures.js';

const kruise = 'apps.kruise.io';

describe('discovery', () => {
  it('lists apps.kruise.io with v1beta1 preferred and both versions, and /version reports the Kubernetes version', async () => {
    const api = await fakeApiServer();
    const kc = api.kubeConfig();
    const groups = await kc.makeApiClient(ApisApi).getAPIVersions();
    const group = groups.groups.find((g) => g.name === kruise);
    expect(group?.versions.map((v) => v.groupVersion)).toEqual(['apps.kruise.io/v1beta1', 'apps.kruise.io/v1alpha1']);
    expect(group?.preferredVersion?.version).toBe('v1beta1');
    expect((await kc.makeApiClient(VersionApi).getCode()).gitVersion).toBe('v1.32.10');
  });

  it('an APIResourceList names each resource with scope, kind, verbs and its /status subresource', async () => {
    const api = await fakeApiServer();
    const kc = api.kubeConfig();
    const beta = await kc.makeApiClient(CustomObjectsApi).getAPIResources({ group: kruise, version: 'v1beta1' });
    const byName = new Map(beta.resources.map((r) => [r.name, r]));
    expect([...byName.keys()].sort()).toEqual(
      ['containerrecreaterequests', 'containerrecreaterequests/status', 'imagepulljobs', 'imagepulljobs/status', 'nodeimages', 'nodeimages/status'].sort(),
    );
    expect(byName.get('nodeimages')).toMatchObject({ namespaced: false, kind: 'NodeImage', singularName: 'nodeimage' });
    expect(byName.get('containerrecreaterequests')).toMatchObject({ namespaced: true, kind: 'ContainerRecreateRequest', shortNames: ['crr'] });
    expect(byName.get('containerrecreaterequests')?.verbs).toEqual(expect.arrayContaining(['get', 'list', 'watch', 'patch', 'update']));
    expect(byName.get('nodeimages/status')?.verbs).toEqual(['get', 'patch', 'update']);
    const alpha = await kc.makeApiClient(CustomObjectsApi).getAPIResources({ group: kruise, version: 'v1alpha1' });
    expect(alpha.resources.map((r) => r.name)).toContain('nodepodprobes');
    const core = await kc.makeApiClient(CoreV1Api).getAPIResources();
    expect(core.resources.find((r) => r.name === 'pods/status')).toMatchObject({ kind: 'Pod', namespaced: true });
  });

  it('a cluster serving only v1alpha1 CRRs hides them from v1beta1 discovery and answers 404 there, while v1alpha1 works', async () => {
    const api = await fakeApiServer({ served: { 'containerrecreaterequests.apps.kruise.io': ['v1alpha1'] } });
    api.store.create(crrObject('restart-main', 'node-a', 'v1alpha1'));
    const custom = api.kubeConfig().makeApiClient(CustomObjectsApi);
    const beta = await custom.getAPIResources({ group: kruise, version: 'v1beta1' });
    expect(beta.resources.map((r) => r.name)).not.toContain('containerrecreaterequests');
    const alpha = await custom.getAPIResources({ group: kruise, version: 'v1alpha1' });
    expect(alpha.resources.map((r) => r.name)).toContain('containerrecreaterequests');

    const params = { group: kruise, namespace: 'default', plural: 'containerrecreaterequests' };
    const err = await custom.listNamespacedCustomObject({ ...params, version: 'v1beta1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiException);
    expect((err as ApiException<unknown>).code).toBe(404);
    const list = (await custom.listNamespacedCustomObject({ ...params, version: 'v1alpha1' })) as { items: Array<{ apiVersion: string }> };
    expect(list.items.map((i) => i.apiVersion)).toEqual(['apps.kruise.io/v1alpha1']);
  });

  it('one object is served at every served version with its apiVersion rewritten (storage is shared, no conversion)', async () => {
    const api = await fakeApiServer();
    api.store.create(crrObject('restart-main', 'node-a', 'v1beta1'));
    const custom = api.kubeConfig().makeApiClient(CustomObjectsApi);
    const get = (version: string) =>
      custom.getNamespacedCustomObject({ group: kruise, version, namespace: 'default', plural: 'containerrecreaterequests', name: 'restart-main' }) as Promise<{
        apiVersion: string;
        metadata: { uid: string };
      }>;
    const [alpha, beta] = await Promise.all([get('v1alpha1'), get('v1beta1')]);
    expect([alpha.apiVersion, beta.apiVersion]).toEqual(['apps.kruise.io/v1alpha1', 'apps.kruise.io/v1beta1']);
    expect(alpha.metadata.uid).toBe(beta.metadata.uid);
  });

  it('served versions can change while the server runs, as when a CRD upgrade adds v1beta1', async () => {
    const api = await fakeApiServer({
      served: {
        'nodeimages.apps.kruise.io': ['v1alpha1'],
        'containerrecreaterequests.apps.kruise.io': ['v1alpha1'],
        'imagepulljobs.apps.kruise.io': ['v1alpha1'],
      },
    });
    const apis = api.kubeConfig().makeApiClient(ApisApi);
    const versions = async () => (await apis.getAPIVersions()).groups.find((g) => g.name === kruise)?.versions.map((v) => v.version);
    expect(await versions()).toEqual(['v1alpha1']);
    api.setServedVersions('nodeimages.apps.kruise.io', ['v1alpha1', 'v1beta1']);
    expect(await versions()).toEqual(['v1beta1', 'v1alpha1']);
  });
});
