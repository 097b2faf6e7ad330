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
import { closeSync, fdatasync, fdatasyncSync, openSync, writeSync } from 'node:fs';
import { mkdir, rm, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeRecord, type LogRecord } from './record.js';
import { createRedactor, type Redactor } from './redact.js';
import { SegmentBook, type SegmentInfo } from './segment-book.js';
import { listSegments, segmentName } from './segments.js';
import { RecoveryIndex } from './recovery-index.js';
import { scanSegment, type CorruptRecord, type TornTail } from './scan.js';

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
  /** Called when retention or the size cap removes a segment. */
  readonly onSegmentRemoved?: (info: { file: string; lostLive: string[] }) => void;
}

export interface OpenedLog {
  readonly log: EventLog;
  /** The unfinished actors' records and the finished keys: what recovery folds. */
  readonly recovery: RecoveryIndex;
  readonly tornTails: TornTail[];
  readonly corrupt: CorruptRecord[];
}

/** A record that has been sequenced but not yet serialised: the host may still set `state`. */
export type OpenRecord = { -readonly [K in keyof LogRecord]: LogRecord[K] };

export class EventLog {
  private nextSeq: number;
  private batch: OpenRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** A commit at the end of this event-loop turn, asked for by a durable() waiter. */
  private soon: NodeJS.Immediate | undefined;
  private writing: Promise<void> = Promise.resolve();
  private waiters: Array<() => void> = [];
  private fd: number | undefined;
  private current: SegmentInfo | undefined;
  private closed = false;
  private collecting: Promise<unknown> = Promise.resolve();
  private readonly opts: Required<Omit<EventLogOptions, 'onSegmentRemoved'>> & Pick<EventLogOptions, 'onSegmentRemoved'>;

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

  /** Sequences a record now; it is serialised at the next commit. */
  append(record: Omit<LogRecord, 'seq'>): OpenRecord {
    if (this.closed) throw new Error('event log is closed');
    const open: OpenRecord = { seq: this.nextSeq++, ...record };
    this.batch.push(open);
    if (this.opts.fsync === 'group' && this.timer === undefined) {
      this.timer = setTimeout(() => void this.commit(), this.opts.commitDelayMs);
    }
    return open;
  }

  /** Resolves once every record appended so far is on disk. */
  durable(): Promise<void> {
    if (this.batch.length === 0) return this.writing;
    this.soon ??= setImmediate(() => {
      this.soon = undefined;
      void this.commit();
    });
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Writes and fsyncs the pending batch now, synchronously (per-record durability). */
  commitSync(): void {
    if (this.batch.length === 0) return;
    const { data, records } = this.takeBatch();
    this.ensureSegmentSync(records[0]!.seq, data.length);
    for (let done = 0; done < data.length; ) done += writeSync(this.fd!, data, done);
    fdatasyncSync(this.fd!);
    this.account(records, data.length);
    this.releaseWaiters();
  }

  /** Writes and fsyncs the pending batch (group commit). */
  commit(): Promise<void> {
    this.writing = this.writing.then(() => {
      if (this.batch.length === 0) return;
      const waiters = this.waiters;
      this.waiters = [];
      const { data, records } = this.takeBatch();
      this.ensureSegmentSync(records[0]!.seq, data.length);
      const fd = this.fd!;
      return writeAndSync(fd, data).then(() => {
        this.account(records, data.length);
        for (const resolve of waiters) resolve();
      });
    });
    return this.writing;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.commit();
    this.closed = true;
    clearTimeout(this.timer);
    clearImmediate(this.soon);
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /** Removes segments that retention or the size cap let go. Returns the removed file paths. */
  collect(): Promise<string[]> {
    // Serialised: a rotation and a caller may both ask; each pass sees the previous one's result.
    const pass = this.collecting.then(() => this.collectNow());
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

  private takeBatch(): { data: Buffer; records: OpenRecord[] } {
    clearTimeout(this.timer);
    this.timer = undefined;
    const records = this.batch;
    this.batch = [];
    let text = '';
    for (const record of records) text += `${encodeRecord(this.opts.redact(record))}\n`;
    return { data: Buffer.from(text), records };
  }

  private ensureSegmentSync(firstSeq: number, incomingBytes: number): void {
    const full = this.current !== undefined && this.current.sizeBytes > 0 && this.current.sizeBytes + incomingBytes > this.opts.segmentBytes;
    if (this.fd !== undefined && !full) return;
    if (this.fd !== undefined) {
      closeSync(this.fd);
      this.fd = undefined;
      void this.collect();
    }
    const file = { path: join(this.opts.dir, segmentName(firstSeq)), firstSeq };
    this.fd = openSync(file.path, 'a');
    this.current = this.book.addSegment(file);
  }

  private account(records: OpenRecord[], bytes: number): void {
    const segment = this.current!;
    segment.sizeBytes += bytes;
    for (const record of records) this.book.note(segment, record);
  }

  private releaseWaiters(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}

/**
 * Appends `data` to the file, then fdatasyncs it without blocking the loop. The write itself is
 * synchronous: it only copies a batch (kilobytes) into the page cache, which costs microseconds,
 * while a thread-pool round trip costs about a millisecond on a busy node, and every effect that
 * acts waits for this.
 */
async function writeAndSync(fd: number, data: Buffer): Promise<void> {
  for (let done = 0; done < data.length; ) done += writeSync(fd, data, done, data.length - done);
  await new Promise<void>((resolve, reject) => fdatasync(fd, (error) => (error ? reject(error) : resolve())));
}
