// The service-account credentials source (no KubeConfig module): HTTPS to the address in
// KUBERNETES_SERVICE_HOST/PORT verified against the pod's ca.crt (for its requests alone: the
// process's default trust store is not widened), and a bearer token re-read from its file so
// rotated tokens are picked up.
import { createServer } from 'node:https';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { inClusterAuth, KubeApiError, kubeClients, KubeTransport, SERVICE_ACCOUNT_DIR, serverVersion } from '../../../adapters/kube/index.js';

const fixture = (name: string) => readFile(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

async function tlsServer() {
  const seen: Array<{ path: string; authorization: string | undefined; userAgent: string | undefined }> = [];
  const server = createServer({ key: await fixture('server.key'), cert: await fixture('server.crt') }, (req, res) => {
    seen.push({ path: req.url ?? '', authorization: req.headers.authorization, userAgent: req.headers['user-agent'] });
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ major: '1', minor: '32', gitVersion: 'v1.32.10' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { port: (server.address() as AddressInfo).port, seen };
}

async function serviceAccount(token: string) {
  const prefix = await mkdtemp(join(tmpdir(), 'kruised-sa-'));
  onTestFinished(() => rm(prefix, { recursive: true, force: true }));
  const dir = join(prefix, SERVICE_ACCOUNT_DIR);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'token'), `${token}\n`);
  await writeFile(join(dir, 'ca.crt'), await fixture('ca.crt'));
  return { prefix, setToken: (t: string) => writeFile(join(dir, 'token'), t) };
}

afterEach(() => vi.unstubAllEnvs());

describe('in-cluster credentials', () => {
  it('verifies the API server against the service-account CA, which nothing else trusts, before or after', async () => {
    const { port, seen } = await tlsServer();
    const untrusted = new KubeTransport(
      { getCurrentCluster: () => ({ server: `https://127.0.0.1:${port}` }), applyToHTTPSOptions: async () => {} },
      { userAgent: 'test' },
    );
    const error = await serverVersion(untrusted).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeApiError);
    expect(seen).toHaveLength(0);

    const { prefix } = await serviceAccount('token-1');
    const auth = inClusterAuth({ prefix, env: { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(port) } });
    expect(auth.getCurrentCluster()?.server).toBe(`https://127.0.0.1:${port}`);
    await expect(serverVersion(new KubeTransport(auth, { userAgent: 'kruise-daemon' }))).resolves.toMatchObject({ gitVersion: 'v1.32.10' });
    expect(seen[0]).toMatchObject({ path: '/version', authorization: 'Bearer token-1', userAgent: 'kruise-daemon' });

    // Once in use, the CA is still the in-cluster requests' alone: the process trusts no more than before.
    await expect(serverVersion(untrusted)).rejects.toBeInstanceOf(KubeApiError);
    await expect(fetch(`https://127.0.0.1:${port}/version`)).rejects.toThrow();
    expect(seen).toHaveLength(1);
  });

  it('picks up a rotated token once its refresh period has passed', async () => {
    const { port, seen } = await tlsServer();
    const { prefix, setToken } = await serviceAccount('token-1');
    const transport = new KubeTransport(
      inClusterAuth({ prefix, env: { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(port) }, tokenRefreshMs: 0 }),
      { userAgent: 'test' },
    );
    await serverVersion(transport);
    await setToken('token-2');
    await serverVersion(transport);
    expect(seen.map((s) => s.authorization)).toEqual(['Bearer token-1', 'Bearer token-2']);
  });

  it('is what kubeClients uses without --kubeconfig or $KUBECONFIG inside a pod', async () => {
    const { port, seen } = await tlsServer();
    const { prefix } = await serviceAccount('sa-token');
    vi.stubEnv('KUBECONFIG', '');
    vi.stubEnv('KUBERNETES_SERVICE_HOST', '127.0.0.1');
    vi.stubEnv('KUBERNETES_SERVICE_PORT', String(port));
    const clients = await kubeClients('', { inClusterPrefix: prefix });
    expect(clients.server).toBe(`https://127.0.0.1:${port}`);
    await serverVersion(clients.forController('kruise-daemon-crr'));
    expect(seen[0]).toMatchObject({ authorization: 'Bearer sa-token', userAgent: 'kruise-daemon/kruise-daemon-crr' });
  });

  it('refuses to start outside a cluster', () => {
    expect(() => inClusterAuth({ env: {} })).toThrow(/KUBERNETES_SERVICE_HOST/);
  });
});
