// Kubeconfig files read without client-node's KubeConfig: against a real HTTPS server, the CA the
// file names is the one the server is verified against, the user's token, token file, client
// certificate or password is what the server sees, and files needing more (an exec plugin, a
// proxy) go to client-node's loader, which still works for them.
import { createServer, type Server } from 'node:https';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { KubeApiError, kubeClients, kubeconfigAuth, KubeTransport, serverVersion, type KubeAuthSource } from '../../../adapters/kube/index.js';

const fixture = (name: string) => readFile(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const b64 = (text: string) => Buffer.from(text).toString('base64');

interface Seen {
  readonly authorization: string | undefined;
  readonly userAgent: string | undefined;
  /** The client certificate's CN when the client presented one the server trusts. */
  readonly clientCn: string | undefined;
}

/** An HTTPS server answering /version; with `clientCa` it asks for a client certificate. */
async function tlsServer(options: { clientCa?: string } = {}) {
  const seen: Seen[] = [];
  let connections = 0;
  const server: Server = createServer(
    {
      key: await fixture('server.key'),
      cert: await fixture('server.crt'),
      ...(options.clientCa ? { ca: options.clientCa, requestCert: true, rejectUnauthorized: false } : {}),
    },
    (req, res) => {
      const socket = req.socket as TLSSocket;
      const clientCn = socket.authorized ? (socket.getPeerCertificate().subject?.CN as string | undefined) : undefined;
      seen.push({ authorization: req.headers.authorization, userAgent: req.headers['user-agent'], clientCn });
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ major: '1', minor: '32', gitVersion: 'v1.32.10' }));
    },
  );
  server.on('secureConnection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, connections: () => connections };
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kruised-kubeconfig-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A kubeconfig with one context over the given cluster and user fields (block YAML). */
function kubeconfig(cluster: Record<string, string>, user: Record<string, string>): string {
  const block = (fields: Record<string, string>) => Object.entries(fields).map(([k, v]) => `    ${k}: ${v}`);
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: c',
    '  cluster:',
    ...block(cluster),
    'users:',
    '- name: u',
    `  user:${Object.keys(user).length ? '' : ' {}'}`,
    ...block(user),
    'contexts:',
    '- name: x',
    '  context:',
    '    cluster: c',
    '    user: u',
    'current-context: x',
    '',
  ].join('\n');
}

async function write(dir: string, name: string, text: string): Promise<string> {
  await writeFile(join(dir, name), text);
  return join(dir, name);
}

function authOf(file: string, options?: { tokenRefreshMs?: number }): KubeAuthSource {
  const result = kubeconfigAuth(file, options);
  if (!('auth' in result)) throw new Error(`expected supported credentials, got: ${result.unsupported}`);
  return result.auth;
}

afterEach(() => vi.unstubAllEnvs());

describe('kubeconfig credentials without client-node', () => {
  it('verifies the server against the inline CA and sends the token, over one kept-alive connection', async () => {
    const server = await tlsServer();
    const dir = await tempDir();
    const file = await write(
      dir,
      'config',
      kubeconfig({ server: server.url, 'certificate-authority-data': b64(await fixture('ca.crt')) }, { token: 'inline-token' }),
    );
    const clients = await kubeClients(file);
    expect(clients.credentials).toBe(`kubeconfig ${file}`);
    await serverVersion(clients.transport);
    await serverVersion(clients.forController('kruise-daemon-crr'));
    await serverVersion(clients.transport);
    expect(server.seen.map((s) => [s.authorization, s.userAgent])).toEqual([
      ['Bearer inline-token', 'kruise-daemon'],
      ['Bearer inline-token', 'kruise-daemon/kruise-daemon-crr'],
      ['Bearer inline-token', 'kruise-daemon'],
    ]);
    expect(server.connections()).toBe(1);
  });

  it('fails to verify a server whose CA the kubeconfig does not name, and skips verification only when told to', async () => {
    const server = await tlsServer();
    const dir = await tempDir();
    const noCa = await write(dir, 'no-ca', kubeconfig({ server: server.url }, { token: 't' }));
    const error = await serverVersion(new KubeTransport(authOf(noCa), { userAgent: 'test' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeApiError);
    expect(server.seen).toHaveLength(0);
    const insecure = await write(dir, 'insecure', kubeconfig({ server: server.url, 'insecure-skip-tls-verify': 'true' }, { token: 't' }));
    await expect(serverVersion(new KubeTransport(authOf(insecure), { userAgent: 'test' }))).resolves.toMatchObject({ gitVersion: 'v1.32.10' });
  });

  it('reads the CA and token files relative to the kubeconfig, and re-reads a rotated token file', async () => {
    const server = await tlsServer();
    const dir = await tempDir();
    await write(dir, 'ca.pem', await fixture('ca.crt'));
    await write(dir, 'token', 'token-1\n');
    const file = await write(dir, 'config', kubeconfig({ server: server.url, 'certificate-authority': 'ca.pem' }, { tokenFile: 'token' }));
    const transport = new KubeTransport(authOf(file, { tokenRefreshMs: 0 }), { userAgent: 'test' });
    await serverVersion(transport);
    await write(dir, 'token', 'token-2');
    await serverVersion(transport);
    expect(server.seen.map((s) => s.authorization)).toEqual(['Bearer token-1', 'Bearer token-2']);
  });

  it('presents the client certificate and key, inline or from files', async () => {
    const clientCrt = await fixture('client.crt');
    const server = await tlsServer({ clientCa: clientCrt });
    const dir = await tempDir();
    const ca = b64(await fixture('ca.crt'));
    const inline = await write(
      dir,
      'inline',
      kubeconfig(
        { server: server.url, 'certificate-authority-data': ca },
        { 'client-certificate-data': b64(clientCrt), 'client-key-data': b64(await fixture('client.key')) },
      ),
    );
    await write(dir, 'client.crt', clientCrt);
    await write(dir, 'client.key', await fixture('client.key'));
    const files = await write(
      dir,
      'files',
      kubeconfig({ server: server.url, 'certificate-authority-data': ca }, { 'client-certificate': 'client.crt', 'client-key': 'client.key' }),
    );
    const anonymous = await write(dir, 'anonymous', kubeconfig({ server: server.url, 'certificate-authority-data': ca }, {}));
    for (const file of [inline, files, anonymous]) await serverVersion(new KubeTransport(authOf(file), { userAgent: 'test' }));
    expect(server.seen.map((s) => [s.clientCn, s.authorization])).toEqual([
      ['kruised-test-client', undefined],
      ['kruised-test-client', undefined],
      [undefined, undefined],
    ]);
  });

  it('sends a username and password as basic authentication, and refuses a user with both a password and a token', async () => {
    const server = await tlsServer();
    const dir = await tempDir();
    const ca = b64(await fixture('ca.crt'));
    const basic = await write(dir, 'basic', kubeconfig({ server: server.url, 'certificate-authority-data': ca }, { username: 'admin', password: 's3cret' }));
    await serverVersion(new KubeTransport(authOf(basic), { userAgent: 'test' }));
    expect(server.seen[0]?.authorization).toBe(`Basic ${b64('admin:s3cret')}`);
    const both = await write(dir, 'both', kubeconfig({ server: server.url }, { username: 'admin', password: 'p', token: 't' }));
    expect(() => kubeconfigAuth(both)).toThrow(/not both/);
  });

  it('says which kubeconfigs it leaves to client-node, and why', async () => {
    const dir = await tempDir();
    const exec = await write(dir, 'exec', kubeconfig({ server: 'https://127.0.0.1:1' }, { exec: '{apiVersion: client.authentication.k8s.io/v1, command: x}' }));
    const proxy = await write(dir, 'proxy', kubeconfig({ server: 'https://127.0.0.1:1', 'proxy-url': 'http://proxy:3128' }, {}));
    const block = await write(dir, 'block', kubeconfig({ server: 'https://127.0.0.1:1' }, { token: '|-\n      abc' }));
    expect(kubeconfigAuth(exec)).toEqual({ unsupported: 'exec' });
    expect(kubeconfigAuth(proxy)).toEqual({ unsupported: 'proxy-url' });
    // Any YAML is read here (js-yaml); only features, never syntax, send a file to client-node.
    expect(kubeconfigAuth(block)).toHaveProperty('auth');
    const none = await write(dir, 'none', 'apiVersion: v1\nkind: Config\ncurrent-context: missing\n');
    expect(() => kubeconfigAuth(none)).toThrow(/has no current cluster/);
  });

  it('loads an exec-plugin kubeconfig with client-node, whose plugin token reaches the server', async () => {
    const server = await tlsServer();
    const dir = await tempDir();
    const credential = { apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: 'exec-token' } };
    const plugin = await write(dir, 'plugin.mjs', `process.stdout.write(${JSON.stringify(JSON.stringify(credential))});\n`);
    const exec = `{apiVersion: client.authentication.k8s.io/v1, command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(plugin)}], interactiveMode: Never}`;
    const file = await write(dir, 'config', kubeconfig({ server: server.url, 'certificate-authority-data': b64(await fixture('ca.crt')) }, { exec }));
    const clients = await kubeClients(file);
    expect(clients.credentials).toBe(`kubeconfig ${file} (client-node's loader, for exec)`);
    await serverVersion(clients.transport);
    await serverVersion(clients.transport);
    expect(server.seen.map((s) => s.authorization)).toEqual(['Bearer exec-token', 'Bearer exec-token']);
    expect(server.connections()).toBe(1);
  });

  it('uses $KUBECONFIG when no file is given and no service account is mounted', async () => {
    const server = await tlsServer();
    const dir = await tempDir();
    const file = await write(
      dir,
      'config',
      kubeconfig({ server: server.url, 'certificate-authority-data': b64(await fixture('ca.crt')) }, { token: 'env-token' }),
    );
    vi.stubEnv('KUBECONFIG', file);
    vi.stubEnv('KUBERNETES_SERVICE_HOST', '');
    const clients = await kubeClients(undefined);
    await serverVersion(clients.transport);
    expect(server.seen[0]?.authorization).toBe('Bearer env-token');
  });
});
