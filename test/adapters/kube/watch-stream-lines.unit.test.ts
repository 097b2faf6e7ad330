// The watch stream's line reading, without a server: events split across any number of chunks
// (a NodeImage line of hundreds of KiB arrives in many), several in one chunk, a multi-byte
// character cut between chunks, blank keep-alive lines, and a last line without its newline.
import { describe, expect, it } from 'vitest';
import type { KubeResponse, KubeTransport } from '../../../adapters/kube/transport.js';
import { streamWatch, type WatchEvent } from '../../../adapters/kube/watch-stream.js';

/** A transport whose one answer is 200 with `chunks` as the body. */
function answering(chunks: readonly Uint8Array[]): KubeTransport {
  const response: KubeResponse = {
    httpStatusCode: 200,
    headers: {},
    body: {
      text: async () => Buffer.concat(chunks).toString(),
      async *stream() {
        yield* chunks;
      },
    },
  };
  return { send: async () => response } as unknown as KubeTransport;
}

async function eventsOf(chunks: readonly Uint8Array[]): Promise<WatchEvent[]> {
  const events: WatchEvent[] = [];
  await streamWatch(answering(chunks), { path: '/w', query: {}, signal: new AbortController().signal, onOpen: () => {}, onEvent: (e) => events.push(e) });
  return events;
}

/** `bytes` cut into pieces of `size` bytes. */
const cut = (bytes: Uint8Array, size: number): Uint8Array[] =>
  Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size));

describe('the watch stream reads newline-delimited events', () => {
  const big = {
    type: 'MODIFIED',
    object: {
      metadata: { name: 'node-a' },
      spec: { images: Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`img-${i}`, { tags: [{ tag: 'ü€😀', version: i }] }])) },
    },
  };
  const small = (n: number) => ({ type: 'ADDED', object: { metadata: { name: `o-${n}` } } });

  it('whatever the chunking: one byte, 7 bytes, 16 KiB, all at once', async () => {
    const text = `${JSON.stringify(small(1))}\n\n${JSON.stringify(big)}\n${JSON.stringify(small(2))}\n${JSON.stringify(small(3))}`;
    const bytes = new TextEncoder().encode(text);
    expect(bytes.length).toBeGreaterThan(100_000);
    for (const size of [7, 16_384, bytes.length]) {
      expect(await eventsOf(cut(bytes, size))).toEqual([small(1), big, small(2), small(3)]);
    }
    const head = new TextEncoder().encode(`${JSON.stringify(small(4))}\n${JSON.stringify({ type: 'ADDED', object: { n: 'ü😀' } })}\n`);
    expect(await eventsOf(cut(head, 1))).toEqual([small(4), { type: 'ADDED', object: { n: 'ü😀' } }]);
  });
});
