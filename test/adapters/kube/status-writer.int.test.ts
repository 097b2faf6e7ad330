// The status writer against the fake API server: upstream's NodeImage rate limit with the
// newest intent winning, skips of unchanged status, conflict resolution by re-reading, bounded
// retries with Retry-After, the CRR merge-patch shape, and flush().
import { describe, expect, it } from 'vitest';
import { CONTROLLER_NAMES, crrRef, nodeImageRef, StatusWriter, type WriteOutcome } from '../../../adapters/kube/index.js';
import { crrObject, nodeImageObject } from '../../bed/apiserver/fixtures.js';
import { delay, kubeFixture, until } from './support.js';

const adminRef = { apiVersion: 'apps.kruise.io/v1beta1', kind: 'NodeImage', name: 'node-a' };
const ref = nodeImageRef('node-a', 'v1beta1');
const status = (pulling: number) => ({ desired: 20, succeeded: 20 - pulling, failed: 0, pulling, waiting: 0 });
const putsOf = (api: Awaited<ReturnType<typeof kubeFixture>>['api']) => api.requests.filter({ method: 'PUT', resource: 'nodeimages', subresource: 'status' });

describe('status writer', () => {
  it('holds NodeImage to 0.5 writes/s after a burst of 5, and the last desired status wins', async () => {
    const { api, clients } = await kubeFixture();
    api.store.create(nodeImageObject('node-a'));
    const started = Date.now(); // before the bucket exists: its refill counts from then
    const writer = new StatusWriter({ transport: clients.forController(CONTROLLER_NAMES.imagePuller) });
    const outcomes: Array<Promise<WriteOutcome>> = [];
    for (let i = 1; i <= 20; i += 1) {
      outcomes.push(writer.write(ref, status(20 - i)));
      await delay(100);
    }
    const results = await Promise.all(outcomes);
    await writer.idle();
    const puts = putsOf(api);
    const seconds = (puts.at(-1)!.time - started) / 1000;
    expect(puts.length).toBeLessThanOrEqual(5 + 0.5 * seconds);
    expect(puts.length).toBeGreaterThanOrEqual(5);
    expect(results.at(-1)).toBe('written');
    expect(results.filter((r) => r === 'written')).toHaveLength(puts.length);
    expect(results.filter((r) => r === 'superseded')).toHaveLength(20 - puts.length);
    expect(api.store.get(adminRef)?.status).toEqual(status(0));
    expect(puts[0]?.userAgent).toBe('kruise-daemon/kruise-daemon-imagepuller');
    expect(writer.stats()).toMatchObject({ intents: 20, writes: puts.length, conflicts: 0, failures: 0 });
    expect(writer.stats().throttled).toBeGreaterThan(0);
  });

  it('skips the write when the live status already equals the desired one, whatever the key order', async () => {
    const { api, clients } = await kubeFixture();
    api.store.create({ ...nodeImageObject('node-a'), status: { desired: 1, succeeded: 1, failed: 0, pulling: 0, waiting: 0 } });
    const writer = new StatusWriter({ transport: clients.transport });
    expect(await writer.write(ref, { waiting: 0, pulling: 0, failed: 0, succeeded: 1, desired: 1 })).toBe('skipped');
    expect(putsOf(api)).toHaveLength(0);
    expect(await writer.write(ref, { desired: 2, succeeded: 1, failed: 0, pulling: 1, waiting: 0 })).toBe('written');
    expect(putsOf(api)).toHaveLength(1);
    expect(writer.stats()).toMatchObject({ skips: 1, writes: 1 });
  });

  it('re-reads and writes again when another writer bumps the resourceVersion between its GET and PUT, keeping their change', async () => {
    const { api, clients } = await kubeFixture();
    api.store.create(nodeImageObject('node-a'));
    const writer = new StatusWriter({ transport: clients.transport });
    const removeLatency = api.faults.addLatency(300, { method: 'PUT', resource: 'nodeimages' });
    const outcome = writer.write(ref, status(1));
    await until(() => putsOf(api).length === 1, 'the first PUT to be on its way');
    api.store.patch(adminRef, { metadata: { labels: { 'other-writer': 'was-here' } } });
    expect(await outcome).toBe('written');
    removeLatency();
    expect(putsOf(api).map((r) => r.status)).toEqual([409, 200]);
    expect(api.requests.filter({ method: 'GET', resource: 'nodeimages' })).toHaveLength(2);
    const live = api.store.get(adminRef);
    expect(live?.status).toEqual(status(1));
    expect(live?.metadata.labels).toMatchObject({ 'other-writer': 'was-here' });
    expect(writer.stats()).toMatchObject({ conflicts: 1, writes: 1 });
  });

  it('retries 5xx with backoff, waits out a 429 Retry-After, and gives up after its bounded retries', async () => {
    const { api, clients } = await kubeFixture();
    api.store.create(nodeImageObject('node-a'));
    const writer = new StatusWriter({ transport: clients.transport, backoff: { initialMs: 20, jitter: 0 }, maxRetries: 2 });
    api.faults.failNext(1, { status: 500, match: { method: 'PUT' } });
    api.faults.failNext(1, { status: 429, retryAfterSeconds: 1, match: { method: 'PUT' } });
    expect(await writer.write(ref, status(3))).toBe('written');
    const [first, second, third] = putsOf(api);
    expect([first?.status, second?.status, third?.status]).toEqual([500, 429, 200]);
    expect(third!.time - second!.time).toBeGreaterThanOrEqual(990);
    api.faults.failNext(10, { status: 503, match: { method: 'PUT' } });
    expect(await writer.write(ref, status(2))).toBe('failed');
    expect(putsOf(api)).toHaveLength(6);
    expect(writer.stats()).toMatchObject({ retries: 4, failures: 1, writes: 1 });
    expect(api.store.get(adminRef)?.status).toEqual(status(3));
  });

  it('merge-patches CRR container states into the status and skips a patch that is already applied', async () => {
    const { api, clients } = await kubeFixture();
    api.store.create({ ...crrObject('restart-main', 'node-a'), status: { phase: 'Recreating' } });
    const writer = new StatusWriter({ transport: clients.forController(CONTROLLER_NAMES.crr) });
    const states = { containerRecreateStates: [{ name: 'main', phase: 'Recreating', isKilled: true }] };
    const target = crrRef('default', 'restart-main', 'v1beta1');
    expect(await writer.write(target, states, { shape: 'merge-patch' })).toBe('written');
    expect(await writer.write(target, states, { shape: 'merge-patch' })).toBe('skipped');
    const patches = api.requests.filter({ method: 'PATCH', resource: 'containerrecreaterequests' });
    expect(patches).toHaveLength(1);
    expect(patches[0]).toMatchObject({ subresource: 'status', contentType: 'application/merge-patch+json' });
    const live = api.store.get({ apiVersion: 'apps.kruise.io/v1beta1', kind: 'ContainerRecreateRequest', namespace: 'default', name: 'restart-main' });
    expect(live?.status).toEqual({ phase: 'Recreating', ...states });
  });

  it('reports notFound for an object that does not exist, without writing', async () => {
    const { api, clients } = await kubeFixture();
    const writer = new StatusWriter({ transport: clients.transport });
    expect(await writer.write(ref, status(1))).toBe('notFound');
    expect(putsOf(api)).toHaveLength(0);
  });

  it('writes a throttled intent at once on flush()', async () => {
    const { api, clients } = await kubeFixture();
    api.store.create(nodeImageObject('node-a'));
    const writer = new StatusWriter({ transport: clients.transport, limits: { NodeImage: { qps: 0.001, burst: 1 } } });
    expect(await writer.write(ref, status(2))).toBe('written');
    let settled = false;
    const throttled = writer.write(ref, status(1)).finally(() => (settled = true));
    // The witness that the intent is held by the bucket (the next token is 1000 s away), not on its way.
    await until(() => writer.stats().throttled === 1, 'the writer to wait for a token');
    expect(putsOf(api)).toHaveLength(1);
    expect(settled).toBe(false);
    await writer.flush();
    expect(await throttled).toBe('written');
    expect(api.store.get(adminRef)?.status).toEqual(status(1));
  });
});
