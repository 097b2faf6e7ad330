// The daemon's actor observation (what `kruised run --inspect --actors-addr` loads) on a real host and
// event log: what leaves through the Stately sink and the loopback endpoint is redacted as the log
// is, a pull secret's password included however it reached an actor (the Secret as the API returns
// it, its parsed docker config, a registry error quoting it); late clients get the recent steps and
// the present; the endpoint refuses foreign Host headers, writes, and non-loopback addresses.
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REDACTED } from '../../engine/log/redact.js';
import { serveLoopback } from '../../inspect/actors-http.js';
import { ActorObserver } from '../../inspect/daemon-observer.js';
import { inspectRegistry, type RecordedHost, recordingHost, settle } from './fixtures.js';
import { type ReceivingInspector, receivingInspector } from './inspector-server.js';
import { type SseClient, sseClient } from './sse-client.js';

const PASSWORD = 'pa55-Hunter2-kruised';
const USER = 'puller';
const REGISTRY = 'registry.local:5000';
const dockerConfig = { auths: { [REGISTRY]: { username: USER, password: PASSWORD, auth: Buffer.from(`${USER}:${PASSWORD}`).toString('base64') } } };
const dockerConfigJson = JSON.stringify(dockerConfig);
/** Every form the password takes on its way: plain, in the basic-auth pair, in the Secret's data. */
const FORBIDDEN = [PASSWORD, Buffer.from(`${USER}:${PASSWORD}`).toString('base64'), Buffer.from(dockerConfigJson).toString('base64')];

const logger = { info() {}, warn() {} };
let cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

async function observed(inspectUrl: string): Promise<{ observer: ActorObserver; env: RecordedHost; base: string }> {
  const observer = await ActorObserver.start({ inspect: inspectUrl, actorsAddr: '127.0.0.1:0', node: 'node-a', registry: inspectRegistry, logger });
  const env = await recordingHost(observer.wrap({}));
  cleanups.push(async () => {
    await observer.close();
    await env.close();
    await Promise.all(observer.servers.map((s) => new Promise((r) => s.close(r))));
  });
  const { port } = observer.servers[0]!.address() as AddressInfo;
  return { observer, env, base: `http://127.0.0.1:${port}` };
}

function get(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const items = (stream: SseClient, key: string) =>
  stream.events.filter((e) => e.event === 'item' && (e.data as { key: string }).key === key).map((e) => e.data as Record<string, unknown>);

describe('actor observation in the daemon', () => {
  it("never lets a pull secret's password out: Stately's inspector and the actor stream get what the log gets", async () => {
    const inspector: ReceivingInspector = await receivingInspector();
    cleanups.push(() => inspector.close());
    const { observer, env, base } = await observed(inspector.url);
    // What an effect that read the pull secret does: the log scrubs this value from every string from now on.
    env.secrets.add(PASSWORD);
    await observer.attach(env.host, env.log);
    for (let i = 0; i < 200 && !observer.inspectorConnected; i += 1) await settle();
    expect(observer.inspectorConnected).toBe(true);
    const stream = await sseClient(`${base}/actors/stream`);
    cleanups.push(() => stream.close());

    const secretObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': Buffer.from(dockerConfigJson).toString('base64') },
    };
    env.host.deliver('pull/private', 'careless', { type: 'careless.note', payload: secretObject });
    env.host.send('pull/private', { type: 'careless.note', payload: dockerConfig });
    env.host.send('pull/private', { type: 'careless.note', payload: `failed to pull ${REGISTRY}/app:1: 401 for ${USER}:${PASSWORD}` });
    env.host.deliver('web', 'rollout', { type: 'rollout.start' }, () => ({ image: `${REGISTRY}/web:2` }));
    await settle();

    // Positive witnesses first: the steps did arrive, on both ways out.
    await stream.waitFor(() => items(stream, 'pull/private').length === 4 && items(stream, 'web').length >= 3);
    const steps = items(stream, 'pull/private');
    expect(steps.map((i) => i.type)).toEqual(['spawn', 'step', 'step', 'step']);
    const context = (steps[3]!.snapshot as { context: { seen: unknown[] } }).context;
    expect(context.seen[0]).toMatchObject({ kind: 'Secret', data: { '.dockerconfigjson': REDACTED } });
    expect(context.seen[1]).toEqual({ auths: { [REGISTRY]: { username: USER, password: REDACTED, auth: REDACTED } } });
    expect(context.seen[2]).toBe(`failed to pull ${REGISTRY}/app:1: 401 for ${USER}:${REDACTED}`);
    const sessions = () => inspector.messages.filter((m) => m.sessionId === 'pull/private');
    for (let i = 0; i < 200 && sessions().length < 3 + 3 * 2; i += 1) await settle();
    expect(sessions().map((m) => m.type)).toEqual([
      '@xstate.actor',
      '@xstate.event',
      '@xstate.snapshot',
      '@xstate.event',
      '@xstate.snapshot',
      '@xstate.event',
      '@xstate.snapshot',
      '@xstate.event',
      '@xstate.snapshot',
    ]);
    expect(sessions().at(-1)?.snapshot?.context).toEqual(context);

    const listed = await get(`${base}/actors`);
    expect(JSON.parse(listed.body).actors).toContainEqual(expect.objectContaining({ key: 'pull/private', machine: 'careless', state: 'listening' }));
    await env.log.commit();
    const segments = (await readdir(env.dir)).filter((n) => n.startsWith('events-'));
    const onDisk = (await Promise.all(segments.map((n) => readFile(join(env.dir, n), 'utf8')))).join('');
    expect(onDisk).toContain(REDACTED);
    for (const text of [stream.raw(), inspector.raw.join('\n'), listed.body, onDisk]) {
      for (const secret of FORBIDDEN) expect(text).not.toContain(secret);
    }
  });

  it('gives a client that connects later the recent steps, then every live actor as it is now, then what happens; a stop names its machine', async () => {
    const { observer, env, base } = await observed('');
    await observer.attach(env.host, env.log);
    env.host.deliver('web', 'rollout', { type: 'rollout.start' }, () => ({ image: 'registry.local/web:2' }));
    await settle();
    const stream = await sseClient(`${base}/actors/stream`);
    cleanups.push(() => stream.close());
    await stream.waitFor((events) => events.some((e) => (e.data as { type?: string }).type === 'running'));
    expect(stream.events[0]).toEqual({
      event: 'hello',
      data: {
        node: 'node-a',
        machines: [
          { id: 'rollout', version: '1' },
          { id: 'careless', version: '1' },
        ],
      },
    });
    expect(items(stream, 'web').map((i) => `${i.type} ${JSON.stringify((i.snapshot as { value: unknown }).value)}`)).toEqual([
      'spawn "idle"',
      'step "fetching"',
      'step {"serving":{"health":"probing","traffic":"canary"}}',
      'running {"serving":{"health":"probing","traffic":"canary"}}',
    ]);
    env.host.send('web', { type: 'probe.ok' });
    env.host.release('web');
    await stream.waitFor(() => items(stream, 'web').some((i) => i.type === 'stop'));
    expect(items(stream, 'web').slice(4)).toEqual([
      expect.objectContaining({
        type: 'step',
        event: { type: 'probe.ok' },
        snapshot: expect.objectContaining({ value: { serving: { health: 'verified', traffic: 'canary' } } }),
      }),
      expect.objectContaining({ type: 'stop', machine: 'rollout', version: '1', reason: 'released' }),
    ]);
  });

  it('answers loopback Host names only, GET only, and at most four streams at once', async () => {
    const { observer, env, base } = await observed('');
    await observer.attach(env.host, env.log);
    // A page elsewhere that reached the forwarded port through DNS rebinding names its own host.
    expect((await get(`${base}/actors`, { host: 'attacker.example:10223' })).status).toBe(403);
    expect((await get(`${base}/actors/stream`, { host: 'attacker.example' })).status).toBe(403);
    expect((await get(`${base}/actors`, { host: 'localhost:10223' })).status).toBe(200);
    expect((await get(`${base}/actors`, { host: '[::1]:10223' })).status).toBe(200);
    expect((await get(`${base}/actors`, {}, 'POST')).status).toBe(405);
    expect((await get(`${base}/elsewhere`)).status).toBe(404);
    const machines = JSON.parse((await get(`${base}/actors/machines`)).body) as { machines: Array<{ id: string; definition: { id: string } }> };
    expect(machines.machines.map((m) => m.definition.id)).toEqual(['rollout', 'careless']);
    const streams = await Promise.all([1, 2, 3, 4].map(() => sseClient(`${base}/actors/stream`)));
    cleanups.push(() => {
      for (const stream of streams) stream.close();
    });
    expect((await get(`${base}/actors/stream`)).status).toBe(429);
  });

  it('refuses to listen beyond loopback', async () => {
    await expect(serveLoopback('0.0.0.0:0')).rejects.toThrow(/not a loopback address/);
    await expect(serveLoopback(':0')).rejects.toThrow(/not a loopback address/);
    await expect(serveLoopback('10.0.0.1:0')).rejects.toThrow(/not a loopback address/);
  });
});
