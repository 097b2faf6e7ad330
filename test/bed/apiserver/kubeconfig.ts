// Client configuration for the fake: its CA over HTTPS; over plain HTTP, client-node needs
// insecure-skip-tls-verify (and Go clients would send no credentials at all).
import { KubeConfig } from '@kubernetes/client-node';

export function kubeConfigFor(url: string, token: string | undefined, caPem?: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'fake', server: url, ...(caPem !== undefined ? { caData: Buffer.from(caPem).toString('base64') } : { skipTLSVerify: true }) }],
    users: [{ name: 'fake', ...(token !== undefined ? { token } : {}) }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'fake', namespace: 'default' }],
    currentContext: 'fake',
  });
  return kc;
}

export function kubeconfigYamlFor(url: string, token: string | undefined, caPem?: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: fake',
    '  cluster:',
    `    server: ${url}`,
    caPem !== undefined ? `    certificate-authority-data: ${Buffer.from(caPem).toString('base64')}` : '    insecure-skip-tls-verify: true',
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
