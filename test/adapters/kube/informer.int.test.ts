// The pod informer through the real client-node request stack against the fake API server:
// level-triggered observations, selectors on list and watch, replay for late subscribers, and
// a clean stop.
import { describe, expect, it } from 'vitest';
import { podInformer } from '../../../adapters/kube/index.js';
import { podObject } from '../../bed/apiserver/fixtures.js';
import { kubeFixture, podRef, record, until, type KubeFixture } from './support.js';

/** The pod requests (of one verb, or all) of one node's informer, as the API server logged them. */
const requestsFor = (api: KubeFixture['api'], node: string, verb?: 'list' | 'watch') =>
  api.requests.filter((r) => r.resource === 'pods' && r.query.fieldSelector === `spec.nodeName=${node}` && (verb === undefined || r.verb === verb));

describe('pod informer', () => {
  it('observes pods of its node being added, modified and deleted, as whole objects, and nothing of other nodes', async () => {
    const { api, clients } = await kubeFixture();
    api.store.create(podObject('a-1', 'node-a'));
    api.store.create(podObject('b-1', 'node-b'));
    const pods = record(podInformer(clients.transport, 'node-a'));
    await pods.synced();

    api.store.create(podObject('a-2', 'node-a'));
    api.store.create(podObject('b-2', 'node-b'));
    api.store.patch(podRef('a-1'), { metadata: { annotations: { touched: 'yes' } } });
    api.store.patch(podRef('b-1'), { metadata: { annotations: { touched: 'yes' } } });
    api.store.delete(podRef('a-2'));
    await until(() => pods.observations.length === 5, 'five observations');

    expect(pods.summary()).toEqual(['upsert:a-1', 'synced:pod', 'upsert:a-2', 'upsert:a-1', 'delete:a-2']);
    const modified = pods.observations[3];
    expect(modified?.type === 'upsert' && modified.object).toMatchObject({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'a-1', annotations: { touched: 'yes' } },
      spec: { nodeName: 'node-a', containers: [{ name: 'main' }, { name: 'sidecar' }] },
    });
    const listed = pods.observations[0];
    expect(listed?.type === 'upsert' && [listed.object.apiVersion, listed.object.kind]).toEqual(['v1', 'Pod']);
    expect(listed?.key).toBe(listed?.type === 'upsert' ? listed.object.metadata?.uid : undefined);
  });

  it('sends the field selector on both the list and the watch, with a server-side timeout and bookmarks', async () => {
    const { api, clients } = await kubeFixture();
    const pods = record(podInformer(clients.transport, 'node-a', { watchTimeoutSeconds: 321 }));
    await pods.synced();
    await until(() => api.openWatches === 1, 'the watch');
    const [list, watch] = api.requests.filter({ resource: 'pods' });
    expect(list).toMatchObject({ verb: 'list', query: { fieldSelector: 'spec.nodeName=node-a', resourceVersion: '0' }, userAgent: 'kruise-daemon' });
    expect(watch).toMatchObject({
      verb: 'watch',
      query: { watch: 'true', fieldSelector: 'spec.nodeName=node-a', allowWatchBookmarks: 'true', timeoutSeconds: '321' },
    });
    expect(watch?.query.resourceVersion).toMatch(/^\d+$/);
  });

  it('reports synced only after the first list is emitted, for /healthz, and not after it stops', async () => {
    const { api, clients } = await kubeFixture();
    api.store.create(podObject('a-1', 'node-a'));
    const informer = podInformer(clients.transport, 'node-a');
    const check = informer.healthCheck();
    expect(informer.hasSynced()).toBe(false);
    expect(check()).toBe('not synced');
    const pods = record(informer);
    await pods.synced();
    expect(informer.hasSynced()).toBe(true);
    expect(check()).toBeUndefined();
    expect(informer.list().map((p) => p.metadata?.name)).toEqual(['a-1']);
    pods.stop();
    expect(informer.hasSynced()).toBe(false);
  });

  it('replays the current view to a later subscriber before live changes, over the one watch', async () => {
    const { api, clients } = await kubeFixture();
    api.store.create(podObject('a-1', 'node-a'));
    const informer = podInformer(clients.transport, 'node-a');
    const first = record(informer);
    await first.synced();
    api.store.create(podObject('a-2', 'node-a'));
    await until(() => first.observations.length === 3, 'a-2 on the first subscriber');
    const second = record(informer);
    expect(second.summary()).toEqual(['upsert:a-1', 'upsert:a-2', 'synced:pod']);
    api.store.create(podObject('a-3', 'node-a'));
    await until(() => second.observations.length === 4, 'a-3 on the second subscriber');
    expect(first.summary().at(-1)).toBe('upsert:a-3');
    expect(api.requests.filter({ resource: 'pods', verb: 'watch' })).toHaveLength(1);
  });

  // "Nothing comes back" is witnessed by a control: a second informer, for another node, with the
  // same backoff, started after the first stopped. Once it has gone round its backoffs and synced,
  // the stopped one's timers (armed earlier, no longer) would have fired too: its requests are counted then.
  it('stops for good when the last subscriber unsubscribes: the watch closes and failures bring nothing back', async () => {
    const { api, clients } = await kubeFixture();
    const backoff = { initialMs: 20, jitter: 0 };
    const informer = podInformer(clients.transport, 'node-a', { backoff });
    const pods = record(informer);
    await pods.synced();
    await until(() => api.openWatches === 1, 'the watch');
    api.faults.failNext(5, { status: 500, match: { resource: 'pods' } });
    pods.stop();
    api.faults.dropWatches();
    await until(() => api.openWatches === 0, 'the watch to close');
    const before = requestsFor(api, 'node-a').length;
    const control = record(podInformer(clients.transport, 'node-b', { backoff }));
    await control.synced(); // after 5 failed lists and 20+40+80+160+320 ms of backoff
    expect(requestsFor(api, 'node-a')).toHaveLength(before);
    expect(requestsFor(api, 'node-b', 'list').map((r) => r.status)).toEqual([500, 500, 500, 500, 500, 200]);
    expect(informer.stats()).toMatchObject({ state: 'stopped', synced: false });
  });

  it('stops for good when unsubscribed while backing off after a failed list', async () => {
    const { api, clients } = await kubeFixture();
    const backoff = { initialMs: 150, jitter: 0 };
    api.faults.failNext(1, { status: 500, match: { resource: 'pods', verb: 'list' } });
    const informer = podInformer(clients.transport, 'node-a', { backoff });
    const pods = record(informer);
    await until(() => informer.stats().state === 'backingOff', 'the backoff');
    pods.stop();
    api.faults.failNext(1, { status: 500, match: { resource: 'pods', verb: 'list' } });
    const control = record(podInformer(clients.transport, 'node-b', { backoff }));
    await control.synced(); // its 150 ms backoff, armed after the stopped one's, is over
    expect(requestsFor(api, 'node-a')).toHaveLength(1);
    expect(requestsFor(api, 'node-b', 'list').map((r) => r.status)).toEqual([500, 200]);
    expect(informer.stats()).toMatchObject({ state: 'stopped', lists: 1, listErrors: 1 });
  });
});
