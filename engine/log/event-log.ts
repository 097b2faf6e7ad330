// The durable, append-only event log: segmented JSON Lines with group commit.
//
// `append()` sequences a record at once (the host calls it before it delivers the event) and
// returns it still open: the host fills in the snapshot hash right after delivery. Records are
// serialised, redacted and written in batches; one fdatasync covers a batch (group commit, at
// most `commitDelayMs` after the first record of the batch), and `durable()` resolves when
// everything appended so far is on disk. A `durable()` caller (an effect about to touch the world)
// does not wait out the delay: the batch is committed at the end of the current event-loop turn,
// so everything appended in that turn still shares one fdatasync. With `fsync: 'always'` the host calls `commitSync()`
// after every delivery step, so each record is on disk before the step returns.
//
// Fail-stop: the first open, write, fdatasync or close of a segment that fails puts the log in a
// failed state for good (`failure` keeps the cause). From then on nothing is written: the failed
// batch and anything appended later are dropped, every `durable()` waiter (pending or later) is
// rejected with the failure, `append()` throws it, and listeners hear it exactly once. A waiter is
// only ever resolved by the successful fdatasync of a batch that holds everything it waited for.
import { mkdir, rm, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { EventLogFailure, type LogOperation } from './log-failure.js';
import { nodeLogFs, type LogFs } from './log-fs.js';
import { encodeRecord, type LogRecord } from './record.js';
import { RecoveryIndex } from './recovery-index.js';
import { createRedactor, type Redactor } from './redact.js';
import { type CorruptRecord, scanSegment, type TornTail } from './scan.js';
import { SegmentBook, type SegmentInfo } from './segment-book.js';
import { listSegments, segmentName } from './segments.js';

export interface EventLogOptions {
  readonly dir: string;
  /** 'group': one fsync per batch; 'always': the host commits each step synchronously. */
  readonly fsync?: 'group' | 'always';
  readonly commitDelayMs?: number;
  readonly segmentBytes?: number;
  readonly maxBytes?: number;
  readonly retentionMs?: number;
  readonly redact?: Redactor;
  /** Wall clock for retention decisions. */
  readonly now?: () => number;
  /** The write path's file operations; node:fs unless a test injects failures. */
  readonly fs?: LogFs;
  /** Called when retention or the size cap removes a segment. */
  readonly onSegmentRemoved?: (info: { file: string; lostLive: string[] }) => void;
  /** Called when a collection pass started by the log itself (on rotation) fails; the next pass tries again. */
  readonly onCollectFailed?: (error: unknown) => void;
}

export interface OpenedLog {
  readonly log: EventLog;
  /** The unfinished actors' records and the finished keys: what recovery folds. */
  readonly recovery: RecoveryIndex;
  readonly tornTails: TornTail[];
  readonly corrupt: CorruptRecord[];
}

/** What the log tells the parts built on it (the actor host, the daemon). */
export interface EventLogListener {
  /** The log failed and writes nothing more (fail-stop). Called once, synchronously where the failure is seen. */
  failed?(failure: EventLogFailure): void;
  /**
   * A new segment holds its first durable batch. `stale` are the keys of live actors whose
   * recovery still starts before the segment just closed: a checkpoint of each would let the
   * segments behind it go (the actor host writes those).
   */
  segmentStarted?(info: { readonly file: string; readonly stale: readonly string[] }): void;
}

/** A record that has been sequenced but not yet serialised: the host may still set `state`. */
export type OpenRecord = { -readonly [K in keyof LogRecord]: LogRecord[K] };

interface Waiter {
  resolve(): void;
  reject(failure: EventLogFailure): void;
}

type ResolvedOptions = Required<Omit<EventLogOptions, 'onSegmentRemoved' | 'onCollectFailed'>> & Pick<EventLogOptions, 'onSegmentRemoved' | 'onCollectFailed'>;

export class EventLog {
  private nextSeq: number;
  private batch: OpenRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** A commit at the end of this event-loop turn, asked for by a durable() waiter. */
  private soon: NodeJS.Immediate | undefined;
  /** The chain of commits, one at a time; it never rejects (a failure lands in `failed`). */
  private writing: Promise<void> = Promise.resolve();
  /** True while a group commit's fdatasync runs in the pool. */
  private syncing = false;
  private waiters: Waiter[] = [];
  private fd: number | undefined;
  private current: SegmentInfo | undefined;
  /** Set when a segment was opened, until its first batch is durable: the first seq of the segment before it. */
  private started: { readonly before: number } | undefined;
  private closed = false;
  private failed: EventLogFailure | undefined;
  private readonly listeners = new Set<EventLogListener>();
  private collecting: Promise<unknown> = Promise.resolve();
  private readonly opts: ResolvedOptions;

  private constructor(
    options: EventLogOptions,
    private readonly book: SegmentBook,
    lastSeq: number,
  ) {
    this.opts = {
      fsync: 'group',
      commitDelayMs: 5,
      segmentBytes: 64 * 1024 * 1024,
      maxBytes: 1024 * 1024 * 1024,
      retentionMs: 24 * 3600 * 1000,
      redact: createRedactor(),
      now: Date.now,
      fs: nodeLogFs,
      ...options,
    };
    this.nextSeq = lastSeq + 1;
  }

  /** Opens (creating) a log directory, verifying every record and truncating a torn tail. */
  static async open(options: EventLogOptions): Promise<OpenedLog> {
    await mkdir(options.dir, { recursive: true });
    const book = new SegmentBook();
    const recovery = new RecoveryIndex();
    const tornTails: TornTail[] = [];
    const corrupt: CorruptRecord[] = [];
    let lastSeq = 0;
    for (const file of await listSegments(options.dir)) {
      const info = book.addSegment(file);
      const scan = await scanSegment(file, {
        onRecord: (record) => {
          book.note(info, record);
          recovery.add(record);
          lastSeq = Math.max(lastSeq, record.seq);
        },
      });
      info.sizeBytes = scan.tornTail ? scan.tornTail.validBytes : scan.sizeBytes;
      for (const entry of scan.corrupt) corrupt.push(entry);
      if (scan.tornTail) {
        tornTails.push(scan.tornTail);
        await truncate(file.path, scan.tornTail.validBytes);
      }
    }
    const log = new EventLog(options, book, lastSeq);
    return { log, recovery, tornTails, corrupt };
  }

  /** True when every delivery step must be on disk before it returns (`fsync: always`). */
  get strict(): boolean {
    return this.opts.fsync === 'always';
  }

  /** The redaction every record passes before it is written: what leaves the daemon otherwise (inspectors) passes it too. */
  get redactor(): Redactor {
    return this.opts.redact;
  }

  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  /** The cause, once the log has failed (fail-stop); undefined while it is healthy. */
  get failure(): EventLogFailure | undefined {
    return this.failed;
  }

  /** Registers a listener; a listener registered after a failure hears it at once. Returns an unsubscribe. */
  listen(listener: EventLogListener): () => void {
    if (this.failed) listener.failed?.(this.failed);
    else this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** Sequences a record now; it is serialised at the next commit. Throws the failure once the log failed. */
  append(record: Omit<LogRecord, 'seq'>): OpenRecord {
    if (this.failed) throw this.failed;
    if (this.closed) throw new Error('event log is closed');
    const open: OpenRecord = { seq: this.nextSeq++, ...record };
    this.batch.push(open);
    if (this.opts.fsync === 'group' && this.timer === undefined) {
      this.timer = setTimeout(() => void this.flush(), this.opts.commitDelayMs);
    }
    return open;
  }

  /** Resolves once every record appended so far is on disk; rejects with the failure if that cannot happen. */
  durable(): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    if (this.batch.length === 0) return this.writing.then(() => this.throwIfFailed());
    this.soon ??= setImmediate(() => {
      this.soon = undefined;
      void this.flush();
    });
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /**
   * Writes and fsyncs the pending batch now, synchronously: the per-record path of `fsync: always`.
   * Throws the failure (after telling the listeners) when the write or the fdatasync fails.
   */
  commitSync(): void {
    this.throwIfFailed();
    if (this.syncing) throw new Error('commitSync() while a group commit is in flight: use one commit mode per log');
    if (this.batch.length === 0) return;
    const waiters = this.takeWaiters();
    const { data, records } = this.takeBatch(waiters);
    const fd = this.segmentFor(records[0]!.seq, data.length, waiters);
    this.attempt('write', waiters, () => writeAll(this.opts.fs, fd, data));
    this.attempt('fdatasync', waiters, () => this.opts.fs.fdatasyncSync(fd));
    this.account(records, data.length);
    for (const waiter of waiters) waiter.resolve();
  }

  /** Writes and fsyncs the pending batch (group commit). Rejects with the failure once the log failed. */
  commit(): Promise<void> {
    return this.flush().then(() => this.throwIfFailed());
  }

  /** Commits what is pending and releases the segment file; rejects with the failure if the log failed. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    clearTimeout(this.timer);
    clearImmediate(this.soon);
    const fd = this.fd;
    this.fd = undefined;
    if (fd !== undefined && !this.failed) {
      try {
        this.attempt('close', [], () => this.opts.fs.closeSync(fd));
      } catch {
        // attempt() recorded the failure and told the listeners; it is thrown just below.
      }
    } else if (fd !== undefined) {
      try {
        this.opts.fs.closeSync(fd);
      } catch {
        // The log already failed for a reason that was reported; this only releases the descriptor.
      }
    }
    this.throwIfFailed();
  }

  /** Removes segments that retention or the size cap let go. Returns the removed file paths. */
  collect(): Promise<string[]> {
    // Serialised: a rotation and a caller may both ask; each pass sees the previous one's result.
    const pass = this.collecting.then(() => this.collectNow());
    // The chain only orders passes; this pass's own error reaches its caller through `pass`.
    this.collecting = pass.catch(() => []);
    return pass;
  }

  private async collectNow(): Promise<string[]> {
    const removed: string[] = [];
    for (const { segment, lostLive } of this.book.collectable(this.opts.now(), this.opts.retentionMs, this.opts.maxBytes)) {
      await rm(segment.file.path, { force: true });
      this.book.remove(segment);
      removed.push(segment.file.path);
      this.opts.onSegmentRemoved?.({ file: segment.file.path, lostLive });
    }
    return removed;
  }

  /** Queues a commit of the pending batch behind the one in flight; the promise never rejects. */
  private flush(): Promise<void> {
    this.writing = this.writing.then(() => this.writeBatch());
    return this.writing;
  }

  private writeBatch(): Promise<void> | undefined {
    if (this.failed || this.batch.length === 0) return;
    if (this.strict) {
      try {
        this.commitSync();
      } catch (error) {
        // A failure is in `failed` (and was reported); anything else is a bug to surface.
        if (error !== this.failed) throw error;
      }
      return;
    }
    const waiters = this.takeWaiters();
    let fd: number;
    let data: Buffer;
    let records: OpenRecord[];
    try {
      ({ data, records } = this.takeBatch(waiters));
      fd = this.segmentFor(records[0]!.seq, data.length, waiters);
      this.attempt('write', waiters, () => writeAll(this.opts.fs, fd, data));
    } catch (error) {
      // attempt() has recorded a file failure already; anything else lost the batch all the same.
      if (error !== this.failed) this.fail('write', this.current?.file.path ?? this.opts.dir, error, waiters);
      return;
    }
    this.syncing = true;
    return new Promise<void>((resolve) => {
      this.opts.fs.fdatasync(fd, (error) => {
        this.syncing = false;
        if (error) {
          this.fail('fdatasync', this.current?.file.path ?? this.opts.dir, error, waiters);
        } else {
          this.account(records, data.length);
          for (const waiter of waiters) waiter.resolve();
        }
        resolve();
      });
    });
  }

  private takeWaiters(): Waiter[] {
    const waiters = this.waiters;
    this.waiters = [];
    return waiters;
  }

  private takeBatch(waiters: Waiter[]): { data: Buffer; records: OpenRecord[] } {
    clearTimeout(this.timer);
    this.timer = undefined;
    const records = this.batch;
    this.batch = [];
    // Serialising cannot fail for plain data; if it does, the batch is lost, and that is a failure too.
    return this.attempt('write', waiters, () => {
      let text = '';
      for (const record of records) text += `${encodeRecord(this.opts.redact(record))}\n`;
      return { data: Buffer.from(text), records };
    });
  }

  /** The descriptor to write `incomingBytes` to: the current segment, or a new one when it is full. */
  private segmentFor(firstSeq: number, incomingBytes: number, waiters: Waiter[]): number {
    const full = this.current !== undefined && this.current.sizeBytes > 0 && this.current.sizeBytes + incomingBytes > this.opts.segmentBytes;
    if (this.fd !== undefined && !full) return this.fd;
    if (this.fd !== undefined) {
      const old = this.fd;
      this.fd = undefined;
      this.attempt('close', waiters, () => this.opts.fs.closeSync(old));
      // Not fatal: the segment stays on disk and the next pass tries again; the owner hears of it if it asked.
      this.collect().catch((error: unknown) => this.opts.onCollectFailed?.(error));
    }
    const file = { path: join(this.opts.dir, segmentName(firstSeq)), firstSeq };
    this.fd = this.attempt('open', waiters, () => this.opts.fs.openSync(file.path, 'a'), file.path);
    const previous = this.book.segments.at(-1);
    this.current = this.book.addSegment(file);
    this.started = previous ? { before: previous.file.firstSeq } : undefined;
    return this.fd;
  }

  /** Runs one file operation; a throw puts the log in the failed state and rethrows the failure. */
  private attempt<T>(operation: LogOperation, waiters: Waiter[], run: () => T, file = this.current?.file.path ?? this.opts.dir): T {
    try {
      return run();
    } catch (error) {
      throw this.fail(operation, file, error, waiters);
    }
  }

  /** Enters the failed state (once), rejecting these waiters and every other one, and tells the listeners. */
  private fail(operation: LogOperation, file: string, cause: unknown, waiters: Waiter[]): EventLogFailure {
    const failure = this.failed ?? new EventLogFailure(operation, file, cause);
    const first = this.failed === undefined;
    this.failed = failure;
    clearTimeout(this.timer);
    this.timer = undefined;
    clearImmediate(this.soon);
    this.soon = undefined;
    this.batch = [];
    for (const waiter of [...waiters, ...this.takeWaiters()]) waiter.reject(failure);
    if (first) for (const listener of this.listeners) listener.failed?.(failure);
    return failure;
  }

  private throwIfFailed(): void {
    if (this.failed) throw this.failed;
  }

  private account(records: OpenRecord[], bytes: number): void {
    const segment = this.current!;
    segment.sizeBytes += bytes;
    for (const record of records) this.book.note(segment, record);
    if (this.started === undefined) return;
    // Told once the segment's first batch is on disk, outside the write path: listeners may append.
    const stale = this.book.keysStartingBefore(this.started.before);
    this.started = undefined;
    for (const listener of this.listeners) listener.segmentStarted?.({ file: segment.file.path, stale });
  }
}

/**
 * Appends `data` to the file. The write is synchronous: it only copies a batch (kilobytes) into
 * the page cache, which costs microseconds, while a thread-pool round trip costs about a
 * millisecond on a busy node, and every effect that acts waits for the commit. Only the
 * fdatasync goes to the pool: one round trip per commit.
 */
function writeAll(fs: LogFs, fd: number, data: Buffer): void {
  for (let done = 0; done < data.length; ) done += fs.writeSync(fd, data, done, data.length - done);
}
