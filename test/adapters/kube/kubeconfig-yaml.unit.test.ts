// The kubeconfig YAML reader: the shapes kubectl, kubeadm and the fake API server write, and
// loud refusal (YamlSubsetError, so the file goes to client-node's loader) of everything else.
import { describe, expect, it } from 'vitest';
import { parseKubeconfigYaml, YamlSubsetError } from '../../../adapters/kube/kubeconfig-yaml.js';

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
    client-certificate-data: Y2VydA==
    client-key-data: a2V5
`;

describe('kubeconfig YAML', () => {
  it('reads what kubectl writes', () => {
    expect(parseKubeconfigYaml(KUBECTL)).toEqual({
      apiVersion: 'v1',
      clusters: [{ cluster: { 'certificate-authority-data': 'LS0tLS1CRUdJTg==', server: 'https://10.0.0.1:6443' }, name: 'kubernetes' }],
      contexts: [{ context: { cluster: 'kubernetes', namespace: 'kube-system', user: 'kubernetes-admin' }, name: 'kubernetes-admin@kubernetes' }],
      'current-context': 'kubernetes-admin@kubernetes',
      kind: 'Config',
      preferences: {},
      users: [{ name: 'kubernetes-admin', user: { 'client-certificate-data': 'Y2VydA==', 'client-key-data': 'a2V5' } }],
    });
  });

  it('reads indented sequences, one-line flow mappings, comments and a leading ---', () => {
    const text = [
      '--- # a kubeconfig',
      'clusters:',
      '  - name: fake',
      '    cluster:',
      '      server: http://127.0.0.1:8080 # plain HTTP',
      '      insecure-skip-tls-verify: true',
      'users:',
      '  - name: fake',
      '    user: {token: "kruised-fake-token", "username": \'it\'\'s\'}',
      'contexts:',
      '  - {name: fake, context: {cluster: fake, user: fake, namespace: default}}',
      'current-context: fake',
      'extensions: []',
    ].join('\n');
    expect(parseKubeconfigYaml(text)).toEqual({
      clusters: [{ name: 'fake', cluster: { server: 'http://127.0.0.1:8080', 'insecure-skip-tls-verify': 'true' } }],
      users: [{ name: 'fake', user: { token: 'kruised-fake-token', username: "it's" } }],
      contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'fake', namespace: 'default' } }],
      'current-context': 'fake',
      extensions: [],
    });
  });

  it('reads quoted scalars with their escapes, keeps # inside quotes, and reads empty values and ~ as null', () => {
    const text = ['a: "x\\"y\\\\z\\n\\u00e9 # not a comment"', "b: 'c # d'", 'c:', 'd: ~', 'e: null', '"quoted key": v'].join('\n');
    expect(parseKubeconfigYaml(text)).toEqual({ a: 'x"y\\z\né # not a comment', b: 'c # d', c: null, d: null, e: null, 'quoted key': 'v' });
  });

  it('reads a JSON kubeconfig, with its booleans as the strings YAML would give', () => {
    const json = JSON.stringify({ clusters: [{ name: 'c', cluster: { server: 'https://h', 'insecure-skip-tls-verify': true } }], 'current-context': 'x' });
    expect(parseKubeconfigYaml(json)).toEqual({
      clusters: [{ name: 'c', cluster: { server: 'https://h', 'insecure-skip-tls-verify': 'true' } }],
      'current-context': 'x',
    });
  });

  it.each([
    ['a block scalar', 'token: |\n  abc'],
    ['an anchor', 'a: &x 1'],
    ['an alias', 'a: *x'],
    ['a tag', 'a: !!binary abc'],
    ['a plain scalar over two lines', 'clusters:\n- name: a\n  cluster:\n    server: https://a\n      b'],
    ['a value under a key that is not a mapping', 'a:\n  just text'],
    ['a second document', 'a: 1\n---\nb: 2'],
    ['tab indentation', 'a:\n\tb: 1'],
    ['a mapping value inside a plain scalar', 'a: b: c'],
    ['a repeated key', 'a: 1\na: 2'],
    ['a quoted scalar over two lines', 'a: "abc\n  def"'],
    ['an unclosed flow mapping', 'a: {b: c'],
  ])('refuses %s', (_, text) => {
    expect(() => parseKubeconfigYaml(text)).toThrow(YamlSubsetError);
  });
});
