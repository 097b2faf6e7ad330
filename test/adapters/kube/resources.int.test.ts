// The daemon's four informers with upstream's selectors (contract §3.2, §4.2, §6.2, §7.1), and
// the client factory's credentials and user agents (§1.5), against the fake API server.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  CONTROLLER_NAMES,
  crrInformer,
  kubeClients,
  kubeClientsFrom,
  nodeImageInformer,
  nodePodProbeInformer,
  serverVersion,
} from '../../../adapters/kube/index.js';
import { crrObject, nodeImageObject } from '../../bed/apiserver/fixtures.js';
import { kubeFixture, record, until } from './support.js';

const npp = (node: string) => ({ apiVersion: 'apps.kruise.io/v1alpha1', kind: 'NodePodProbe', metadata: { name: node }, spec: { podProbes: [] } });

describe('the daemon informers', () => {
  it('watches only its own NodeImage by metadata.name at the chosen version', async () => {
    const { api, clients } = await kubeFixture();
    api.store.create(nodeImageObject('node-a'));
    api.store.create(nodeImageObject('node-b'));
    const images = record(nodeImageInformer(clients.transport, 'node-a', 'v1alpha1'));
    await images.synced();
    api.store.patch({ apiVersion: 'apps.kruise.io/v1beta1', kind: 'NodeImage', name: 'node-b' }, { spec: { images: { nginx: {} } } });
    api.store.patch({ apiVersion: 'apps.kruise.io/v1beta1', kind: 'NodeImage', name: 'node-a' }, { spec: { images: { nginx: {} } } });
    await until(() => images.observations.length === 3, 'the change of node-a');
    expect(images.summary()).toEqual(['upsert:node-a', 'synced:nodeImage', 'upsert:node-a']);
    const last = images.observations[2];
    expect(last?.type === 'upsert' && last.object.apiVersion).toBe('apps.kruise.io/v1alpha1');
    const watch = api.requests.filter({ resource: 'nodeimages', verb: 'watch' })[0];
    expect(watch).toMatchObject({ path: '/apis/apps.kruise.io/v1alpha1/nodeimages', query: { fieldSelector: 'metadata.name=node-a' } });
  });

  it('watches only its own NodePodProbe by metadata.name', async () => {
    const { api, clients } = await kubeFixture();
    api.store.create(npp('node-a'));
    api.store.create(npp('node-b'));
    const probes = record(nodePodProbeInformer(clients.transport, 'node-a'));
    await probes.synced();
    expect(probes.summary()).toEqual(['upsert:node-a', 'synced:nodePodProbe']);
    expect(api.requests.filter({ resource: 'nodepodprobes', verb: 'list' })[0]?.query).toMatchObject({ fieldSelector: 'metadata.name=node-a' });
  });

  it('watches active CRRs of its node in every namespace by label selector, and sees one go when it stops being active', async () => {
    const { api, clients } = await kubeFixture();
    api.store.create(crrObject('mine', 'node-a'));
    api.store.create(crrObject('other-node', 'node-b'));
    api.store.create({ ...crrObject('elsewhere', 'node-a'), metadata: { ...crrObject('elsewhere', 'node-a').metadata, namespace: 'shop' } });
    const crrs = record(crrInformer(clients.transport, 'node-a', 'v1beta1'));
    await crrs.synced();
    expect(crrs.summary().sort()).toEqual(['synced:crr', 'upsert:elsewhere', 'upsert:mine']);
    api.store.patch(
      { apiVersion: 'apps.kruise.io/v1beta1', kind: 'ContainerRecreateRequest', namespace: 'default', name: 'mine' },
      { metadata: { labels: { 'crr.apps.kruise.io/active': null } } },
    );
    await until(() => crrs.observations.length === 4, 'the CRR that is no longer active');
    expect(crrs.summary().at(-1)).toBe('delete:mine');
    expect(api.requests.filter({ resource: 'containerrecreaterequests', verb: 'watch' })[0]).toMatchObject({
      path: '/apis/apps.kruise.io/v1beta1/containerrecreaterequests',
      query: { labelSelector: 'crr.apps.kruise.io/node-name=node-a,crr.apps.kruise.io/active=true' },
    });
  });
});

describe('kube clients', () => {
  it('gives each controller its own kruise-daemon/<controller> user agent', async () => {
    const { api } = await kubeFixture();
    const clients = kubeClientsFrom(api.kubeConfig());
    await serverVersion(clients.transport);
    await serverVersion(clients.forController(CONTROLLER_NAMES.podProbe));
    expect(clients.forController(CONTROLLER_NAMES.podProbe)).toBe(clients.forController(CONTROLLER_NAMES.podProbe));
    expect(api.requests.filter({ path: '/version' }).map((r) => r.userAgent)).toEqual(['kruise-daemon', 'kruise-daemon/kruise-daemon-podprobe']);
  });

  it('loads credentials from a --kubeconfig file and authenticates with its token', async () => {
    const { api } = await kubeFixture();
    const dir = await mkdtemp(join(tmpdir(), 'kruised-kubeconfig-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'config');
    await writeFile(file, api.kubeconfigYaml());
    const clients = await kubeClients(file);
    expect(clients.server).toBe(api.url);
    await expect(serverVersion(clients.transport)).resolves.toMatchObject({ gitVersion: 'v1.32.10' });
  });

  it('throttles requests client-side only when a QPS above zero is given', async () => {
    const { api } = await kubeFixture();
    const throttled = kubeClientsFrom(api.kubeConfig(), { qps: 5, burst: 1 });
    const started = Date.now();
    await Promise.all([1, 2, 3].map(() => serverVersion(throttled.transport)));
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    // Unthrottled, five requests go out at once. The witness is an order, not a guess at how fast
    // requests are on a loaded machine: all five reach the server before the third request of a
    // client throttled as above that starts with them (400 ms later; throttled, the fifth would
    // come 800 ms after its first).
    const free = kubeClientsFrom(api.kubeConfig(), { qps: 0 });
    const paced = kubeClientsFrom(api.kubeConfig(), { qps: 5, burst: 1 });
    const version = (clients: typeof free, who: string) => clients.transport.request({ method: 'GET', path: '/version', query: { who } });
    await Promise.all([...[1, 2, 3].map(() => version(paced, 'paced')), ...[1, 2, 3, 4, 5].map(() => version(free, 'free'))]);
    const order = api.requests.filter((r) => r.path === '/version' && r.query.who !== undefined).map((r) => r.query.who);
    const thirdPaced = order.findIndex((who, i) => who === 'paced' && order.slice(0, i).filter((w) => w === 'paced').length === 2);
    expect(
      order.slice(0, thirdPaced).filter((who) => who === 'free'),
      order.join(' '),
    ).toHaveLength(5);
  });
});
