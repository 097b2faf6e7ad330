// The daemon's read-only actor endpoint (`--actors-addr`, loopback only), for `kruised inspect --addr`:
//
//   GET /actors            the live actors now: key, machine, version, status and state, and
//                          the Stately inspector's connection when --inspect is set (JSON)
//   GET /actors/machines   each registered machine's definition in Stately's config form (JSON)
//   GET /actors/stream     server-sent events: `hello`, then `item` per actor item (the recent
//                          steps, every live actor as it is now, then each step as it happens)
//
// Every item is redacted by the event log's redactor (actor-feed.ts). Safety beyond binding loopback only: a request
// whose Host header is not a loopback name is refused (a web page in an operator's browser that
// reaches a port-forwarded 127.0.0.1 through DNS rebinding gets 403), only GET is served, no CORS
// header is sent, at most MAX_STREAMS streams run at once, and a client that stops reading is cut
// off rather than buffered for. The routes are a plain handler, so other read-only routes (metrics)
// can be mounted beside them.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { MachineRegistry } from '../machines/registry-types.js';
import type { ActorFeed, LiveActors } from './actor-feed.js';
import { machineDefinition } from './actor-items.js';
import { isLoopbackHost, parseLoopbackAddress } from './addresses.js';
import { formatStateValue } from '../engine/snapshot-hash.js';

export const MAX_STREAMS = 4;
/** A stream whose unsent data passes this is closed: the client is not reading. */
const MAX_STREAM_BACKLOG = 1024 * 1024;
const KEEPALIVE_MS = 15_000;

export interface ActorRoutesOptions {
  readonly feed: ActorFeed;
  /** The host, once the engine runs; until then the routes answer 503. */
  readonly host: () => LiveActors | undefined;
  readonly registry: MachineRegistry;
  readonly node: string;
  /** More to say in GET /actors (the Stately sink's connection). */
  readonly status?: () => Record<string, unknown>;
}

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

/** The Host header names this machine's loopback (127.0.0.1:PORT, localhost:PORT, [::1]:PORT). */
export function loopbackHostHeader(req: IncomingMessage): boolean {
  const host = req.headers.host;
  if (host === undefined) return false;
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '');
  return isLoopbackHost(name);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(`${JSON.stringify(body)}\n`);
}

/** The routes; returns false for a path that is not theirs. */
export function actorRoutes(options: ActorRoutesOptions): RouteHandler {
  const streams = new Set<ServerResponse>();
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/actors' && path !== '/actors/machines' && path !== '/actors/stream') return false;
    if (!loopbackHostHeader(req)) {
      res
        .writeHead(403, { 'content-type': 'text/plain; charset=utf-8' })
        .end('the actor endpoint answers loopback names only (Host: 127.0.0.1 or localhost)\n');
      return true;
    }
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET' }).end();
      return true;
    }
    if (path === '/actors/machines') {
      const machines = [...options.registry.values()].map((entry) => ({
        id: entry.id,
        version: entry.version,
        summary: entry.summary,
        definition: machineDefinition(entry.machine),
      }));
      json(res, 200, { machines });
      return true;
    }
    const host = options.host();
    if (!host) {
      json(res, 503, { error: 'the engine is not running yet' });
      return true;
    }
    if (path === '/actors') {
      const actors = options.feed.running(host).map(({ key, machine, version, snapshot }) => ({
        key,
        machine,
        version,
        status: snapshot.status,
        state: formatStateValue(snapshot.value),
        value: snapshot.value,
      }));
      json(res, 200, { node: options.node, ...options.status?.(), actors });
      return true;
    }
    if (streams.size >= MAX_STREAMS) {
      json(res, 429, { error: `at most ${MAX_STREAMS} actor streams at once` });
      return true;
    }
    stream(req, res, options, host, streams);
    return true;
  };
}

function stream(req: IncomingMessage, res: ServerResponse, options: ActorRoutesOptions, host: LiveActors, streams: Set<ServerResponse>): void {
  streams.add(res);
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
  const send = (event: string, data: unknown): void => {
    if (res.writableLength > MAX_STREAM_BACKLOG) {
      res.end('event: error\ndata: "the client did not keep up; reconnect"\n\n');
      return;
    }
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const machines = [...options.registry.values()].map(({ id, version }) => ({ id, version }));
  send('hello', { node: options.node, machines });
  // The recent past, then the present, then what happens: all in one turn of the event loop, so nothing falls between.
  for (const item of options.feed.recent()) send('item', item);
  for (const item of options.feed.running(host)) send('item', item);
  const unsubscribe = options.feed.subscribe((item) => send('item', item));
  const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
  keepalive.unref();
  const done = () => {
    clearInterval(keepalive);
    unsubscribe();
    streams.delete(res);
  };
  res.once('close', done);
  req.once('close', done);
}

/** Listens on a loopback address only (parseLoopbackAddress refuses anything else). */
export async function serveLoopback(addr: string, ...routes: RouteHandler[]): Promise<Server> {
  const { host, port } = parseLoopbackAddress(addr);
  const server = createServer((req, res) => {
    for (const route of routes) if (route(req, res)) return;
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: try /actors, /actors/machines or /actors/stream\n');
  });
  // Streams never end by themselves: closing the listener (the daemon's shutdown) ends them too.
  const close = server.close.bind(server);
  server.close = (callback?: (error?: Error) => void) => {
    close(callback);
    server.closeAllConnections();
    return server;
  };
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
