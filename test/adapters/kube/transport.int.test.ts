// The transport's deadlines and aborts on node:http: a request with no answer, or whose body
// stalls, ends at its deadline as a kube.unavailable error that says it timed out; a caller's
// abort ends it with the caller's reason, also while a watch body streams.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { KubeApiError, KubeTransport } from '../../../adapters/kube/index.js';

async function scriptedServer(handle: (req: IncomingMessage, res: ServerResponse) => void) {
  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return new KubeTransport({ getCurrentCluster: () => ({ server: url }), applyToHTTPSOptions: async () => {} }, { userAgent: 'test', timeoutMs: 200 });
}

describe('kube transport', () => {
  it('ends a request the server never answers at its deadline, as kube.unavailable saying it timed out', async () => {
    const transport = await scriptedServer(() => {});
    const error = await transport.request({ method: 'GET', path: '/version' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeApiError);
    expect(error).toMatchObject({ type: 'kube.unavailable', code: 0, message: expect.stringMatching(/timed out/) });
  });

  it('times out a body that stalls after the headers', async () => {
    const transport = await scriptedServer((_, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"major":');
    });
    const error = await transport.request({ method: 'GET', path: '/version' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ type: 'kube.unavailable', message: expect.stringMatching(/timed out/) });
  });

  it("ends a streaming body with the caller's abort reason, and sends no deadline for a watch", async () => {
    const transport = await scriptedServer((_, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"type":"ADDED","object":{}}\n');
    });
    const controller = new AbortController();
    const res = await transport.send({ method: 'GET', path: '/api/v1/pods', query: { watch: 'true' }, signal: controller.signal, timeoutMs: 0 });
    const chunks: string[] = [];
    const reading = (async () => {
      for await (const chunk of res.body.stream()) chunks.push(Buffer.from(chunk).toString());
    })();
    // The witness that the 200 ms default would have run out: a plain request sent after the watch
    // opened, to the same stalling server, has timed out with it.
    const control = await transport.request({ method: 'GET', path: '/version' }).catch((e: unknown) => e);
    expect(control).toMatchObject({ type: 'kube.unavailable', message: expect.stringMatching(/timed out/) });
    const reason = new Error('informer stopped');
    controller.abort(reason);
    await expect(reading).rejects.toBe(reason);
    expect(chunks.join('')).toBe('{"type":"ADDED","object":{}}\n');
  });

  it('sends a JSON body with its content type and length, and the user agent', async () => {
    const seen: Array<{ method?: string; type?: string; length?: string; agent?: string; body: string }> = [];
    const transport = await scriptedServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method, type: req.headers['content-type'], length: req.headers['content-length'], agent: req.headers['user-agent'], body });
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end('{"ok":true}');
      });
    });
    const reply = await transport.request({
      method: 'PATCH',
      path: '/x',
      body: { metadata: { labels: { é: '1' } } },
      contentType: 'application/merge-patch+json',
    });
    expect(reply).toEqual({ ok: true });
    const body = JSON.stringify({ metadata: { labels: { é: '1' } } });
    expect(seen).toEqual([{ method: 'PATCH', type: 'application/merge-patch+json', length: String(Buffer.byteLength(body)), agent: 'test', body }]);
  });
});
