// Stately's own inspector server (@statelyai/inspect/server, what an operator runs on a laptop) and a
// receiver in the place of its browser bridge page: every message the server relays is kept, raw
// text and parsed, in arrival order.
import { createServer } from 'node:net';
import { createInspectorServer } from '@statelyai/inspect/server';
import WebSocket from 'ws';

export interface InspectionMessage {
  readonly type: string;
  readonly sessionId: string;
  readonly name?: string;
  readonly definition?: string;
  readonly event?: { type: string; [key: string]: unknown };
  readonly snapshot?: { status?: string; value?: unknown; context?: unknown };
  readonly createdAt?: string;
  readonly _version?: string;
}

export interface ReceivingInspector {
  readonly url: string;
  /** Raw messages, as the server relayed them. */
  readonly raw: string[];
  readonly messages: InspectionMessage[];
  /** Resolves once `count` messages have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function receivingInspector(): Promise<ReceivingInspector> {
  const port = await freePort();
  const server = createInspectorServer({ port, autoOpen: false });
  const url = `ws://127.0.0.1:${port}`;
  let receiver: WebSocket | undefined;
  for (let i = 0; i < 200 && !receiver; i += 1) {
    receiver = await new Promise<WebSocket | undefined>((resolve) => {
      const ws = new WebSocket(url);
      ws.once('open', () => resolve(ws));
      ws.once('error', () => resolve(undefined));
    });
    if (!receiver) await new Promise((r) => setTimeout(r, 25));
  }
  if (!receiver) throw new Error(`the inspector server on ${url} did not come up`);
  const raw: string[] = [];
  const messages: InspectionMessage[] = [];
  const waiters: Array<() => void> = [];
  receiver.on('message', (data) => {
    const text = data.toString();
    raw.push(text);
    messages.push(JSON.parse(text) as InspectionMessage);
    for (const wake of waiters.splice(0)) wake();
  });
  const ws = receiver;
  return {
    url,
    raw,
    messages,
    async waitFor(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (messages.length < count) {
        if (Date.now() > deadline) throw new Error(`got ${messages.length} inspection messages, waited for ${count}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
    },
    close: async () => {
      ws.close();
      server.stop();
    },
  };
}
