// Reading and verifying segment files. Every line is self-checking (CRC32), so a scan can tell a
// torn tail (the last write of a crashed process: only invalid bytes after the last good record)
// from corruption in the middle (a bad line with good records after it), and says where.
import { readFile } from 'node:fs/promises';
import { decodeRecord, type LogRecord } from './record.js';
import type { SegmentFile } from './segments.js';

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
  readonly records: LogRecord[];
  readonly corrupt: CorruptRecord[];
  readonly tornTail?: TornTail;
  readonly sizeBytes: number;
}

export async function scanSegment(segment: SegmentFile): Promise<SegmentScan> {
  const buffer = await readFile(segment.path);
  const records: LogRecord[] = [];
  const bad: CorruptRecord[] = [];
  let offset = 0;
  let line = 0;
  let validBytes = 0;
  while (offset < buffer.length) {
    line += 1;
    const newline = buffer.indexOf(0x0a, offset);
    const end = newline === -1 ? buffer.length : newline;
    const text = buffer.toString('utf8', offset, end);
    if (newline === -1) {
      bad.push({ file: segment.path, line, offset, reason: 'incomplete line (no newline)' });
    } else if (text.length > 0) {
      try {
        records.push(decodeRecord(text));
        validBytes = end + 1;
      } catch (error) {
        bad.push({ file: segment.path, line, offset, reason: (error as Error).message });
      }
    } else {
      validBytes = validBytes === offset ? end + 1 : validBytes;
    }
    offset = end + 1;
  }
  // Bad lines after the last good record are a torn tail; bad lines before it are corruption.
  const corrupt = bad.filter((entry) => entry.offset < validBytes);
  const tornBytes = buffer.length - validBytes;
  const tornTail = tornBytes > 0 ? { file: segment.path, validBytes, tornBytes } : undefined;
  return { segment, records, corrupt, sizeBytes: buffer.length, ...(tornTail ? { tornTail } : {}) };
}
