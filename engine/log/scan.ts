// Reading and verifying segment files, streaming: a segment is read in 1 MiB chunks and each
// line handed on as soon as it is verified, so opening or replaying a large log needs memory for
// what the caller keeps, not for the file. Every line is self-checking (CRC32), so a scan tells
// a torn tail (only invalid bytes after the last good record: the last write of a crashed
// process) from corruption in the middle (a bad line with good records after it), and says where.
import { open } from 'node:fs/promises';
import { decodeRecordBytes, type LogRecord } from './record.js';
import { listSegments, type SegmentFile } from './segments.js';

export interface RecordPosition {
  readonly file: string;
  /** 1-based line number within the file. */
  readonly line: number;
  /** Byte offset of the line's first byte. */
  readonly offset: number;
}

export interface CorruptRecord extends RecordPosition {
  readonly reason: string;
}

export interface TornTail {
  readonly file: string;
  /** Byte length of the file's valid prefix: truncating to it removes the torn write. */
  readonly validBytes: number;
  readonly tornBytes: number;
}

export interface SegmentScan {
  readonly segment: SegmentFile;
  readonly records: number;
  readonly corrupt: CorruptRecord[];
  readonly tornTail?: TornTail;
  readonly sizeBytes: number;
}

export class CorruptLogError extends Error {
  override readonly name = 'CorruptLogError';
  constructor(readonly record: CorruptRecord) {
    super(`corrupt record at ${record.file}:${record.line} (byte ${record.offset}): ${record.reason}`);
  }
}

export interface ScanOptions {
  /** Receives each valid record in order; returning false stops the scan. */
  readonly onRecord: (record: LogRecord) => boolean | undefined;
  /** Throw CorruptLogError at the first corrupt middle record instead of collecting it. */
  readonly failOnCorrupt?: boolean;
}

const CHUNK_BYTES = 1024 * 1024;

export async function scanSegment(segment: SegmentFile, options: ScanOptions): Promise<SegmentScan> {
  const handle = await open(segment.path, 'r');
  const bad: CorruptRecord[] = [];
  const corrupt: CorruptRecord[] = [];
  let carry = Buffer.alloc(0);
  let carryOffset = 0; // file offset of carry[0]
  let line = 0;
  let validBytes = 0;
  let records = 0;
  let stopped = false;
  const good = (record: LogRecord, end: number) => {
    // Bad lines before a good one are corruption, not a torn tail.
    for (const entry of bad.splice(0)) {
      if (options.failOnCorrupt) throw new CorruptLogError(entry);
      corrupt.push(entry);
    }
    validBytes = end;
    records += 1;
    if (options.onRecord(record) === false) stopped = true;
  };
  try {
    const { size } = await handle.stat();
    for (let position = 0; position < size && !stopped; ) {
      const chunk = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, size - position));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      const buffer = carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
      let start = 0;
      for (let newline = buffer.indexOf(0x0a, start); newline !== -1 && !stopped; newline = buffer.indexOf(0x0a, start)) {
        line += 1;
        const offset = carryOffset + start;
        if (newline > start) {
          const decoded = decodeRecordBytes(buffer, start, newline);
          if (typeof decoded === 'string') bad.push({ file: segment.path, line, offset, reason: decoded });
          else good(decoded, carryOffset + newline + 1);
        } else if (validBytes === offset) {
          validBytes = offset + 1; // an empty line right after a good one
        }
        start = newline + 1;
      }
      carryOffset += start;
      carry = Buffer.from(buffer.subarray(start));
    }
    if (carry.length > 0 && !stopped) bad.push({ file: segment.path, line: line + 1, offset: carryOffset, reason: 'incomplete line (no newline)' });
    const tornBytes = stopped ? 0 : size - validBytes;
    const tornTail = tornBytes > 0 ? { file: segment.path, validBytes, tornBytes } : undefined;
    return { segment, records, corrupt, sizeBytes: size, ...(tornTail ? { tornTail } : {}) };
  } finally {
    await handle.close();
  }
}

/** Every valid record of a log directory, in order. For tests and small tools: it holds them all. */
export async function readAllRecords(dir: string): Promise<LogRecord[]> {
  const records: LogRecord[] = [];
  for (const segment of await listSegments(dir)) {
    await scanSegment(segment, { onRecord: (record) => void records.push(record) });
  }
  return records;
}
