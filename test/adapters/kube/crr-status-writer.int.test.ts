// The CRR writer (contract §4.5) against the fake API server enforcing the daemon's RBAC,
// on both served CRR versions: the exact requests (method, path, content type, body) for the
// phase PUT, the states merge-patch and the completion PUT, the resourceVersions handed back,
// a CRR that is gone (null, not an error), writes that would change nothing or touch a completed
// CRR (not sent), a conflict resolved by reading again, and bounded retries before giving up.
import { describe, expect, it } from 'vitest';
import {
  CONTROLLER_NAMES,
  CrrStatusWriter,
  type CrrStatusWrite,
  type CrrStatusWriterOptions,
  type KruiseVersion,
  type KubeObject,
  type KubeRequest,
  type KubeTransport,
} from '../../../adapters/kube/index.js';
import { crrObject } from '../../bed/apiserver/fixtures.js';
import { kubeFixture, until } from './support.js';

const signal = () => new AbortController().signal;

/** The transport as is, keeping what each request sent. */
function recording(transport: KubeTransport) {
  const sent: Array<{ method: string; path: string; contentType?: string; body?: unknown }> = [];
  const wrapped: Pick<KubeTransport, 'request'> = {
    request: <T>(req: KubeRequest) => {
      sent.push({
        method: req.method,
        path: req.path,
        ...(req.contentType ? { contentType: req.contentType } : {}),
        ...(req.body !== undefined ? { body: structuredClone(req.body) } : {}),
      });
      return transport.request<T>(req);
    },
  };
  return { sent, transport: wrapped };
}

async function fixture(version: KruiseVersion, options: Partial<CrrStatusWriterOptions> = {}) {
  const { api, clients } = await kubeFixture();
  const rec = recording(clients.forController(CONTROLLER_NAMES.crr));
  const writer = new CrrStatusWriter({ transport: rec.transport, crrVersion: version, backoff: { initialMs: 10, jitter: 0 }, ...options });
  const ref = (name: string) => ({ apiVersion: `apps.kruise.io/${version}`, kind: 'ContainerRecreateRequest', namespace: 'default', name });
  const create = (name: string, status?: Record<string, unknown>) =>
    api.store.create({ ...crrObject(name, 'node-a', version), ...(status ? { status } : {}) }) as KubeObject;
  return { api, rec, writer, ref, create, live: (name: string) => api.store.get(ref(name)) as KubeObject | undefined };
}

const COMPLETION = '2026-07-02T10:11:12Z';

describe.each(['v1alpha1', 'v1beta1'] as const)('CRR status writes on %s', (version) => {
  it('sends the phase PUT (GET-modify-PUT), the states merge-patch in upstream JSON, and the completion PUT, and hands back each resourceVersion', async () => {
    const f = await fixture(version);
    f.create('restart-main');
    const base = `/apis/apps.kruise.io/${version}/namespaces/default/containerrecreaterequests/restart-main`;
    const states = [
      { name: 'main', phase: 'Recreating', isKilled: true, message: '' },
      { name: 'side', phase: 'Failed', message: 'kill container error: boom', isKilled: false },
      { name: 'log', phase: 'Pending' },
    ] as const;
    const writes: CrrStatusWrite[] = [
      { name: 'restart-main', kind: 'phase', phase: 'Recreating' },
      { name: 'restart-main', kind: 'states', states },
      { name: 'restart-main', kind: 'complete', message: 'all done', completionTime: COMPLETION },
    ];
    const rvs: string[] = [];
    f.api.store.subscribe((e) => {
      if (e.object.metadata.name === 'restart-main') rvs.push(e.object.metadata.resourceVersion!);
    });
    const results = await f.writer.writeAll('default', writes, signal());

    const sent = f.rec.sent;
    expect(sent.map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET ${base}`,
      `PUT ${base}/status`,
      `PATCH ${base}/status`,
      `GET ${base}`,
      `PUT ${base}/status`,
    ]);
    const putPhase = sent[1]!.body as KubeObject;
    expect(putPhase.apiVersion).toBe(`apps.kruise.io/${version}`);
    expect(putPhase.spec).toEqual(crrObject('restart-main', 'node-a', version).spec);
    expect(putPhase.status).toEqual({ phase: 'Recreating' });
    expect(putPhase.metadata?.resourceVersion).toBeDefined(); // optimistic concurrency on the fresh copy
    expect(sent[2]).toEqual({
      method: 'PATCH',
      path: `${base}/status`,
      contentType: 'application/merge-patch+json',
      body: {
        status: {
          containerRecreateStates: [
            { name: 'main', phase: 'Recreating', isKilled: true },
            { name: 'side', phase: 'Failed', message: 'kill container error: boom' },
            { name: 'log', phase: 'Pending' },
          ],
        },
      },
    });
    expect(JSON.stringify(sent[2]!.body)).toBe(
      '{"status":{"containerRecreateStates":[{"name":"main","phase":"Recreating","isKilled":true},{"name":"side","phase":"Failed","message":"kill container error: boom"},{"name":"log","phase":"Pending"}]}}',
    );
    expect((sent[4]!.body as KubeObject).status).toEqual({
      phase: 'Completed',
      completionTime: COMPLETION,
      message: 'all done',
      containerRecreateStates: [
        { name: 'main', phase: 'Recreating', isKilled: true },
        { name: 'side', phase: 'Failed', message: 'kill container error: boom' },
        { name: 'log', phase: 'Pending' },
      ],
    });

    const live = f.live('restart-main')!;
    expect(live.status).toMatchObject({ phase: 'Completed', completionTime: COMPLETION, message: 'all done' });
    expect(results).toEqual(rvs.map((resourceVersion) => ({ name: 'restart-main', resourceVersion })));
    expect(results.at(-1)!.resourceVersion).toBe(live.metadata?.resourceVersion);
    const onServer = f.api.requests.filter({ resource: 'containerrecreaterequests', subresource: 'status' });
    expect(onServer.map((r) => [r.method, r.version, r.status, r.userAgent])).toEqual([
      ['PUT', version, 200, 'kruise-daemon/kruise-daemon-crr'],
      ['PATCH', version, 200, 'kruise-daemon/kruise-daemon-crr'],
      ['PUT', version, 200, 'kruise-daemon/kruise-daemon-crr'],
    ]);
  });

  it('answers null for a CRR that is gone, for each write shape, and goes on with the next CRR', async () => {
    const f = await fixture(version);
    f.create('still-here');
    const writes: CrrStatusWrite[] = [
      { name: 'gone', kind: 'phase', phase: 'Pending' },
      { name: 'gone', kind: 'states', states: [{ name: 'main', phase: 'Pending' }] },
      { name: 'gone', kind: 'complete', message: '', completionTime: COMPLETION },
      { name: 'still-here', kind: 'phase', phase: 'Pending' },
    ];
    const results = await f.writer.writeAll('default', writes, signal());
    expect(results).toEqual([
      { name: 'gone', resourceVersion: null },
      { name: 'gone', resourceVersion: null },
      { name: 'gone', resourceVersion: null },
      { name: 'still-here', resourceVersion: f.live('still-here')!.metadata?.resourceVersion },
    ]);
    expect(f.live('still-here')!.status).toEqual({ phase: 'Pending' });
  });

  it('does not send a phase that is already so, nor anything that would reopen a completed CRR, and completes with an empty message by leaving message out', async () => {
    const f = await fixture(version);
    f.create('same', { phase: 'Recreating', message: 'earlier' });
    f.create('done', { phase: 'Completed', completionTime: '2026-07-01T00:00:00Z', message: 'pod has gone' });
    const writes: CrrStatusWrite[] = [
      { name: 'same', kind: 'phase', phase: 'Recreating' },
      { name: 'done', kind: 'phase', phase: 'Recreating' },
      { name: 'done', kind: 'complete', message: 'mine', completionTime: COMPLETION },
      { name: 'same', kind: 'complete', message: '', completionTime: COMPLETION },
    ];
    const results = await f.writer.writeAll('default', writes, signal());
    expect(results.map((r) => r.resourceVersion)).toEqual([null, null, null, f.live('same')!.metadata?.resourceVersion]);
    expect(f.rec.sent.filter((r) => r.method === 'PUT')).toHaveLength(1);
    expect(f.live('done')!.status).toEqual({ phase: 'Completed', completionTime: '2026-07-01T00:00:00Z', message: 'pod has gone' });
    expect(f.live('same')!.status).toEqual({ phase: 'Completed', completionTime: COMPLETION });

    // Repeating the whole list (a crash after the writes) sends no further PUT.
    await f.writer.writeAll('default', writes, signal());
    expect(f.rec.sent.filter((r) => r.method === 'PUT')).toHaveLength(1);
  });

  it('reads again on a conflict and keeps the other writer change', async () => {
    const f = await fixture(version);
    f.create('contended');
    const slowPut = f.api.faults.addLatency(300, { method: 'PUT', resource: 'containerrecreaterequests' });
    const writing = f.writer.writeAll('default', [{ name: 'contended', kind: 'phase', phase: 'Recreating' }], signal());
    await until(() => f.rec.sent.some((r) => r.method === 'PUT'), 'the first PUT to be on its way');
    f.api.store.patch(f.ref('contended'), { metadata: { annotations: { 'crr.apps.kruise.io/sync-container-statuses': '[]' } } });
    const [result] = await writing;
    slowPut();
    expect(f.api.requests.filter({ method: 'PUT', resource: 'containerrecreaterequests' }).map((r) => r.status)).toEqual([409, 200]);
    const live = f.live('contended')!;
    expect(result).toEqual({ name: 'contended', resourceVersion: live.metadata?.resourceVersion });
    expect(live.status).toEqual({ phase: 'Recreating' });
    expect(live.metadata?.annotations).toMatchObject({ 'crr.apps.kruise.io/sync-container-statuses': '[]' });
  });

  it('PUTs a phase on the informer copy when there is one (one round trip, as v1.9.0); a stale copy gets a 409 and master GET-modify-PUT', async () => {
    const copies = new Map<string, KubeObject>();
    const f = await fixture(version, { cached: (namespace, name) => copies.get(`${namespace}/${name}`) });
    const base = (name: string) => `/apis/apps.kruise.io/${version}/namespaces/default/containerrecreaterequests/${name}`;

    copies.set('default/fresh', structuredClone(f.create('fresh')));
    const [fresh] = await f.writer.writeAll('default', [{ name: 'fresh', kind: 'phase', phase: 'Recreating' }], signal());
    expect(f.rec.sent.map((r) => `${r.method} ${r.path}`)).toEqual([`PUT ${base('fresh')}/status`]);
    expect(f.live('fresh')!.status).toEqual({ phase: 'Recreating' });
    expect(fresh!.resourceVersion).toBe(f.live('fresh')!.metadata?.resourceVersion);

    copies.set('default/stale', structuredClone(f.create('stale')));
    f.api.store.patch(f.ref('stale'), { metadata: { labels: { moved: 'on' } } }); // the copy is now behind
    f.rec.sent.length = 0;
    await f.writer.writeAll('default', [{ name: 'stale', kind: 'phase', phase: 'Pending' }], signal());
    expect(f.rec.sent.map((r) => `${r.method} ${r.path}`)).toEqual([`PUT ${base('stale')}/status`, `GET ${base('stale')}`, `PUT ${base('stale')}/status`]);
    expect(f.live('stale')!.status).toEqual({ phase: 'Pending' });
    expect(f.live('stale')!.metadata?.labels).toMatchObject({ moved: 'on' });

    // By the copy there is nothing to write (already Recreating): the server is asked, and it differs.
    const behind = f.create('behind');
    copies.set('default/behind', { ...structuredClone(behind), status: { phase: 'Recreating' } });
    f.rec.sent.length = 0;
    await f.writer.writeAll('default', [{ name: 'behind', kind: 'phase', phase: 'Recreating' }], signal());
    expect(f.rec.sent.map((r) => `${r.method} ${r.path}`)).toEqual([`GET ${base('behind')}`, `PUT ${base('behind')}/status`]);
    expect(f.live('behind')!.status).toEqual({ phase: 'Recreating' });

    // A completion never starts from the copy: it must keep the newest states.
    f.rec.sent.length = 0;
    await f.writer.writeAll('default', [{ name: 'fresh', kind: 'complete', message: '', completionTime: COMPLETION }], signal());
    expect(f.rec.sent.map((r) => r.method)).toEqual(['GET', 'PUT']);
  });
});

describe('CRR status writes under server trouble', () => {
  it('retries 5xx and 429, then gives up after its bounded retries with a message naming the write', async () => {
    const f = await fixture('v1beta1', { maxRetries: 2 });
    f.create('flaky');
    f.api.faults.failNext(1, { status: 500, match: { method: 'PATCH' } });
    f.api.faults.failNext(1, { status: 429, retryAfterSeconds: 1, match: { method: 'PATCH' } });
    const states: CrrStatusWrite[] = [{ name: 'flaky', kind: 'states', states: [{ name: 'main', phase: 'Pending' }] }];
    const [ok] = await f.writer.writeAll('default', states, signal());
    expect(ok!.resourceVersion).toBe(f.live('flaky')!.metadata?.resourceVersion);
    const patches = f.api.requests.filter({ method: 'PATCH', resource: 'containerrecreaterequests' });
    expect(patches.map((r) => r.status)).toEqual([500, 429, 200]);
    expect(patches[2]!.time - patches[1]!.time).toBeGreaterThanOrEqual(990); // Retry-After is a floor

    f.api.faults.failNext(10, { status: 503, match: { method: 'PATCH' } });
    await expect(f.writer.writeAll('default', states, signal())).rejects.toThrow(
      /^states write of ContainerRecreateRequest default\/flaky gave up: PATCH .* 503 /,
    );
    expect(f.api.requests.filter({ method: 'PATCH', resource: 'containerrecreaterequests' }).length).toBe(3 + 3);
  });
});
