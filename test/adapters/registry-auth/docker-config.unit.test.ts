import { describe, expect, it } from 'vitest';
import { BadPullSecretError, parsePullSecret, parsePullSecrets } from '../../../adapters/registry-auth/index.js';
import { b64, dockerConfigJsonSecret, dockercfgSecret, rawSecret } from './fixtures.js';

describe('parsing kubernetes.io/dockerconfigjson secrets', () => {
  it('reads every entry under "auths" with its user name and password, in document order', () => {
    const secret = dockerConfigJsonSecret('regcred', {
      'registry.example.com': { username: 'alice', password: 'pa55', email: 'a@example.com' },
      'https://index.docker.io/v1/': { username: 'bob', password: 'hunter2' },
    });
    expect(parsePullSecret(secret)).toEqual([
      { registryKey: 'registry.example.com', username: 'alice', password: 'pa55', email: 'a@example.com' },
      { registryKey: 'https://index.docker.io/v1/', username: 'bob', password: 'hunter2' },
    ]);
  });

  it('splits the auth field at the first colon, so a password may contain colons, and lets it override username/password', () => {
    const secret = dockerConfigJsonSecret('regcred', {
      'quay.io': { username: 'ignored', password: 'ignored', auth: b64('robot:pa:ss:word') },
    });
    expect(parsePullSecret(secret)).toEqual([{ registryKey: 'quay.io', username: 'robot', password: 'pa:ss:word', auth: b64('robot:pa:ss:word') }]);
  });

  it('decodes an unpadded auth field as kubelet does (RawStdEncoding when it does not end in "=")', () => {
    const unpadded = b64('u:p1').replace(/=+$/, '');
    expect(unpadded.endsWith('=')).toBe(false);
    const [entry] = parsePullSecret(dockerConfigJsonSecret('s', { 'r.io': { auth: unpadded } }));
    expect(entry).toMatchObject({ username: 'u', password: 'p1' });
  });

  it('keeps docker identity and registry tokens, and accepts field names in any case as Go does', () => {
    const [entry] = parsePullSecret(
      dockerConfigJsonSecret('s', { 'acr.example.io': { Username: 'x', Password: 'y', identitytoken: 'id-tok', registrytoken: 'reg-tok' } }),
    );
    expect(entry).toEqual({ registryKey: 'acr.example.io', username: 'x', password: 'y', identityToken: 'id-tok', registryToken: 'reg-tok' });
  });

  it('gives no entries for a document without "auths" or with "auths": null', () => {
    const noAuths = rawSecret('s', 'kubernetes.io/dockerconfigjson', '.dockerconfigjson', b64('{"credsStore":"desktop"}'));
    const nullAuths = rawSecret('s', 'kubernetes.io/dockerconfigjson', '.dockerconfigjson', b64('{"auths":null}'));
    expect(parsePullSecret(noAuths)).toEqual([]);
    expect(parsePullSecret(nullAuths)).toEqual([]);
  });
});

describe('parsing kubernetes.io/dockercfg secrets', () => {
  it('reads the legacy top-level registry map, auth field included', () => {
    const secret = dockercfgSecret('legacy', {
      'https://registry.example.com': { auth: b64('carol:c0l0n:pw'), email: 'c@example.com' },
      'other.example.com:5000': { username: 'dave', password: 'pw' },
    });
    expect(parsePullSecret(secret)).toEqual([
      { registryKey: 'https://registry.example.com', username: 'carol', password: 'c0l0n:pw', auth: b64('carol:c0l0n:pw'), email: 'c@example.com' },
      { registryKey: 'other.example.com:5000', username: 'dave', password: 'pw' },
    ]);
  });

  it('does not read a .dockercfg key from a secret typed dockerconfigjson, nor the reverse (kubelet pairs type and key)', () => {
    const swappedA = rawSecret('a', 'kubernetes.io/dockerconfigjson', '.dockercfg', b64('{"r.io":{"username":"u"}}'));
    const swappedB = rawSecret('b', 'kubernetes.io/dockercfg', '.dockerconfigjson', b64('{"auths":{"r.io":{}}}'));
    expect(parsePullSecrets([swappedA, swappedB])).toEqual([]);
  });
});

describe('secrets that contribute nothing', () => {
  it('ignores other secret types, missing data and empty values without error', () => {
    expect(parsePullSecret(rawSecret('opaque', 'Opaque', '.dockerconfigjson', 'not base64 at all!'))).toEqual([]);
    expect(parsePullSecret({ metadata: { name: 'n' }, type: 'kubernetes.io/dockercfg' })).toEqual([]);
    expect(parsePullSecret(rawSecret('e', 'kubernetes.io/dockercfg', '.dockercfg', ''))).toEqual([]);
  });
});

describe('bad secrets', () => {
  const SECRET_TEXT = 'TopSecretPassw0rd';

  const expectBad = (secret: Parameters<typeof parsePullSecret>[0], reason: string): BadPullSecretError => {
    let caught: unknown;
    try {
      parsePullSecret(secret);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(BadPullSecretError);
    const error = caught as BadPullSecretError;
    expect(error).toMatchObject({ type: 'registryAuth.badSecret', reason, secret: 'kruise-daemon-config/bad' });
    expect(error.message).toContain('kruise-daemon-config/bad');
    expect(error.message).not.toContain(SECRET_TEXT);
    expect(error.message).not.toContain(b64(SECRET_TEXT).slice(0, 12));
    expect(error.message).not.toContain('private.example.com');
    return error;
  };

  it('rejects a data value that is not base64, naming the secret and the key but not the value', () => {
    const error = expectBad(
      rawSecret('bad', 'kubernetes.io/dockerconfigjson', '.dockerconfigjson', `{"auths":{"private.example.com":{"password":"${SECRET_TEXT}"}}}`),
      'badBase64',
    );
    expect(error.message).toBe(
      'pull secret kruise-daemon-config/bad (kubernetes.io/dockerconfigjson) is invalid: data key .dockerconfigjson is not valid base64',
    );
  });

  it('rejects a document that is not JSON without quoting it (JSON.parse messages would)', () => {
    expectBad(rawSecret('bad', 'kubernetes.io/dockercfg', '.dockercfg', b64(`{"private.example.com": {"password": ${SECRET_TEXT}}`)), 'badJson');
  });

  it('rejects an auth field that is not base64, or has no colon once decoded', () => {
    expectBad(dockerConfigJsonSecret('bad', { 'private.example.com': { auth: `${SECRET_TEXT}!!` } }), 'badAuthField');
    const noColon = expectBad(dockerConfigJsonSecret('bad', { 'private.example.com': { auth: b64(SECRET_TEXT) } }), 'badAuthField');
    expect(noColon.message).toContain('base64(username:password)');
  });

  it('rejects fields of the wrong JSON type as Go unmarshalling does', () => {
    expectBad(dockerConfigJsonSecret('bad', { 'private.example.com': { username: 42, password: SECRET_TEXT } }), 'badShape');
    expectBad(dockerConfigJsonSecret('bad', [SECRET_TEXT]), 'badShape');
    expectBad(rawSecret('bad', 'kubernetes.io/dockerconfigjson', '.dockerconfigjson', b64(`["${SECRET_TEXT}"]`)), 'badShape');
  });
});
