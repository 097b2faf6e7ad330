// One watch request: `GET <path>?watch=true&…`, then newline-delimited `{"type","object"}`
// events until the server ends the stream or the caller aborts. Unlike client-node's Watch, a
// line that does not parse is not dropped in silence: it ends the stream with an error, so the
// informer resumes from the last good resourceVersion and the event is delivered again.
import { errorFromStatus } from './errors.js';
import type { KubeTransport } from './transport.js';

export interface WatchEvent {
  readonly type: string;
  readonly object: unknown;
}

export class WatchParseError extends Error {
  override readonly name = 'WatchParseError';
}

export interface WatchStreamOptions {
  readonly path: string;
  readonly query: Readonly<Record<string, string | undefined>>;
  readonly signal: AbortSignal;
  /** The server answered 200: the stream is open. */
  readonly onOpen: () => void;
  /** Every event in order; synchronous, before the next line is read. */
  readonly onEvent: (event: WatchEvent) => void;
}

/** Resolves when the server closes the stream; rejects with KubeApiError (non-200, no answer), WatchParseError, or the abort reason. */
export async function streamWatch(transport: KubeTransport, options: WatchStreamOptions): Promise<void> {
  const { path, signal } = options;
  const request = { method: 'GET' as const, path, query: { ...options.query, watch: 'true' }, signal, timeoutMs: 0 };
  const res = await transport.send(request);
  if (res.httpStatusCode !== 200) {
    const text = await res.body.text().catch(() => '');
    let status: unknown;
    try {
      status = JSON.parse(text);
    } catch {
      status = undefined;
    }
    throw errorFromStatus(status, res.httpStatusCode, request, res.headers['retry-after']);
  }
  options.onOpen();
  const body = res.body.stream() as ReadableStream<Uint8Array> | null | undefined;
  if (!body) return;
  const decoder = new TextDecoder();
  let partial = '';
  for await (const chunk of body) {
    const lines = (partial + decoder.decode(chunk, { stream: true })).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (signal.aborted) return;
      if (line.trim() !== '') options.onEvent(parseLine(line));
    }
  }
  if (partial.trim() !== '' && !signal.aborted) options.onEvent(parseLine(partial));
}

function parseLine(line: string): WatchEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (error) {
    throw new WatchParseError(`watch event is not JSON (${(error as Error).message}); ${line.length} bytes`);
  }
  const { type, object } = (parsed ?? {}) as { type?: unknown; object?: unknown };
  if (typeof type !== 'string' || typeof object !== 'object' || object === null) throw new WatchParseError('watch event lacks type or object');
  return { type, object };
}
