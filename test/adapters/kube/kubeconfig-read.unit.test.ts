// Reading kubeconfig files with js-yaml: whatever YAML kubectl, kubeadm, cloud CLIs or people
// write (block scalars, anchors and merge keys, flow collections, JSON) gives the credentials it
// says; fields are typed as client-go types them; and no error carries a secret from the file.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { RequestOptions } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { kubeconfigAuth } from '../../../adapters/kube/index.js';
import { readKubeconfigYaml } from '../../../adapters/kube/kubeconfig.js';
import { errorOf } from '../../support/errors.js';

async function file(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kruised-kubeconfig-read-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'config');
  await writeFile(path, text);
  return path;
}

/** What a request built from the file's credentials would carry. */
async function requestOf(text: string): Promise<{ server: string; options: RequestOptions }> {
  const result = kubeconfigAuth(await file(text));
  if (!('auth' in result)) throw new Error(`expected supported credentials, got: ${result.unsupported}`);
  const options: RequestOptions = {};
  await result.auth.applyToHTTPSOptions(options);
  return { server: result.auth.getCurrentCluster()?.server ?? '', options };
}

// As kubectl writes it (Go's YAML: sequences at their key's indentation, `{}` for empty maps).
const KUBECTL = `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: LS0tLS1CRUdJTg==
    server: https://10.0.0.1:6443
  name: kubernetes
contexts:
- context:
    cluster: kubernetes
    namespace: kube-system
    user: kubernetes-admin
  name: kubernetes-admin@kubernetes
current-context: kubernetes-admin@kubernetes
kind: Config
preferences: {}
users:
- name: kubernetes-admin
  user:
    token: abc.def
`;

describe('kubeconfig files read with js-yaml', () => {
  it('reads what kubectl writes', async () => {
    const { server, options } = await requestOf(KUBECTL);
    expect(server).toBe('https://10.0.0.1:6443');
    expect(options.headers).toEqual({ Authorization: 'Bearer abc.def' });
    expect(options.ca?.toString()).toBe('-----BEGIN');
  });

  it('reads block scalars, anchors with merge keys, flow collections and comments, which the hand-written subset refused', async () => {
    const text = [
      '# written by hand',
      'clusters:',
      '  - name: fake',
      '    cluster: &base {server: "https://127.0.0.1:6443", insecure-skip-tls-verify: yes}',
      '  - name: other',
      '    cluster:',
      '      <<: *base',
      '      server: https://10.0.0.2:6443',
      'users:',
      '  - name: fake',
      '    user:',
      '      token: >-',
      '        folded-',
      '        token',
      'contexts: [{name: ctx, context: {cluster: other, user: fake}}]',
      'current-context: ctx',
    ].join('\n');
    const { server, options } = await requestOf(text);
    expect(server).toBe('https://10.0.0.2:6443');
    // Merged from the anchor, in Go YAML's 1.1 spelling of true.
    expect(options).toMatchObject({ rejectUnauthorized: false, headers: { Authorization: 'Bearer folded- token' } });
  });

  it('reads a JSON kubeconfig', async () => {
    const json = {
      clusters: [{ name: 'c', cluster: { server: 'https://h:6443', 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'u', user: { username: 'admin', password: 'pw' } }],
      contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'x',
    };
    const { options } = await requestOf(JSON.stringify(json));
    expect(options).toMatchObject({ rejectUnauthorized: false, headers: { Authorization: `Basic ${Buffer.from('admin:pw').toString('base64')}` } });
  });

  it('refuses a number where client-go wants a string, naming the field and not its value', async () => {
    const path = await file(KUBECTL.replace('token: abc.def', 'token: 8675309'));
    const error = errorOf(() => kubeconfigAuth(path));
    expect(error.message).toBe(`kubeconfig ${path}: users["kubernetes-admin"].user.token must be a string, not a number (quote it)`);
    expect(error.message).not.toContain('8675309');
    expect(errorOf(() => kubeconfigAuth(path.replace('config', 'missing'))).message).toContain('ENOENT');
  });

  it('refuses an insecure-skip-tls-verify that is not a boolean', async () => {
    const path = await file(KUBECTL.replace('    server:', '    insecure-skip-tls-verify: maybe\n    server:'));
    expect(errorOf(() => kubeconfigAuth(path)).message).toBe(
      `kubeconfig ${path}: clusters["kubernetes"].cluster.insecure-skip-tls-verify must be true or false, got "maybe"`,
    );
  });

  it.each([
    [
      'a syntax error on the line of a token',
      KUBECTL.replace('token: abc.def', 'token: abc.def: s3cr3t-value'),
      /bad indentation of a mapping entry at line 19/,
    ],
    ['a repeated key', `${KUBECTL}kind: Config\n`, /duplicated mapping key at line 20, column 1/],
    ['two documents', `${KUBECTL}---\n${KUBECTL}`, /expected a single document/],
    ['an unknown tag', KUBECTL.replace('token: abc.def', 'token: !!binary czNjcjN0LXZhbHVl'), /unknown scalar tag/],
  ])('says where %s is, without quoting the file', async (_, text, reason) => {
    const path = await file(text);
    const error = errorOf(() => kubeconfigAuth(path));
    expect(error.message).toMatch(new RegExp(`^kubeconfig ${path} is not valid YAML: `));
    expect(error.message).toMatch(reason);
    // Nothing of the file travels with the error, not even in properties a logger would print.
    expect(JSON.stringify({ ...error, message: error.message })).not.toMatch(/s3cr3t|abc\.def|czNjcjN0/);
    expect(error.cause).toBeUndefined();
  });

  it('returns the data as YAML gives it, for callers that only need to read', () => {
    expect(readKubeconfigYaml('a: [1, "2"]\nb: ~\n', 'inline')).toEqual({ a: [1, '2'], b: null });
  });
});
