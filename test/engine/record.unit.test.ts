import { describe, expect, it } from 'vitest';
import { decodeRecord, encodeRecord, RecordDecodeError, type LogRecord } from '../../engine/log/record.js';

const record: LogRecord = {
  seq: 42,
  time: 1_764_236_800_123,
  key: 'ns/pod',
  machine: 'counter',
  version: '1',
  kind: 'event',
  event: { type: 'test.bump', note: 'é ✓' },
  state: 'abc',
};

describe('event log records', () => {
  it('encodes a record as one JSON line whose last member is a crc32 and decodes it back', () => {
    const line = encodeRecord(record);
    expect(line).not.toContain('\n');
    expect(line).toMatch(/,"crc":"[0-9a-f]{8}"\}$/);
    expect(JSON.parse(line).seq).toBe(42);
    expect(decodeRecord(line)).toEqual(record);
  });

  it('rejects a line whose content was changed after it was written', () => {
    const line = encodeRecord(record).replace('test.bump', 'test.bumq');
    expect(() => decodeRecord(line)).toThrow(RecordDecodeError);
    expect(() => decodeRecord(line)).toThrow(/crc mismatch/);
  });

  it('rejects a line cut short and a line that is not a record', () => {
    const line = encodeRecord(record);
    expect(() => decodeRecord(line.slice(0, line.length - 5))).toThrow(/no crc member/);
    expect(() => decodeRecord('{"hello":"world","crc":"00000000"}')).toThrow(RecordDecodeError);
  });
});
