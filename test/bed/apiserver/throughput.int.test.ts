// How fast the fake pushes watch events to one client-node informer holding 10,000 pods.
// Server and client share one process (and one core), so the rates are end-to-end figures.
import { get } from 'node:http';
import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { fakeApiServer, podInformer, podObject, until } from './fixtures.js';
import type { FakeApiServer } from './index.js';

const PODS = 10_000;

function seed(api: FakeApiServer): void {
  for (let i = 0; i < PODS; i += 1) {
    const pod = podObject(`pod-${String(i).padStart(5, '0')}`, 'node-a', { labels: { app: 'bench', 'pod-template-hash': '7c9f8d6b5' } });
    api.store.create({
      ...pod,
      metadata: {
        ...pod.metadata,
        annotations: { 'kruise.io/sidecarset-hash': '{"sidecar":{"hash":"abc"}}' },
        ownerReferences: [
          { apiVersion: 'apps.kruise.io/v1alpha1', kind: 'CloneSet', name: 'bench', uid: '00000000-0000-0000-0000-000000000001', controller: true },
        ],
      },
    });
  }
}

/** Touches every pod once; `chunk` pods per macrotask (Infinity = one synchronous burst). */
async function touchAll(api: FakeApiServer, round: number, chunk: number): Promise<void> {
  for (let i = 0; i < PODS; i += 1) {
    api.store.patch(
      { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: `pod-${String(i).padStart(5, '0')}` },
      { metadata: { annotations: { round: String(round) } } },
    );
    if ((i + 1) % chunk === 0) await tick();
  }
}

describe('watch throughput', () => {
  // Rates are printed for people; the benchmark `watch-fanin` owns the figures. This test checks that
  // nothing is lost at volume.
  it('delivers every one of 10,000 MODIFIED events to an informer holding 10,000 pods, live and from history', async () => {
    const api = await fakeApiServer();
    seed(api);
    let started = performance.now();
    const pods = await podInformer(api.kubeConfig(), 'node-a');
    const listMs = performance.now() - started;
    expect(pods.informer.list()).toHaveLength(PODS);
    await until(() => api.openWatches === 1, 'the watch to open');

    const rates: Record<string, number> = {};
    for (const [round, chunk] of [
      [1, 200],
      [2, Infinity],
    ] as const) {
      const before = pods.names('update').length;
      started = performance.now();
      await touchAll(api, round, chunk);
      await until(() => pods.names('update').length - before === PODS, `round ${round}`, 60_000);
      rates[chunk === Infinity ? 'burst' : `chunks of ${chunk}`] = Math.round(PODS / ((performance.now() - started) / 1000));
    }

    // The server alone: stop the informer, and count lines with a raw HTTP reader.
    await pods.informer.stop();
    await until(() => api.openWatches === 0, 'the informer watch to close');
    const rawWatch = (resourceVersion: number) => {
      const counter = { lines: 0, destroy: () => {} };
      const path = `/api/v1/pods?watch=true&resourceVersion=${resourceVersion}&fieldSelector=spec.nodeName%3Dnode-a`;
      const req = get(`${api.url}${path}`, { headers: { Authorization: `Bearer ${api.token!}` } }, (res) => {
        res.on('data', (chunk: Buffer) => {
          for (const byte of chunk) if (byte === 10) counter.lines += 1;
        });
      });
      counter.destroy = () => req.destroy();
      return counter;
    };
    const beforeRound3 = api.store.resourceVersion;
    const live = rawWatch(beforeRound3);
    await until(() => api.openWatches === 1, 'the raw watch to open');
    started = performance.now();
    await touchAll(api, 3, Infinity);
    await until(() => live.lines === PODS, 'round 3', 60_000);
    rates['burst to a raw line-counting reader (no client-node)'] = Math.round(PODS / ((performance.now() - started) / 1000));
    live.destroy();

    // Pure push, no event generation: a resume that replays the 10,000 events of round 3 from history.
    started = performance.now();
    const replay = rawWatch(beforeRound3);
    await until(() => replay.lines === PODS, 'the replay', 60_000);
    rates['history replay to a raw reader'] = Math.round(PODS / ((performance.now() - started) / 1000));
    replay.destroy();

    console.log(`[fake-apiserver throughput] list of ${PODS} pods through client-node: ${Math.round(listMs)} ms; watch events/s:`, rates);
    expect(Object.keys(rates)).toHaveLength(4);
  }, 120_000);
});
