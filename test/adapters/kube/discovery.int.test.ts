// Startup discovery against the fake API server: the server version, and the Kruise API
// versions the daemon speaks (v1beta1 where served, v1alpha1 otherwise).
import { describe, expect, it } from 'vitest';
import { chooseKruiseVersions, KubeApiError, kubeClientsFrom, serverVersion } from '../../../adapters/kube/index.js';
import { kubeFixture } from './support.js';

describe('discovery', () => {
  it('reads the server version with the kruise-daemon user agent', async () => {
    const { api, clients } = await kubeFixture();
    await expect(serverVersion(clients.transport)).resolves.toMatchObject({ major: '1', minor: '32', gitVersion: 'v1.32.10' });
    expect(api.requests.filter({ path: '/version' })[0]?.userAgent).toBe('kruise-daemon');
  });

  it('fails to read the server version when the API server is unreachable, so startup can exit', async () => {
    const { api } = await kubeFixture();
    const clients = kubeClientsFrom(api.kubeConfig(), { timeoutMs: 2000 });
    await api.close();
    const error = await serverVersion(clients.transport).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeApiError);
    expect(error).toMatchObject({ type: 'kube.unavailable', code: 0, retryable: true });
  });

  it('picks v1beta1 for NodeImage and CRR when both versions are served', async () => {
    const { clients } = await kubeFixture();
    await expect(chooseKruiseVersions(clients.transport)).resolves.toEqual({ nodeImage: 'v1beta1', crr: 'v1beta1', nodePodProbe: 'v1alpha1' });
  });

  it('picks v1alpha1 for a kind whose v1beta1 is not served, even while another kind serves v1beta1', async () => {
    const { clients } = await kubeFixture({ served: { 'containerrecreaterequests.apps.kruise.io': ['v1alpha1'] } });
    await expect(chooseKruiseVersions(clients.transport)).resolves.toEqual({ nodeImage: 'v1beta1', crr: 'v1alpha1', nodePodProbe: 'v1alpha1' });
  });

  it('picks v1alpha1 everywhere on a cluster that serves only v1alpha1 (Kruise 1.8)', async () => {
    const { api, clients } = await kubeFixture();
    for (const gr of ['nodeimages', 'containerrecreaterequests', 'imagepulljobs']) api.setServedVersions(`${gr}.apps.kruise.io`, ['v1alpha1']);
    await expect(chooseKruiseVersions(clients.transport)).resolves.toEqual({ nodeImage: 'v1alpha1', crr: 'v1alpha1', nodePodProbe: 'v1alpha1' });
  });
});
