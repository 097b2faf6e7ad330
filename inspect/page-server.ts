// `kruised inspect`'s web server: the page, its assets and its data, on 127.0.0.1 only.
//
//   GET /                 the page (page-html.ts)
//   GET /assets/*.js|css  the page's code (inspect/page, compiled), elkjs's bundle, the stylesheet
//   GET /api/view         everything shown (PageModel.view)
//   GET /api/events       server-sent events: each PageUpdate as it happens (a followed daemon)
//
// Nothing is loaded from elsewhere. As on the daemon's actor endpoint, a request whose Host header
// is not a loopback name is refused (DNS rebinding), only GET is served, and the page's
// Content-Security-Policy lets it talk to this server alone.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { loopbackHostHeader } from './actors-http.js';
import { PAGE_CSS, PAGE_HTML } from './page-html.js';
import type { PageModel } from './page-model.js';
import type { PageUpdate } from './page/wire.js';

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Where the compiled page and elkjs's browser bundle are. */
export function assetFiles(): Map<string, string> {
  // Built, the page sits beside this module (dist/inspect/page/); run from source (the tests), in dist/.
  const built = existsSync(fileURLToPath(new URL('./page/main.js', import.meta.url))) ? './page/' : '../dist/inspect/page/';
  const page = (name: string) => fileURLToPath(new URL(`${built}${name}`, import.meta.url));
  const elk = createRequire(import.meta.url).resolve('elkjs/lib/elk.bundled.js');
  return new Map([
    ['main.js', page('main.js')],
    ['chart.js', page('chart.js')],
    ['dom.js', page('dom.js')],
    ['elk.js', elk],
  ]);
}

export class PageServer {
  private readonly streams = new Set<ServerResponse>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(model: () => PageModel, port: number): Promise<PageServer> {
    const assets = assetFiles();
    let page: PageServer | undefined;
    const server = createServer((req, res) => {
      if (!loopbackHostHeader(req)) {
        res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' }).end('kruised inspect answers loopback names only (http://127.0.0.1:PORT/)\n');
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const headers = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };
      if (path === '/') {
        res.writeHead(200, { ...headers, 'content-type': 'text/html; charset=utf-8', 'content-security-policy': CSP }).end(PAGE_HTML);
      } else if (path === '/assets/page.css') {
        res.writeHead(200, { ...headers, 'content-type': 'text/css; charset=utf-8' }).end(PAGE_CSS);
      } else if (path.startsWith('/assets/') && assets.has(path.slice('/assets/'.length))) {
        readFile(assets.get(path.slice('/assets/'.length)) ?? '').then(
          (body) => res.writeHead(200, { ...headers, 'content-type': 'text/javascript; charset=utf-8' }).end(body),
          () => res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('the page was not built: run make build\n'),
        );
      } else if (path === '/api/view') {
        res.writeHead(200, { ...headers, 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(model().view()));
      } else if (path === '/api/events') {
        res.writeHead(200, { ...headers, 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive' });
        res.write(': kruised inspect\n\n');
        page?.streams.add(res);
        res.once('close', () => page?.streams.delete(res));
      } else {
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address() as AddressInfo;
    page = new PageServer(server, `http://127.0.0.1:${address.port}/`);
    return page;
  }

  /** Tells every open page what changed. */
  publish(updates: readonly PageUpdate[]): void {
    for (const update of updates) {
      const text = `event: update\ndata: ${JSON.stringify(update)}\n\n`;
      for (const res of this.streams) res.write(text);
    }
  }

  close(): Promise<void> {
    for (const res of this.streams) res.end();
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
