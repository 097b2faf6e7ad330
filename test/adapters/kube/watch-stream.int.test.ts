// Watch streams a faithful server never sends, from a scripted HTTP server: a line that is not
// JSON, an ERROR event that is not 410, and a connection that opens and then goes silent.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { KubeTransport, podInformer } from '../../../adapters/kube/index.js';
import { record, until } from './support.js';

type WatchScript = (res: ServerResponse, rv: string) => void;

const pod = (name: string, rv: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: rv },
});

/** Lists nothing at RV 10; the n-th watch request runs scripts[n] (the last one repeats). */
async function scriptedServer(scripts: WatchScript[]) {
  const watches: string[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.searchParams.get('watch') !== 'true') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      return res.end(JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '10' }, items: [] }));
    }
    watches.push(url.searchParams.get('resourceVersion') ?? '');
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.flushHeaders();
    scripts[Math.min(watches.length, scripts.length) - 1]!(res, url.searchParams.get('resourceVersion') ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const transport = new KubeTransport({ getCurrentCluster: () => ({ server: url }), applyToHTTPSOptions: async () => {} }, { userAgent: 'test' });
  return { transport, watches };
}

const line = (res: ServerResponse, type: string, object: object) => res.write(`${JSON.stringify({ type, object })}\n`);
const silent: WatchScript = () => {};

describe('watch stream edge cases', () => {
  it('does not drop an event after a line that is not JSON: the watch resumes from the last good resourceVersion', async () => {
    const { transport, watches } = await scriptedServer([
      (res) => {
        line(res, 'ADDED', pod('a', '11'));
        res.write('{"type":"ADDED","object":{truncated\n');
      },
      (res, rv) => {
        if (rv === '11') line(res, 'ADDED', pod('b', '12'));
      },
    ]);
    const informer = podInformer(transport, 'node-a', { backoff: { initialMs: 20 } });
    const pods = record(informer);
    await until(() => pods.observations.length === 3, 'b after the bad line');
    expect(pods.summary()).toEqual(['synced:pod', 'upsert:a', 'upsert:b']);
    expect(watches).toEqual(['10', '11']);
    expect(informer.stats().restartsByReason.error).toBe(1);
  });

  it('restarts with backoff after an ERROR event that is not 410, without a re-list', async () => {
    const { transport, watches } = await scriptedServer([
      (res) => line(res, 'ERROR', { kind: 'Status', code: 500, reason: 'InternalError', message: 'etcd hiccup' }),
      silent,
    ]);
    const informer = podInformer(transport, 'node-a', { backoff: { initialMs: 20 } });
    record(informer);
    await until(() => watches.length === 2, 'the second watch');
    expect(informer.stats()).toMatchObject({ lists: 1, restartsByReason: { error: 1, expired: 0 } });
  });

  it('aborts a watch that opened and then went silent once the watchdog expires, and resumes', async () => {
    const { transport, watches } = await scriptedServer([silent, (res) => line(res, 'ADDED', pod('late', '13'))]);
    const informer = podInformer(transport, 'node-a', { watchdogMs: 200, backoff: { initialMs: 20 } });
    const pods = record(informer);
    await until(() => pods.observations.length === 2, 'the pod on the second watch');
    expect(watches).toHaveLength(2);
    expect(informer.stats().restartsByReason.watchdog).toBe(1);
  });

  it('takes a BOOKMARK as the resourceVersion to resume from', async () => {
    const { transport, watches } = await scriptedServer([
      (res) => {
        line(res, 'BOOKMARK', { kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion: '42' } });
        res.end();
      },
      silent,
    ]);
    const informer = podInformer(transport, 'node-a', { backoff: { initialMs: 20 } });
    const pods = record(informer);
    await until(() => watches.length === 2, 'the second watch');
    expect(watches).toEqual(['10', '42']);
    expect(pods.summary()).toEqual(['synced:pod']);
  });
});
