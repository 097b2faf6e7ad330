import { describe, expect, it } from 'vitest';
import { BadPullSecretError, keyringFromSecrets, pullAttempts, redactAuth } from '../../../adapters/registry-auth/index.js';
import { b64, dockerConfigJsonSecret, dockercfgSecret, rawSecret } from './fixtures.js';

const secrets = [
  dockerConfigJsonSecret('team', { 'registry.example.com/team': { username: 'team-bot', password: 'team-pw', identitytoken: 'tok' } }),
  dockercfgSecret('host', { 'https://registry.example.com': { auth: b64('host-bot:host:pw') } }),
];

describe('pullAttempts', () => {
  it('lists matched credentials most specific first with only username and password, as kruise-daemon sends them', () => {
    const plan = pullAttempts('registry.example.com/team/app:v1', keyringFromSecrets(secrets));
    expect(plan.repository).toBe('registry.example.com/team/app');
    expect(plan.anonymousAllowed).toBe(false);
    expect(plan.credentials).toEqual([
      { username: 'team-bot', password: 'team-pw', auth: '', server_address: '', identity_token: '', registry_token: '' },
      { username: 'host-bot', password: 'host:pw', auth: '', server_address: '', identity_token: '', registry_token: '' },
    ]);
  });

  it('can carry every field the keyring holds when asked to', () => {
    const plan = pullAttempts('registry.example.com/team/app', keyringFromSecrets(secrets), { fields: 'all' });
    expect(plan.credentials[0]?.identity_token).toBe('tok');
  });

  it('allows one anonymous attempt only when no credential matched', () => {
    const plan = pullAttempts('quay.io/app:1', keyringFromSecrets(secrets));
    expect(plan).toEqual({ repository: 'quay.io/app', credentials: [], anonymousAllowed: true });
  });

  it('lets a bad secret fail the keyring build, so the attempt fails (contract §3.5 step 4)', () => {
    const bad = rawSecret('broken', 'kubernetes.io/dockerconfigjson', '.dockerconfigjson', b64('{not json'));
    expect(() => keyringFromSecrets([...secrets, bad])).toThrow(BadPullSecretError);
  });
});

describe('redactAuth', () => {
  it('hides passwords and tokens but keeps the user name and empty fields', () => {
    const redacted = redactAuth({ username: 'bot', password: 'hunter2', auth: b64('bot:hunter2'), identity_token: '', registry_token: 'rt' });
    expect(redacted).toEqual({
      username: 'bot',
      password: '<redacted>',
      auth: '<redacted>',
      server_address: '',
      identity_token: '',
      registry_token: '<redacted>',
    });
    expect(JSON.stringify(redacted)).not.toContain('hunter2');
    expect(redactAuth(undefined)).toBeUndefined();
  });
});
