// Client configuration for the fake: plain HTTP needs insecure-skip-tls-verify in client-node.
import { KubeConfig } from '@kubernetes/client-node';

export function kubeConfigFor(url: string, token: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'fake', server: url, skipTLSVerify: true }],
    users: [{ name: 'fake', ...(token !== undefined ? { token } : {}) }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'fake', namespace: 'default' }],
    currentContext: 'fake',
  });
  return kc;
}

export function kubeconfigYamlFor(url: string, token: string | undefined): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: fake',
    '  cluster:',
    `    server: ${url}`,
    '    insecure-skip-tls-verify: true',
    'users:',
    '- name: fake',
    `  user: ${token !== undefined ? `{token: ${JSON.stringify(token)}}` : '{}'}`,
    'contexts:',
    '- name: fake',
    '  context: {cluster: fake, user: fake, namespace: default}',
    'current-context: fake',
    '',
  ].join('\n');
}
