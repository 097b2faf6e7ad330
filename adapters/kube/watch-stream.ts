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
  // The pieces of a line that spans chunks: each joined once, when its newline arrives. (Appending
  // every chunk to the rest and splitting it all again copied a 200 KB NodeImage line once per
  // chunk: most of the daemon's allocation while 500 tags start.)
  const pieces: string[] = [];
  for await (const chunk of body) {
    const text = decoder.decode(chunk, { stream: true });
    let start = 0;
    for (let newline = text.indexOf('\n'); newline >= 0; newline = text.indexOf('\n', start)) {
      pieces.push(text.slice(start, newline));
      const line = pieces.length === 1 ? pieces[0]! : pieces.join('');
      pieces.length = 0;
      start = newline + 1;
      if (signal.aborted) return;
      if (NOT_BLANK.test(line)) options.onEvent(parseLine(line));
    }
    if (start < text.length) pieces.push(text.slice(start));
  }
  const rest = pieces.join('');
  if (NOT_BLANK.test(rest) && !signal.aborted) options.onEvent(parseLine(rest));
}

const NOT_BLANK = /\S/;

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
