// Pull-secret builders for the registry-auth tests: data values are base64, as the API serves them.
import type { PullSecretLike } from '../../../adapters/registry-auth/index.js';

export const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

export function dockerConfigJsonSecret(name: string, auths: unknown): PullSecretLike {
  return {
    metadata: { namespace: 'kruise-daemon-config', name },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': b64(JSON.stringify({ auths })) },
  };
}

export function dockercfgSecret(name: string, map: unknown): PullSecretLike {
  return {
    metadata: { namespace: 'kruise-daemon-config', name },
    type: 'kubernetes.io/dockercfg',
    data: { '.dockercfg': b64(JSON.stringify(map)) },
  };
}

export function rawSecret(name: string, type: string, key: string, value: string): PullSecretLike {
  return { metadata: { namespace: 'kruise-daemon-config', name }, type, data: { [key]: value } };
}
