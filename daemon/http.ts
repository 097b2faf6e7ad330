// The daemon's HTTP endpoints on --addr: GET /healthz (200 "ok" when every registered check
// passes, else 500 "check <name> failed, err: <why>" for the first failing one, as upstream) and
// GET /metrics (Prometheus text). With --enable-pprof, --pprof-addr serves Node's diagnostics in
// pprof's place: /debug/pprof/ (index), /debug/pprof/heap (a V8 heap snapshot) and
// /debug/pprof/memory (JSON: process.memoryUsage(), V8's heap statistics and each heap space's
// size and use), which says whether RSS is live JavaScript, V8 pages kept for later, or native.
import { createServer, type Server } from 'node:http';
import { getHeapSnapshot, getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';

export type HealthCheck = () => string | undefined;

export interface MetricSource {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge';
  value(): number;
}

/** Go-style `host:port` (`:10221` binds every interface). */
export function parseListenAddress(addr: string): { host: string | undefined; port: number } {
  const at = addr.lastIndexOf(':');
  const port = Number(addr.slice(at + 1));
  if (at < 0 || !Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid listen address ${JSON.stringify(addr)}: want host:port`);
  const host = addr.slice(0, at).replace(/^\[(.*)\]$/, '$1');
  return { host: host === '' ? undefined : host, port };
}

export function renderMetrics(metrics: readonly MetricSource[]): string {
  return metrics.map((m) => `# HELP ${m.name} ${m.help}\n# TYPE ${m.name} ${m.type}\n${m.name} ${m.value()}\n`).join('');
}

export function healthHandler(checks: ReadonlyMap<string, HealthCheck>): { status: number; body: string } {
  for (const [name, check] of checks) {
    const failure = check();
    if (failure !== undefined) return { status: 500, body: `check ${name} failed, err: ${failure}` };
  }
  return { status: 200, body: 'ok' };
}

function listen(server: Server, addr: string): Promise<Server> {
  const { host, port } = parseListenAddress(addr);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

export function serveDaemonHttp(addr: string, checks: ReadonlyMap<string, HealthCheck>, metrics: readonly MetricSource[]): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/healthz') {
      const { status, body } = healthHandler(checks);
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(body);
    } else if (req.method === 'GET' && req.url === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(renderMetrics(metrics));
    } else {
      res.writeHead(404).end('not found');
    }
  });
  return listen(server, addr);
}

export function servePprof(addr: string): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url === '/debug/pprof/' || req.url === '/debug/pprof') {
      res
        .writeHead(200, { 'content-type': 'text/plain' })
        .end('kruised diagnostics (Node.js, not Go pprof)\n/debug/pprof/heap  V8 heap snapshot\n/debug/pprof/memory  memory use by kind (JSON)\n');
    } else if (req.url === '/debug/pprof/memory') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(memoryReport(), null, 2));
    } else if (req.url === '/debug/pprof/heap') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-disposition': 'attachment; filename="kruised.heapsnapshot"' });
      getHeapSnapshot().pipe(res);
    } else {
      res.writeHead(404).end('not found');
    }
  });
  return listen(server, addr);
}

/** Where the process's memory is, in bytes: what the heap holds live, what V8 keeps for later, and what lives outside it. */
export function memoryReport() {
  return {
    process: process.memoryUsage(),
    heap: getHeapStatistics(),
    spaces: Object.fromEntries(
      getHeapSpaceStatistics().map((s) => [
        s.space_name,
        { size: s.space_size, used: s.space_used_size, available: s.space_available_size, physical: s.physical_space_size },
      ]),
    ),
  };
}
