// The pod informer under the failures client-node leaves to its caller: dropped and reset
// watches, 500s, 429s with Retry-After, 410 Expired after compaction, and a watch whose
// connection hangs. Nothing may be lost, every restart is counted, and backoff grows.
import { describe, expect, it } from 'vitest';
import { podInformer } from '../../../adapters/kube/index.js';
import { podObject } from '../../bed/apiserver/fixtures.js';
import { kubeFixture, podRef, record, recordingLogger, until } from './support.js';

const fast = { backoff: { initialMs: 50, jitter: 0 }, healthyAfterMs: 60_000 };

describe('pod informer under faults', () => {
  it('delivers pods created and deleted while its watch was dropped, after resuming from the last resourceVersion', async () => {
    const { api, clients } = await kubeFixture();
    api.store.create(podObject('old', 'node-a'));
    const informer = podInformer(clients.transport, 'node-a', fast);
    const pods = record(informer);
    await pods.synced();
    await until(() => api.openWatches === 1, 'the watch');
    expect(api.faults.dropWatches()).toBe(1);
    // The watch is down now: these changes happen before any new watch exists.
    api.store.create(podObject('new-1', 'node-a'));
    api.store.create(podObject('new-2', 'node-a'));
    api.store.delete(podRef('old'));
    await until(() => pods.observations.length === 5, 'the changes made while down');
    expect(pods.summary()).toEqual(['upsert:old', 'synced:pod', 'upsert:new-1', 'upsert:new-2', 'delete:old']);
    expect(informer.stats()).toMatchObject({ lists: 1, watches: 2, restartsByReason: { closed: 1, error: 0 } });
  });

  it('resumes after the watch connection is reset, counting it as an error', async () => {
    const { api, clients } = await kubeFixture();
    const informer = podInformer(clients.transport, 'node-a', fast);
    const pods = record(informer);
    await pods.synced();
    await until(() => api.openWatches === 1, 'the watch');
    api.faults.dropWatches({ mode: 'reset' });
    api.store.create(podObject('after-reset', 'node-a'));
    await until(() => pods.observations.length === 2, 'the pod created after the reset');
    expect(informer.stats().restartsByReason.error).toBe(1);
  });

  it('restarts after 500s with a growing backoff, counts and logs each restart, and loses nothing meanwhile', async () => {
    const { api, clients } = await kubeFixture();
    const { lines, logger } = recordingLogger();
    const informer = podInformer(clients.transport, 'node-a', { ...fast, logger });
    const pods = record(informer);
    await pods.synced();
    await until(() => api.openWatches === 1, 'the watch');
    api.faults.failNext(3, { status: 500, match: { resource: 'pods', verb: 'watch' } });
    api.faults.dropWatches();
    api.store.create(podObject('during-outage', 'node-a'));
    await until(() => pods.observations.length === 2, 'the pod created during the outage', 5000);
    const watches = api.requests.filter({ resource: 'pods', verb: 'watch' });
    expect(watches.map((w) => w.status)).toEqual([200, 500, 500, 500, 200]);
    // closed (50 ms), then three errors (100, 200, 400 ms): each gap at least the one before.
    const gaps = watches.slice(1).map((w, i) => w.time - watches[i]!.time);
    expect(gaps).toHaveLength(4);
    expect(gaps[1]!).toBeGreaterThanOrEqual(95);
    expect(gaps[2]!).toBeGreaterThanOrEqual(190);
    expect(gaps[3]!).toBeGreaterThanOrEqual(390);
    expect(informer.stats()).toMatchObject({ restarts: 4, restartsByReason: { closed: 1, error: 3 }, lists: 1 });
    const restarts = lines.filter((l) => l.msg === 'watch restarting');
    expect(restarts.map((l) => [l.level, l.reason, l.delayMs])).toEqual([
      ['warn', 'closed', 50],
      ['warn', 'error', 100],
      ['warn', 'error', 200],
      ['warn', 'error', 400],
    ]);
    expect(restarts[1]).toMatchObject({ informer: 'pod', err: { type: 'kube.serverError', code: 500 } });
  });

  it('waits out Retry-After on a 429 before watching again, counting the restart as throttled', async () => {
    const { api, clients } = await kubeFixture();
    const informer = podInformer(clients.transport, 'node-a', fast);
    const pods = record(informer);
    await pods.synced();
    await until(() => api.openWatches === 1, 'the watch');
    api.faults.failNext(1, { status: 429, retryAfterSeconds: 1, match: { resource: 'pods', verb: 'watch' } });
    api.faults.dropWatches();
    await until(() => api.requests.filter({ resource: 'pods', verb: 'watch' }).length === 3, 'the watch after the 429', 5000);
    const [, throttled, next] = api.requests.filter({ resource: 'pods', verb: 'watch' });
    expect(throttled?.status).toBe(429);
    expect(next!.time - throttled!.time).toBeGreaterThanOrEqual(990);
    expect(informer.stats().restartsByReason.throttled).toBe(1);
  });

  it('retries a failed initial list with backoff and syncs once the list succeeds', async () => {
    const { api, clients } = await kubeFixture();
    api.store.create(podObject('a-1', 'node-a'));
    api.faults.failNext(2, { status: 503, match: { resource: 'pods', verb: 'list' } });
    const informer = podInformer(clients.transport, 'node-a', fast);
    const pods = record(informer);
    await pods.synced();
    expect(pods.summary()).toEqual(['upsert:a-1', 'synced:pod']);
    expect(informer.stats()).toMatchObject({ lists: 3, listErrors: 2, restartsByReason: { error: 2 } });
  });

  it('re-lists after 410 Expired and observes a delete for a pod removed while the watch was down', async () => {
    const { api, clients } = await kubeFixture();
    api.store.create(podObject('gone', 'node-a'));
    api.store.create(podObject('kept', 'node-a'));
    const informer = podInformer(clients.transport, 'node-a', fast);
    const pods = record(informer);
    await pods.synced();
    await until(() => api.openWatches === 1, 'the watch');
    api.faults.dropWatches();
    api.store.delete(podRef('gone'));
    api.store.create(podObject('born', 'node-a'));
    api.store.patch(podRef('kept'), { metadata: { labels: { changed: 'yes' } } });
    api.faults.compact();
    await until(() => pods.observations.length === 6, 'the re-list diff');
    expect(pods.summary().slice(3).sort()).toEqual(['delete:gone', 'upsert:born', 'upsert:kept']);
    const lists = api.requests.filter({ resource: 'pods', verb: 'list' });
    expect(lists.map((l) => l.query.resourceVersion)).toEqual(['0', undefined]);
    expect(informer.stats().restartsByReason.expired).toBe(1);
    api.store.create(podObject('after', 'node-a'));
    await until(() => pods.observations.length === 7, 'a pod after the re-list');
  });

  it('treats an HTTP 410 answer to a watch request as Expired and re-lists consistently', async () => {
    const { api, clients } = await kubeFixture();
    const informer = podInformer(clients.transport, 'node-a', fast);
    const pods = record(informer);
    await pods.synced();
    await until(() => api.openWatches === 1, 'the watch');
    api.faults.failNext(1, { status: 410, match: { resource: 'pods', verb: 'watch' } });
    api.faults.dropWatches();
    await until(() => api.requests.filter({ resource: 'pods', verb: 'list' }).length === 2, 'the re-list');
    expect(api.requests.filter({ resource: 'pods', verb: 'list' })[1]?.query.resourceVersion).toBeUndefined();
    expect(informer.stats().restartsByReason).toMatchObject({ closed: 1, expired: 1, error: 0 });
  });

  it('stays synced but reports a stale view to its health check while the watch is down too long', async () => {
    const { api, clients } = await kubeFixture();
    const informer = podInformer(clients.transport, 'node-a', { backoff: { initialMs: 100, jitter: 0 } });
    const check = informer.healthCheck(250);
    record(informer);
    await until(() => informer.stats().state === 'watching', 'the watch');
    expect(check()).toBeUndefined();
    api.faults.failNext(100, { status: 500, match: { resource: 'pods', verb: 'watch' } });
    api.faults.dropWatches();
    // Polled, not slept on: the view turns stale 250 ms after the informer lost its watch, and on a
    // loaded machine the informer may see the drop late.
    expect(await until(() => check(), 'the health check to report the watch down', 5000)).toMatch(/^watch down for \d+s$/);
    expect(informer.hasSynced()).toBe(true);
    api.faults.clear();
    await until(() => informer.stats().state === 'watching', 'the watch to come back', 5000);
    expect(check()).toBeUndefined();
  });

  it('aborts a watch whose server never answers once the watchdog expires, and watches again', async () => {
    const { api, clients } = await kubeFixture();
    const informer = podInformer(clients.transport, 'node-a', { ...fast, watchdogMs: 300 });
    const pods = record(informer);
    await pods.synced();
    const removeLatency = api.faults.addLatency(60_000, { resource: 'pods', verb: 'watch' });
    await until(() => informer.stats().restartsByReason.watchdog >= 1, 'the watchdog', 3000);
    removeLatency();
    api.store.create(podObject('after-hang', 'node-a'));
    await until(() => pods.observations.length === 2, 'the pod after the hang', 5000);
    expect(informer.staleForMs()).toBe(0);
  });

  it('resumes without a re-list when the server ends the watch at its timeoutSeconds', async () => {
    const { api, clients } = await kubeFixture();
    const informer = podInformer(clients.transport, 'node-a', { watchTimeoutSeconds: 1, healthyAfterMs: 500 });
    const pods = record(informer);
    await pods.synced();
    await until(() => informer.stats().restartsByReason.closed >= 1, 'the server to end the watch after 1 s', 10_000);
    api.store.create(podObject('after-timeout', 'node-a'));
    await until(() => pods.observations.length === 2, 'the pod after the timeout');
    // Every watch ends after a second: a slow machine may have seen a second one end by now.
    const { lists, restartsByReason } = informer.stats();
    expect({ lists, error: restartsByReason.error }).toEqual({ lists: 1, error: 0 });
    expect(restartsByReason.closed).toBeGreaterThanOrEqual(1);
  });
});
