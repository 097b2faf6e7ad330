// `kruised inspect --addr`: follows a running daemon's actor endpoint (actors-http.ts). It reads the
// daemon's own machine definitions (so the charts are the daemon's, whatever this build holds),
// then its stream, and applies each item to the page model. A dropped connection is retried every
// two seconds; on reconnecting the model starts afresh (the daemon sends its recent steps and the
// present again) and open pages reload.
import { request } from 'node:http';
import { createMachine } from 'xstate';
import type { ActorItem } from './actor-items.js';
import { chartGraph } from './chart-graph.js';
import { PageModel } from './page-model.js';
import type { PageUpdate, SourceView } from './page/wire.js';

export interface DaemonFollower {
  readonly model: () => PageModel;
  /** Drops the stream and follows the daemon afresh (the model starts over). */
  restart(): void;
  stop(): void;
}

/** `127.0.0.1:10223` or `http://127.0.0.1:10223`: the daemon's --actors-addr (through a tunnel, often). */
export function daemonBase(addr: string): string {
  const base = /^https?:\/\//.test(addr) ? addr : `http://${addr}`;
  return base.replace(/\/+$/, '');
}

function getJson(url: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { accept: 'application/json' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`${url} answered ${res.statusCode}: ${body.trim()}`));
        else {
          try {
            resolve(JSON.parse(body));
          } catch (error) {
            reject(error);
          }
        }
      });
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`${url} did not answer in 10 s`)));
    req.on('error', reject);
    req.end();
  });
}

export interface MachineDefinition {
  readonly id: string;
  readonly version: string;
  readonly definition: Record<string, unknown>;
}

/** Reads the daemon's machines; throws with the reason when the daemon cannot be reached (the caller says so and exits). */
export async function daemonMachines(addr: string): Promise<MachineDefinition[]> {
  const body = (await getJson(`${daemonBase(addr)}/actors/machines`)) as { machines?: MachineDefinition[] };
  return body.machines ?? [];
}

export function followDaemon(
  addr: string,
  machines: readonly MachineDefinition[],
  publish: (updates: PageUpdate[]) => void,
  onItem?: (item: ActorItem) => void,
): DaemonFollower {
  const base = daemonBase(addr);
  const fresh = (connected: boolean, note?: string): PageModel => {
    const model = new PageModel({ kind: 'daemon', addr, connected, ...(note ? { note } : {}) });
    for (const m of machines) {
      try {
        model.setMachine(chartGraph(createMachine(m.definition as never)));
      } catch {
        // A definition this build's XState cannot read: its actors are listed without a chart.
      }
    }
    return model;
  };
  let model = fresh(false, 'connecting');
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  let current: ReturnType<typeof request> | undefined;
  let source: SourceView = model.view().source;
  const setSource = (next: SourceView) => {
    source = next;
    publish([model.setSource(next)]);
  };

  /** Each connection's number: what an abandoned one still reports is ignored. */
  let generation = 0;
  const connect = (first: boolean): void => {
    let buffer = '';
    const mine = ++generation;
    const fail = (why: string) => mine === generation && failed(why);
    const req = request(`${base}/actors/stream`, { headers: { accept: 'text/event-stream' } }, (res) => {
      if (mine !== generation) {
        res.destroy();
        return;
      }
      if (res.statusCode !== 200) {
        res.resume();
        fail(`the daemon answered ${res.statusCode}`);
        return;
      }
      if (!first) {
        model = fresh(true);
        publish([{ type: 'reset' }]);
      }
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (mine !== generation) return;
        buffer += chunk;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event === undefined || data === undefined) continue;
          if (event === 'hello') {
            const hello = JSON.parse(data) as { node?: string };
            setSource({ kind: 'daemon', addr, connected: true, ...(hello.node ? { node: hello.node } : {}) });
          } else if (event === 'item') {
            const item = JSON.parse(data) as ActorItem;
            publish(model.apply(item));
            onItem?.(item);
          }
        }
      });
      res.on('end', () => fail('the daemon closed the stream'));
      res.on('error', (error) => fail(error.message));
    });
    req.on('error', (error) => fail(error.message));
    req.end();
    current = req;
  };
  const failed = (why: string): void => {
    if (stopped || retry) return;
    setSource({ ...(source.kind === 'daemon' ? source : { kind: 'daemon', addr }), connected: false, note: `${why}; retrying` } as SourceView);
    retry = setTimeout(() => {
      retry = undefined;
      connect(false);
    }, 2000);
  };
  connect(true);
  return {
    model: () => model,
    restart: () => {
      if (stopped) return;
      clearTimeout(retry);
      retry = undefined;
      const old = current;
      connect(false);
      old?.destroy();
    },
    stop: () => {
      stopped = true;
      generation += 1;
      clearTimeout(retry);
      current?.destroy();
    },
  };
}
