// Plain JSON over the Kubernetes REST API for the test doubles that act as cluster components
// (the DaemonSet controller): objects stay exactly as the server sent them (no client-node model
// conversion), and credentials and CA come from a client-node KubeConfig.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

export class RestError extends Error {
  constructor(
    readonly code: number,
    readonly body: unknown,
    message: string,
  ) {
    super(message);
    this.name = 'RestError';
  }
}

export type Json = Record<string, unknown>;

export interface RestClient {
  /** GET/POST/PUT/PATCH/DELETE `path` (with query); rejects with RestError on a status of 400 or more. */
  call(method: string, path: string, body?: unknown, contentType?: string): Promise<Json>;
}

export function restClient(kc: KubeConfig): RestClient {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('the kubeconfig names no server');
  const base = new URL(server);
  return {
    async call(method, path, body, contentType = 'application/json') {
      const opts: RequestOptions = { method, headers: { Accept: 'application/json' } };
      await kc.applyToHTTPSOptions(opts);
      const payload = body === undefined ? undefined : JSON.stringify(body);
      if (payload !== undefined) opts.headers = { ...opts.headers, 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(payload) };
      const url = new URL(path, base);
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      return new Promise<Json>((resolve, reject) => {
        const req = send(url, opts, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              // not JSON: keep the text
            }
            const code = res.statusCode ?? 0;
            if (code >= 400) reject(new RestError(code, parsed, `${method} ${path}: ${code} ${(parsed as { message?: string }).message ?? text}`));
            else resolve(parsed as Json);
          });
          res.on('error', reject);
        });
        req.on('error', reject);
        if (payload !== undefined) req.write(payload);
        req.end();
      });
    },
  };
}
