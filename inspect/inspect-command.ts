// `kruised inspect`: the inspector page for a log (`--log`, folded through today's machines) or for a
// running daemon (`--addr`, its loopback actor endpoint, often reached through a tunnel), served on
// 127.0.0.1 only. With --addr and --inspect it also relays the daemon's actors to a Stately
// inspector server: the route into Stately when only `kubectl port-forward` reaches the node.
import type { MachineRegistry } from '../machines/registry-types.js';
import { daemonMachines, followDaemon } from './daemon-client.js';
import { readLogItems } from './log-items.js';
import { chartGraph } from './chart-graph.js';
import { PageModel } from './page-model.js';
import { PageServer } from './page-server.js';
import { StatelySink } from './stately.js';

export interface InspectCommandOptions {
  readonly registry: MachineRegistry;
  readonly port: number;
  readonly log?: string;
  readonly key?: string;
  readonly addr?: string;
  readonly inspect?: string;
  readonly print: (line: string) => void;
}

export interface RunningInspect {
  readonly url: string;
  stop(): Promise<void>;
}

export async function startInspect(options: InspectCommandOptions): Promise<RunningInspect> {
  if (options.log !== undefined) {
    const { items, result } = await readLogItems(options.log, { registry: options.registry, ...(options.key === undefined ? {} : { key: options.key }) });
    const d = result.divergence;
    const note = d
      ? `diverges at #${d.seq} (${d.key}): ${d.reason}; shown up to there`
      : result.tornTails.length > 0
        ? 'ends in a torn write (a crash mid-write), ignored'
        : undefined;
    const model = new PageModel({ kind: 'log', path: options.log, records: result.records, clean: d === undefined, ...(note ? { note } : {}) });
    for (const entry of options.registry.values()) model.setMachine(chartGraph(entry.machine));
    for (const item of items) model.apply(item);
    const server = await PageServer.start(() => model, options.port);
    const actors = model.view().actors.length;
    options.print(`kruised inspect: ${server.url}  (${result.records} records, ${actors} actors of ${options.log}${d ? `; DIVERGES at #${d.seq}` : ''})`);
    return { url: server.url, stop: () => server.close() };
  }
  const addr = options.addr ?? '';
  const machines = await daemonMachines(addr);
  let server: PageServer | undefined;
  let follower: ReturnType<typeof followDaemon> | undefined;
  const sink = options.inspect
    ? await StatelySink.open({
        url: options.inspect,
        mode: 'follow',
        waitForConnection: true,
        definition: (id) => machines.find((m) => m.id === id)?.definition,
        // A new connection knows nothing: following the daemon afresh sends its recent steps and its present again.
        onReady: () => follower?.restart(),
      })
    : undefined;
  follower = followDaemon(addr, machines, (updates) => server?.publish(updates), sink ? (item) => sink.write(item) : undefined);
  server = await PageServer.start(follower.model, options.port);
  options.print(`kruised inspect: ${server.url}  (following the daemon at ${addr}${options.inspect ? `, relaying to ${options.inspect}` : ''})`);
  return {
    url: server.url,
    stop: async () => {
      follower?.stop();
      await sink?.close();
      await server?.close();
    },
  };
}
