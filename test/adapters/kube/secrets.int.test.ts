// The secrets reader against the fake API server with the daemon's RBAC: one namespace only,
// a jittered 5–10 minute cache, typed misses, and no secret contents in its logs.
import { describe, expect, it } from 'vitest';
import { SecretsReader } from '../../../adapters/kube/index.js';
import { kubeFixture, recordingLogger } from './support.js';

const secret = (name: string, namespace = 'kruise-daemon-config', value = 'c2VjcmV0LXZhbHVl') => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace },
  type: 'kubernetes.io/dockerconfigjson',
  data: { '.dockerconfigjson': value },
});

describe('secrets reader', () => {
  it('reads a secret of the config namespace once and serves it from cache until its jittered TTL passes', async () => {
    const { api, clients } = await kubeFixture();
    api.store.create(secret('pull-a'));
    let now = 1_000_000;
    const reader = new SecretsReader({ transport: clients.transport, now: () => now, random: () => 0.5 });
    const first = await reader.get('pull-a');
    expect(first).toMatchObject({ type: 'found', secret: { metadata: { name: 'pull-a' }, data: { '.dockerconfigjson': 'c2VjcmV0LXZhbHVl' } } });
    now += 7 * 60_000; // 5 min + 0.5 × 5 min = 7.5 min TTL
    await reader.get('pull-a');
    expect(api.requests.filter({ resource: 'secrets' })).toHaveLength(1);
    now += 60_000;
    await reader.get('pull-a');
    expect(api.requests.filter({ resource: 'secrets' })).toHaveLength(2);
    expect(reader.stats()).toMatchObject({ hits: 1, fetches: 2 });
  });

  it('shares one request between concurrent lookups of the same secret', async () => {
    const { api, clients } = await kubeFixture();
    api.store.create(secret('pull-a'));
    const reader = new SecretsReader({ transport: clients.transport });
    const results = await Promise.all([reader.get('pull-a'), reader.get('pull-a'), reader.get('pull-a')]);
    expect(results.map((r) => r.type)).toEqual(['found', 'found', 'found']);
    expect(api.requests.filter({ resource: 'secrets' })).toHaveLength(1);
  });

  it('refuses another namespace without asking the API server, and reports a missing secret as notFound', async () => {
    const { api, clients } = await kubeFixture();
    api.store.create(secret('pull-a', 'default'));
    const reader = new SecretsReader({ transport: clients.transport });
    expect(await reader.get('pull-a', 'default')).toEqual({ type: 'refused', namespace: 'default', name: 'pull-a' });
    expect(api.requests.filter({ resource: 'secrets' })).toHaveLength(0);
    expect(await reader.get('pull-a')).toEqual({ type: 'notFound', namespace: 'kruise-daemon-config', name: 'pull-a' });
    expect(api.requests.filter({ resource: 'secrets' })[0]).toMatchObject({ namespace: 'kruise-daemon-config', status: 404 });
  });

  it('serves the expired copy when a refresh fails with a 5xx, and rejects when it has none', async () => {
    const { api, clients } = await kubeFixture();
    api.store.create(secret('pull-a'));
    let now = 0;
    const reader = new SecretsReader({ transport: clients.transport, now: () => now });
    await reader.get('pull-a');
    now += 11 * 60_000;
    api.faults.failNext(2, { status: 500, match: { resource: 'secrets' } });
    expect((await reader.get('pull-a')).type).toBe('found');
    await expect(reader.get('pull-b')).rejects.toMatchObject({ type: 'kube.serverError', code: 500 });
    expect(reader.stats().stale).toBe(1);
  });

  it('logs secret names and never their contents', async () => {
    const { api, clients } = await kubeFixture();
    api.store.create(secret('pull-a', 'kruise-daemon-config', 'dG9wLXNlY3JldA=='));
    const { lines, logger } = recordingLogger();
    let now = 0;
    const reader = new SecretsReader({ transport: clients.transport, logger, now: () => now });
    await reader.get('pull-a');
    await reader.get('pull-a', 'kube-system');
    now += 11 * 60_000;
    api.faults.failNext(1, { status: 503, match: { resource: 'secrets' } });
    await reader.get('pull-a');
    const text = lines.map((l) => JSON.stringify(l)).join('\n');
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(text).toContain('pull-a');
    expect(text).not.toMatch(/dG9wLXNlY3JldA|top-secret|dockerconfigjson/);
  });
});
