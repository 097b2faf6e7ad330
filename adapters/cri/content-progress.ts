// Pull progress from containerd's content ingests. While a CRI PullImage runs, containerd writes
// each blob through an ingest listed by containerd.services.content.v1.Content/ListStatuses on
// the same socket (or pipe) as CRI, scoped by the `containerd-namespace` metadata (CRI: `k8s.io`).
// Observed with containerd 1.6: refs are `<kind>-<digest>` (remotes.MakeRefKey: `config-…`,
// `layer-…`, also `manifest-…`/`index-…`), without namespace prefix; `total` is the descriptor's
// size, `offset` grows in 1 MiB steps, `expected` is ''; an ingest vanishes once committed.
// Runtimes without the service answer UNIMPLEMENTED: remembered, then `supported: false`.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Client, credentials, Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { loadSync, type MethodDefinition } from '@grpc/proto-loader';
import { MAX_MESSAGE_BYTES } from './client.js';
import { grpcTarget, parseCriEndpoint, type EndpointPlatform, type PipeResolver } from './endpoint.js';
import { toCriError } from './errors.js';
import { PROTO_LOADER_OPTIONS } from './proto.js';

/** offset: bytes written; total: declared size (0: unknown); expected: declared digest or ''. */
export interface IngestStatus {
  readonly ref: string;
  readonly offset: number;
  readonly total: number;
  readonly expected: string;
}
export interface ContentSnapshot {
  readonly supported: boolean;
  readonly statuses: readonly IngestStatus[];
}
export interface ContentProgressReader {
  readonly target: string;
  /** All ingests of the namespace. Rejects with a CriError on transport failure, or the signal's reason. */
  snapshot(signal?: AbortSignal): Promise<ContentSnapshot>;
  close(): void;
}
export interface ContentProgressReaderOptions {
  readonly endpoint: string; // as for createCriClient
  readonly platform: EndpointPlatform; // the platform profile's `os`, as for createCriClient
  readonly pipeResolver?: PipeResolver;
  readonly namespace?: string; // default k8s.io
  readonly timeoutMs?: number; // per call, default 5 s
}

const PROTO = 'containerd-content-v1.proto';
const here = dirname(fileURLToPath(import.meta.url));
interface RawStatus {
  ref: string;
  offset: string;
  total: string;
  expected: string;
}
type ListStatuses = MethodDefinition<object, { statuses: RawStatus[] }>;
let listStatuses: ListStatuses | undefined;

function method(): ListStatuses {
  if (listStatuses !== undefined) return listStatuses;
  const paths = [join(here, 'proto', PROTO), join(here, '..', '..', '..', 'adapters', 'cri', 'proto', PROTO)];
  const path = paths.find((p) => existsSync(p));
  if (path === undefined) throw new Error(`${PROTO} not found; looked at ${paths.join(', ')}`);
  const pkg = loadSync(path, PROTO_LOADER_OPTIONS) as unknown as Record<string, Record<string, ListStatuses>>;
  const found = pkg['containerd.services.content.v1.Content']?.ListStatuses;
  if (found === undefined) throw new Error(`${path} has no containerd.services.content.v1.Content/ListStatuses`);
  listStatuses = found;
  return found;
}

export function createContentProgressReader(options: ContentProgressReaderOptions): ContentProgressReader {
  const target = grpcTarget(parseCriEndpoint(options.endpoint, options.platform), options.pipeResolver);
  const def = method();
  const grpc = new Client(target, credentials.createInsecure(), {
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_reconnect_backoff_ms': 5_000,
  });
  let supported: boolean | undefined;
  const unsupported: ContentSnapshot = { supported: false, statuses: [] };

  const snapshot = (signal?: AbortSignal): Promise<ContentSnapshot> =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      if (supported === false) return resolve(unsupported);
      const metadata = new Metadata();
      metadata.set('containerd-namespace', options.namespace ?? 'k8s.io');
      const onAbort = (): void => rpc.cancel();
      const rpc = grpc.makeUnaryRequest(
        def.path,
        def.requestSerialize,
        def.responseDeserialize,
        { filters: [] },
        metadata,
        { deadline: Date.now() + (options.timeoutMs ?? 5_000) },
        (error: ServiceError | null, res?: { statuses: RawStatus[] }) => {
          signal?.removeEventListener('abort', onAbort);
          if (signal?.aborted) return reject(signal.reason);
          if (error?.code === GrpcStatus.UNIMPLEMENTED) {
            supported = false;
            return resolve(unsupported);
          }
          if (error !== null) return reject(toCriError(error, 'ListStatuses'));
          supported = true;
          const statuses = (res?.statuses ?? []).map((s) => ({ ref: s.ref, offset: Number(s.offset), total: Number(s.total), expected: s.expected }));
          resolve({ supported: true, statuses });
        },
      );
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  return { target, snapshot, close: () => grpc.close() };
}

export interface Progress {
  readonly percent: number;
  readonly bytesDone: number;
  readonly bytesTotal: number;
}
export interface PullProgressOptions {
  /** The image's layers, when known (e.g. from its manifest): the denominator is then exact. */
  readonly blobs?: readonly { readonly digest: string; readonly size: number }[];
  /** Which ingests belong to the pull. Default: every `layer-` ingest, or every ref naming a blob. */
  readonly filter?: (status: IngestStatus) => boolean;
}

/** manifest-/index-/config- ingests are tiny and finish before layers start: counting them pins 99 %. */
const METADATA_REF = /^(manifest|index|config)-/;

/**
 * Folds ingest snapshots into a monotone percentage: floor(99 · done / known), never decreasing,
 * 100 only after complete(). An ingest that vanishes between snapshots counts as done (committed).
 * Without `blobs`, `known` is the layers seen so far: containerd 1.6 downloads at most
 * `max_concurrent_downloads` (default 3) layers at once, so for larger images the percentage can
 * run ahead and then hold. Without a filter, every pull in the namespace counts.
 */
export class PullProgress {
  readonly #seen = new Map<string, { offset: number; total: number; live: boolean }>();
  readonly #filter: (status: IngestStatus) => boolean;
  readonly #keyOf: (status: IngestStatus) => string;
  #percent = 0;
  #done = false;
  constructor(options: PullProgressOptions = {}) {
    const { blobs } = options;
    for (const b of blobs ?? []) this.#seen.set(b.digest, { offset: 0, total: b.size, live: false });
    const blobOf = (s: IngestStatus): string | undefined => blobs?.find((b) => s.ref.includes(b.digest) || s.expected === b.digest)?.digest;
    this.#keyOf = (s) => blobOf(s) ?? s.ref;
    this.#filter = options.filter ?? (blobs ? (s) => blobOf(s) !== undefined : (s) => !METADATA_REF.test(s.ref));
  }

  get current(): Progress {
    let [bytesDone, bytesTotal] = [0, 0];
    for (const s of this.#seen.values()) {
      if (s.total <= 0) continue; // size not declared: cannot weigh it
      bytesDone += Math.min(s.offset, s.total);
      bytesTotal += s.total;
    }
    return { percent: this.#percent, bytesDone, bytesTotal };
  }

  observe(statuses: readonly IngestStatus[]): Progress {
    if (this.#done) return this.current;
    const live = new Set<string>();
    for (const st of statuses) {
      if (!this.#filter(st)) continue;
      const key = this.#keyOf(st);
      const prev = this.#seen.get(key);
      live.add(key);
      this.#seen.set(key, { offset: Math.max(prev?.offset ?? 0, st.offset), total: Math.max(prev?.total ?? 0, st.total), live: true });
    }
    // Seen live before, gone now: committed. (A blob from `blobs` never seen live may simply exist
    // locally already; it stays at 0 and complete() settles it.)
    for (const [key, s] of this.#seen) if (s.live && !live.has(key)) s.offset = s.total;
    const { bytesDone, bytesTotal } = this.current;
    if (bytesTotal > 0) this.#percent = Math.max(this.#percent, Math.floor((99 * bytesDone) / bytesTotal));
    return this.current;
  }

  /** The caller saw the pull succeed: 100 %, every blob counted done. */
  complete(): Progress {
    for (const s of this.#seen.values()) s.offset = s.total;
    this.#done = true;
    this.#percent = 100;
    return this.current;
  }
}

export interface WatchPullProgressOptions {
  readonly reader: ContentProgressReader;
  readonly signal: AbortSignal;
  readonly onProgress: (progress: Progress) => void;
  readonly intervalMs?: number;
  readonly tracker?: PullProgress;
}

/**
 * Polls the reader until `signal` aborts (the pull ended) and reports each change of percent or
 * bytes. Returns false at once when the runtime has no content service (no progress: 0 until
 * done). A failed poll is skipped; the next one may succeed.
 */
export async function watchPullProgress(o: WatchPullProgressOptions): Promise<boolean> {
  const tracker = o.tracker ?? new PullProgress();
  let last = '';
  while (!o.signal.aborted) {
    const snap = await o.reader.snapshot(o.signal).catch(() => undefined);
    if (snap?.supported === false) return false;
    if (snap !== undefined && !o.signal.aborted) {
      const p = tracker.observe(snap.statuses);
      const key = `${p.percent}/${p.bytesDone}/${p.bytesTotal}`;
      if (key !== last) {
        last = key;
        o.onProgress(p);
      }
    }
    await sleep(o.intervalMs ?? 500, undefined, { signal: o.signal }).catch(() => undefined);
  }
  return true;
}
