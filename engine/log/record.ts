// One line of the event log: a JSON object whose last member is a CRC32 of the line before it.
//
// `{"seq":7,"time":1764236800123,"key":"…","machine":"blobFetch","version":"1","kind":"event",
//   "event":{…},"state":"9f2c…","crc":"1a2b3c4d"}`
//
// The CRC covers the JSON text of the record without its `crc` member, so verifying a line needs
// no re-serialisation: strip the fixed-width suffix, close the object, checksum.
import { crc32 } from 'node:zlib';

export type RecordKind =
  /** An actor was created for a key; `input` holds what it was created with. */
  | 'spawn'
  /** An event the host delivered from outside (an observation, a command). */
  | 'event'
  /** An event XState produced inside the actor: `xstate.after.*`, `xstate.done.actor.*`, child sends. */
  | 'internal'
  /** The actor ended: `reason` is done (final state), error (it failed) or released (host stopped it). */
  | 'stop'
  /**
   * The actor's persisted snapshot, pending timers and spawn input at this point (checkpoint.ts):
   * recovery and replay can start the incarnation here, so its older records are no longer needed.
   */
  | 'checkpoint';

export interface LogRecord {
  readonly seq: number;
  /** Wall-clock milliseconds since the epoch, from the host's clock. */
  readonly time: number;
  readonly key: string;
  readonly machine: string;
  readonly version: string;
  readonly kind: RecordKind;
  /** The delivered event (event, internal), the spawn input (spawn), `{ reason, error? }` (stop), or a CheckpointBody. */
  readonly event: unknown;
  /** Hash of the snapshot the record led to (see snapshot-hash.ts); absent on stop records. */
  readonly state?: string | undefined;
}

const CRC_SUFFIX_LENGTH = ',"crc":"00000000"}'.length;
const CRC_SUFFIX_PATTERN = /,"crc":"([0-9a-f]{8})"\}$/;

export function encodeRecord(record: LogRecord): string {
  const body = JSON.stringify(record);
  const crc = crc32(body).toString(16).padStart(8, '0');
  return `${body.slice(0, -1)},"crc":"${crc}"}`;
}

export class RecordDecodeError extends Error {
  override readonly name = 'RecordDecodeError';
}

/** Decodes one line (without its newline); throws RecordDecodeError when it is not a sound record. */
export function decodeRecord(line: string): LogRecord {
  const match = CRC_SUFFIX_PATTERN.exec(line);
  if (!match) throw new RecordDecodeError('line has no crc member');
  const body = `${line.slice(0, line.length - CRC_SUFFIX_LENGTH)}}`;
  const expected = match[1];
  const actual = crc32(body).toString(16).padStart(8, '0');
  if (actual !== expected) throw new RecordDecodeError(`crc mismatch: line says ${expected}, content gives ${actual}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    throw new RecordDecodeError(`not JSON: ${(error as Error).message}`);
  }
  if (!isRecordShape(parsed)) throw new RecordDecodeError('JSON is not a log record');
  return parsed;
}

const CRC_PREFIX = Buffer.from(',"crc":"');
const CLOSING_BRACE = Buffer.from('}');

/**
 * Decodes the line in `buffer[start, end)` without building intermediate strings for the check:
 * the CRC runs over the bytes before the suffix, then the closing brace. Returns the record, or
 * the reason the line is not a sound one.
 */
export function decodeRecordBytes(buffer: Buffer, start: number, end: number): LogRecord | string {
  const suffixStart = end - CRC_SUFFIX_LENGTH;
  if (
    suffixStart <= start ||
    buffer[end - 1] !== 0x7d ||
    buffer[end - 2] !== 0x22 ||
    buffer.compare(CRC_PREFIX, 0, CRC_PREFIX.length, suffixStart, suffixStart + CRC_PREFIX.length) !== 0
  ) {
    return 'line has no crc member';
  }
  const expected = Number.parseInt(buffer.toString('latin1', end - 10, end - 2), 16);
  const actual = crc32(CLOSING_BRACE, crc32(buffer.subarray(start, suffixStart)));
  if (Number.isNaN(expected) || actual !== expected)
    return `crc mismatch: line says ${buffer.toString('latin1', end - 10, end - 2)}, content gives ${actual.toString(16).padStart(8, '0')}`;
  let parsed: unknown;
  try {
    // Parse the checked body (without the crc member): no `delete`, which would slow every later
    // property access on the record.
    parsed = JSON.parse(`${buffer.toString('utf8', start, suffixStart)}}`);
  } catch (error) {
    return `not JSON: ${(error as Error).message}`;
  }
  if (!isRecordShape(parsed)) return 'JSON is not a log record';
  return parsed;
}

function isRecordShape(value: unknown): value is LogRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return (
    Number.isSafeInteger(r.seq) &&
    typeof r.time === 'number' &&
    typeof r.key === 'string' &&
    typeof r.machine === 'string' &&
    typeof r.version === 'string' &&
    (r.kind === 'spawn' || r.kind === 'event' || r.kind === 'internal' || r.kind === 'stop' || r.kind === 'checkpoint')
  );
}
