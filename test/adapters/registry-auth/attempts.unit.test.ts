import { describe, expect, it } from 'vitest';
import {
  AllCredentialsFailedError,
  BadPullSecretError,
  Keyring,
  keyringFromSecrets,
  pullAttempts,
  redactAuth,
  runPullAttempts,
  type AuthConfig,
} from '../../../adapters/registry-auth/index.js';
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

describe('runPullAttempts', () => {
  const twoCredentials = () => pullAttempts('registry.example.com/team/app', keyringFromSecrets(secrets));

  it('stops at the first credential that succeeds', async () => {
    const seen: (string | undefined)[] = [];
    const result = await runPullAttempts(twoCredentials(), async (auth) => {
      seen.push(auth?.username);
      if (auth?.username === 'team-bot') throw new Error('401 unauthorized');
      return 'sha256:abc';
    });
    expect(result).toBe('sha256:abc');
    expect(seen).toEqual(['team-bot', 'host-bot']);
  });

  it('fails with every error aggregated and never pulls anonymously when all matched credentials fail', async () => {
    const seen: (AuthConfig | undefined)[] = [];
    const run = runPullAttempts(twoCredentials(), async (auth) => {
      seen.push(auth);
      throw new Error(`denied for ${auth?.username ?? 'anonymous'}`);
    });
    await expect(run).rejects.toBeInstanceOf(AllCredentialsFailedError);
    await expect(run).rejects.toThrow('[denied for team-bot, denied for host-bot]');
    expect(seen.map((a) => a?.username)).toEqual(['team-bot', 'host-bot']);
    expect(seen).not.toContain(undefined);
  });

  it('pulls once without auth when nothing matched, and surfaces that error as is', async () => {
    const seen: (AuthConfig | undefined)[] = [];
    const plan = pullAttempts('nginx:1.21', new Keyring());
    const failure = new Error('not found');
    await expect(
      runPullAttempts(plan, async (auth) => {
        seen.push(auth);
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(seen).toEqual([undefined]);
  });
});

describe('redactAuth', () => {
  it('hides passwords and tokens but keeps the user name and empty fields', () => {
    const redacted = redactAuth({ username: 'bot', password: 'hunter2', auth: b64('bot:hunter2'), identity_token: '', registry_token: 'rt' });
    expect(redacted).toEqual({ username: 'bot', password: '<redacted>', auth: '<redacted>', server_address: '', identity_token: '', registry_token: '<redacted>' });
    expect(JSON.stringify(redacted)).not.toContain('hunter2');
    expect(redactAuth(undefined)).toBeUndefined();
  });
});
