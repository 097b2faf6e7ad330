// `kruised replay <log> --inspect <ws-url>`: a log's actors, folded through today's machines, sent to
// Stately's inspector. Three paces:
//   --speed 0 (the default)  everything at once;
//   --speed N                the records' own spacing divided by N (1 = real time), each gap cut to
//                            --max-gap seconds (default 5; 0 = never cut), with a line saying so;
//   --step                   one record per line read from stdin: Enter on a terminal (q quits, a
//                            number steps that many); from a pipe or file, each line is one step and
//                            the end of the input ends the replay where it is (the rest is not sent).
// Each record sent in the paced and stepped modes is printed as it goes.
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { ReplayResult } from '../engine/replay.js';
import { formatStateValue } from '../engine/snapshot-hash.js';
import type { MachineRegistry } from '../machines/registry-types.js';
import { type ActorItem, stepLabel } from './actor-items.js';
import { readLogItems } from './log-items.js';
import { REPLAY_BUFFER_LIMIT, StatelySink } from './stately.js';

export interface ReplayInspectOptions {
  readonly url: string;
  readonly registry: MachineRegistry;
  readonly key?: string;
  /** 0 = as fast as the socket takes it; N = N times real time. */
  readonly speed: number;
  /** Longest wait between two records in paced mode, in ms; 0 = no limit. */
  readonly maxGapMs: number;
  readonly step: boolean;
  readonly input: Readable & { isTTY?: boolean };
  readonly print: (line: string) => void;
  /** For tests: how to wait (defaults to setTimeout). */
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface ReplayInspectResult {
  readonly result: ReplayResult;
  /** Items (records) handed to the inspector. */
  readonly sent: number;
  readonly total: number;
  readonly messages: number;
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function itemLine(item: ActorItem): string {
  const seq = 'seq' in item && item.seq !== undefined ? `#${item.seq}` : '';
  const state = 'snapshot' in item ? formatStateValue(item.snapshot.value) : '';
  return `  ${seq.padStart(7)}  ${item.key}  ${stepLabel(item)}${state ? `  → ${state}` : ''}`;
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/** Lines from the input, one at a time; undefined at its end. */
function lineReader(input: Readable): { next(): Promise<string | undefined>; close(): void } {
  const rl = createInterface({ input, terminal: false });
  const lines = rl[Symbol.asyncIterator]();
  return {
    next: async () => {
      const { value, done } = await lines.next();
      return done ? undefined : (value as string);
    },
    close: () => rl.close(),
  };
}

export async function replayToInspector(path: string, options: ReplayInspectOptions): Promise<ReplayInspectResult> {
  const { items, result } = await readLogItems(path, { registry: options.registry, ...(options.key === undefined ? {} : { key: options.key }) });
  const sink = await StatelySink.open({ url: options.url, mode: 'replay', definition: (id) => options.registry.get(id)?.machine.config });
  const sleep = options.sleep ?? sleepFor;
  const tty = options.input.isTTY === true;
  const reader = options.step ? lineReader(options.input) : undefined;
  let sent = 0;
  let pending = 0; // steps already asked for (a number typed at the prompt)
  try {
    for (const [index, item] of items.entries()) {
      if (reader) {
        if (pending === 0) {
          if (tty) options.print(`next: ${itemLine(item).trim()}   [Enter: send, N: send N, q: quit]`);
          const line = await reader.next();
          if (line === undefined || line.trim() === 'q') break;
          const n = Number(line.trim());
          pending = Number.isInteger(n) && n > 0 ? n : 1;
        }
        pending -= 1;
      } else if (options.speed > 0 && index > 0) {
        const gap = Math.max(0, (item.time - items[index - 1]!.time) / options.speed);
        const wait = options.maxGapMs > 0 ? Math.min(gap, options.maxGapMs) : gap;
        if (wait < gap) options.print(`  … ${duration(gap)} without records, shortened to ${duration(wait)}`);
        if (wait > 0) await sleep(wait);
      }
      sink.write(item);
      sent += 1;
      if (reader || options.speed > 0) options.print(itemLine(item));
      await sink.drain(REPLAY_BUFFER_LIMIT);
    }
  } finally {
    reader?.close();
    await sink.close();
  }
  return { result, sent, total: items.length, messages: sink.sent };
}
