// The lifecycle/probe GET against real local servers: what goes on the wire, redirects under both
// policies, the 10-request limit, credentials on a cross-host redirect, TLS verified or not (the
// kube tests' throwaway CA), the HTTPS-to-HTTP fallback of lifecycle hooks, Go's error texts, the
// probe timeout and the 10 KiB body cap.
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpGetError, httpGet, httpGetRequest, LIFECYCLE_CLIENT, lifecycleHttp, MAX_BODY_BYTES, PROBE_CLIENT } from '../../../adapters/http-get/index.js';

const fixture = (name: string) => readFile(new URL(`../kube/fixtures/${name}`, import.meta.url), 'utf8');
const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

interface Seen {
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
}

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void, tls?: { key: string; cert: string }) {
  const seen: Seen[] = [];
  const wrapped = (req: IncomingMessage, res: ServerResponse) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    handler(req, res);
  };
  const server = tls ? createHttpsServer(tls, wrapped) : createServer(wrapped);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, seen };
}

const signal = () => new AbortController().signal;
const target = { host: '127.0.0.1', ports: [] };

describe('httpGet', () => {
  it('sends kubelet’s headers, a custom Host, Go’s Accept-Encoding for lifecycle only, and resolves on any status', async () => {
    const { port, seen } = await serve((_req, res) => res.writeHead(500).end('busy'));
    const request = httpGetRequest(
      {
        port,
        path: '/drain?now=1',
        httpHeaders: [
          { name: 'x-drain', value: 'yes' },
          { name: 'Host', value: 'app.example' },
        ],
      },
      target,
      'lifecycle',
    );
    const answer = await httpGet(request, LIFECYCLE_CLIENT, { signal: signal() });
    expect(answer).toEqual({ statusCode: 500, body: 'busy', url: `http://127.0.0.1:${port}/drain?now=1` });
    expect(seen[0]!.url).toBe('/drain?now=1');
    expect(seen[0]!.headers).toMatchObject({
      host: 'app.example',
      'x-drain': 'yes',
      'user-agent': 'kube-lifecycle/1.32',
      accept: '*/*',
      'accept-encoding': 'gzip',
    });

    await httpGet(httpGetRequest({ port }, target, 'probe'), PROBE_CLIENT, { signal: signal() });
    expect(seen[1]!.headers['accept-encoding']).toBeUndefined();
    expect(seen[1]!.headers.host).toBe(`127.0.0.1:${port}`);
  });

  it('follows a redirect to another host under Go’s default policy (without credentials), and answers with the redirect under the prober’s', async () => {
    const { port, seen } = await serve((req, res) => {
      if (req.url === '/start') res.writeHead(302, { location: `http://localhost:${req.socket.localPort}/landed` }).end();
      else res.writeHead(200).end('ok');
    });
    const request = httpGetRequest(
      {
        port,
        path: '/start',
        httpHeaders: [
          { name: 'Authorization', value: 'Bearer t' },
          { name: 'X-Keep', value: 'me' },
        ],
      },
      target,
      'lifecycle',
    );
    const followed = await httpGet(request, LIFECYCLE_CLIENT, { signal: signal() });
    expect(followed).toMatchObject({ statusCode: 200, url: `http://localhost:${port}/landed` });
    expect(seen.map((s) => s.url)).toEqual(['/start', '/landed']);
    expect(seen[0]!.headers.authorization).toBe('Bearer t');
    expect(seen[1]!.headers.authorization).toBeUndefined();
    expect(seen[1]!.headers['x-keep']).toBe('me');

    const probed = await httpGet(httpGetRequest({ port, path: '/start' }, target, 'probe'), PROBE_CLIENT, { signal: signal() });
    expect(probed.statusCode).toBe(302);
    expect(seen).toHaveLength(3);
  });

  it('stops after 10 requests of redirects with Go’s error, naming the refused location', async () => {
    const { port, seen } = await serve((req, res) => {
      const n = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('n') ?? '0');
      res.writeHead(307, { location: `/loop?n=${n + 1}` }).end();
    });
    const failed = httpGet(httpGetRequest({ port, path: '/loop' }, target, 'lifecycle'), LIFECYCLE_CLIENT, { signal: signal() });
    await expect(failed).rejects.toThrow(new HttpGetError('/loop?n=10', 'stopped after 10 redirects'));
    await expect(failed).rejects.toThrow('Get "/loop?n=10": stopped after 10 redirects');
    expect(seen).toHaveLength(10);
  });

  it('words a refused connection as Go does', async () => {
    const { port } = await serve(() => undefined);
    // The port is free once the server says it closed (its 'close' event), not after a guessed pause.
    await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
    const failed = httpGet(httpGetRequest({ port, path: '/quit' }, target, 'lifecycle'), LIFECYCLE_CLIENT, { signal: signal() });
    await expect(failed).rejects.toThrow(`Get "http://127.0.0.1:${port}/quit": dial tcp 127.0.0.1:${port}: connect: connection refused`);
  });

  it('verifies TLS for lifecycle hooks (Go’s default client) and not for probes', async () => {
    const tls = { key: await fixture('server.key'), cert: await fixture('server.crt') };
    const { port } = await serve((_req, res) => res.writeHead(204).end(), tls);
    const request = (purpose: 'lifecycle' | 'probe') => httpGetRequest({ port, scheme: 'HTTPS', path: '/x' }, target, purpose);
    await expect(httpGet(request('lifecycle'), LIFECYCLE_CLIENT, { signal: signal() })).rejects.toThrow(
      `Get "https://127.0.0.1:${port}/x": tls: failed to verify certificate: x509: certificate signed by unknown authority`,
    );
    expect((await httpGet(request('probe'), PROBE_CLIENT, { signal: signal() })).statusCode).toBe(204);
  });

  it('bounds a probe by its timeout with Go’s Client.Timeout text, and reads at most 10 KiB of a body', async () => {
    const { port } = await serve((req, res) => {
      if (req.url === '/big') res.writeHead(200).end('x'.repeat(3 * MAX_BODY_BYTES));
      // '/hang' never answers
    });
    const hang = httpGet(httpGetRequest({ port, path: '/hang' }, target, 'probe'), PROBE_CLIENT, { signal: signal(), timeoutMs: 100 });
    await expect(hang).rejects.toThrow(`Get "http://127.0.0.1:${port}/hang": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`);
    const big = await httpGet(httpGetRequest({ port, path: '/big' }, target, 'probe'), PROBE_CLIENT, { signal: signal() });
    expect(big.body).toHaveLength(MAX_BODY_BYTES);
  });

  it('rejects with the caller’s reason when the caller aborts', async () => {
    const { port } = await serve(() => undefined);
    const controller = new AbortController();
    const pending = httpGet(httpGetRequest({ port }, target, 'lifecycle'), LIFECYCLE_CLIENT, { signal: controller.signal });
    controller.abort(new Error('grace over'));
    await expect(pending).rejects.toThrow('grace over');
  });
});

describe('lifecycleHttp', () => {
  it('sends an HTTPS hook answered in plain HTTP again over HTTP, without Authorization, and says so', async () => {
    const { port, seen } = await serve((_req, res) => res.writeHead(200).end());
    const action = { port, scheme: 'HTTPS' as const, path: '/quit', httpHeaders: [{ name: 'Authorization', value: 'Bearer t' }] };
    const result = await lifecycleHttp().run(action, target, signal());
    expect(result).toEqual({ fellBackToHttp: `127.0.0.1:${port}` });
    const plain = seen.filter((s) => s.url === '/quit');
    expect(plain).toHaveLength(1);
    expect(plain[0]!.headers.authorization).toBeUndefined();
  });

  it('counts any answer as done and fails with the request’s error when none comes', async () => {
    const { port } = await serve((_req, res) => res.writeHead(503).end());
    await expect(lifecycleHttp().run({ port, path: '/quit' }, target, signal())).resolves.toEqual({});
    await expect(lifecycleHttp().run({ port: 'admin' }, target, signal())).rejects.toThrow('strconv.Atoi: parsing "admin": invalid syntax');
  });
});
