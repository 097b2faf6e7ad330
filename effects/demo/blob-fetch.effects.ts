// Real effects for the demonstration machine: `fetchBlob` copies a source file into the node's
// blob store in chunks, reporting progress, and `verifyDigest` hashes what landed. Both are
// idempotent: a repeated fetch overwrites the same target, a repeated verify reads it again.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { BlobFetchEvent } from '../../machines/demo/blob-fetch.machine.js';
import { durableCallback, durablePromise, type DurabilityBarrier } from '../durable.js';

export interface BlobStore {
  readonly dir: string;
  /** Pause between chunks, so progress is visible in a demo (0 in tests and benches). */
  readonly chunkDelayMs: number;
}

export function blobPath(store: BlobStore, digest: string): string {
  return join(store.dir, digest.replace(/[^a-zA-Z0-9]/g, '_'));
}

/** A fetch whose body rejects (it catches its own I/O errors; this is for the rest) fails the attempt. */
const fetchFailed = (error: unknown) => ({ type: 'demo.fetchFailed', message: error instanceof Error ? error.message : String(error) }) as const;

export function blobFetchEffects(store: BlobStore, barrier: DurabilityBarrier) {
  return {
    fetchBlob: durableCallback<BlobFetchEvent, { digest: string; source: string }>(barrier, fetchFailed, async (input, sendBack, signal) => {
      try {
        await mkdir(store.dir, { recursive: true });
        const total = (await stat(input.source)).size;
        const target = blobPath(store, input.digest);
        let done = 0;
        const source = createReadStream(input.source, { highWaterMark: 256 * 1024, signal });
        source.on('data', (chunk) => {
          done += chunk.length;
          sendBack({ type: 'demo.progress', bytesDone: done, bytesTotal: total });
          if (store.chunkDelayMs > 0) {
            source.pause();
            setTimeout(() => source.resume(), store.chunkDelayMs);
          }
        });
        await pipeline(source, createWriteStream(`${target}.partial`), { signal });
        await rename(`${target}.partial`, target);
        sendBack({ type: 'demo.fetched', bytes: done });
      } catch (error) {
        if (!signal.aborted) sendBack({ type: 'demo.fetchFailed', message: (error as Error).message });
      }
    }),
    verifyDigest: durablePromise<{ ok: boolean; actual: string }, { digest: string }>(barrier, async (input) => {
      const actual = `sha256:${createHash('sha256')
        .update(await readFile(blobPath(store, input.digest)))
        .digest('hex')}`;
      return { ok: actual === input.digest, actual };
    }),
  };
}
