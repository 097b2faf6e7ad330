import { describe, expect, it } from 'vitest';
import { hex32, linuxSignalName, platformProfile } from '../../../adapters/platform/index.js';
import { FakeFs, FakeProcess, FakeRunner, RecordingSleep } from './fakes.js';

const seams = { fs: new FakeFs(), process: new FakeProcess(), sleep: new RecordingSleep().sleep, run: new FakeRunner().run, env: {} };
const linux = platformProfile('linux', seams);
const windows = platformProfile('windows', seams);

describe('Windows exit codes', () => {
  it.each([
    [
      -1073741510,
      3221225786,
      '0xC000013A',
      'STATUS_CONTROL_C_EXIT',
      'exit code 0xC000013A STATUS_CONTROL_C_EXIT (ended by a Ctrl event, as on a container stop, reported as -1073741510)',
    ],
    [
      0xc0000005 | 0,
      0xc0000005,
      '0xC0000005',
      'STATUS_ACCESS_VIOLATION',
      'exit code 0xC0000005 STATUS_ACCESS_VIOLATION (invalid memory access, reported as -1073741819)',
    ],
    [0xc0000005, 0xc0000005, '0xC0000005', 'STATUS_ACCESS_VIOLATION', 'exit code 0xC0000005 STATUS_ACCESS_VIOLATION (invalid memory access)'],
    [
      -1073741819,
      0xc0000005,
      '0xC0000005',
      'STATUS_ACCESS_VIOLATION',
      'exit code 0xC0000005 STATUS_ACCESS_VIOLATION (invalid memory access, reported as -1073741819)',
    ],
    [-1073740791, 0xc0000409, '0xC0000409', 'STATUS_STACK_BUFFER_OVERRUN', undefined],
    [-1073741515, 0xc0000135, '0xC0000135', 'STATUS_DLL_NOT_FOUND', undefined],
    [-532462766, 0xe0434352, '0xE0434352', 'CLR_EXCEPTION', undefined],
    [9009, 9009, '0x00002331', 'MSG_DIR_BAD_COMMAND_OR_FILE', 'exit code 9009 MSG_DIR_BAD_COMMAND_OR_FILE (cmd.exe: command not recognised)'],
    [1, 1, '0x00000001', undefined, 'exit code 1'],
    [137, 137, '0x00000089', undefined, 'exit code 137'],
    [143, 143, '0x0000008F', undefined, 'exit code 143'],
    [-1073741823, 0xc0000001, '0xC0000001', undefined, 'exit code 0xC0000001 (an NTSTATUS error, reported as -1073741823)'],
    [0x8000ffff | 0, 0x8000ffff, '0x8000FFFF', undefined, 'exit code 0x8000FFFF (an NTSTATUS warning, reported as -2147418113)'],
  ])('describes %d as unsigned %d, %s, name %s', (raw, unsigned, hex, name, message) => {
    const info = windows.exitCodes.describe(raw);
    expect(info.raw).toBe(raw);
    expect(info.unsigned).toBe(unsigned);
    expect(info.hex).toBe(hex);
    expect(info.name).toBe(name);
    expect(info.success).toBe(false);
    expect(info.signal).toBeUndefined();
    if (message !== undefined) expect(windows.exitCodes.message(raw)).toBe(message);
  });

  it('treats 0 as the only success', () => {
    expect(windows.exitCodes.describe(0)).toEqual({ raw: 0, unsigned: 0, hex: '0x00000000', success: true });
    expect(windows.exitCodes.message(0)).toBe('exit code 0');
  });

  it('formats any int32 as 8 upper-case hex digits of its unsigned value', () => {
    expect(hex32(-1)).toBe('0xFFFFFFFF');
    expect(hex32(-1073741510)).toBe('0xC000013A');
    expect(hex32(255)).toBe('0x000000FF');
  });
});

describe('Linux exit codes', () => {
  it.each([
    [137, 'SIGKILL', 9, 'exit code 137 (128+9: killed by SIGKILL)'],
    [143, 'SIGTERM', 15, 'exit code 143 (128+15: killed by SIGTERM)'],
    [139, 'SIGSEGV', 11, 'exit code 139 (128+11: killed by SIGSEGV)'],
    [130, 'SIGINT', 2, 'exit code 130 (128+2: killed by SIGINT)'],
    [134, 'SIGABRT', 6, 'exit code 134 (128+6: killed by SIGABRT)'],
  ])('names %d as %s (signal %d)', (raw, name, number, message) => {
    const info = linux.exitCodes.describe(raw);
    expect(info.signal).toEqual({ name, number });
    expect(info.name).toBe(name);
    expect(info.success).toBe(false);
    expect(linux.exitCodes.message(raw)).toBe(message);
  });

  it.each([
    [1, 'exit code 1', undefined],
    [2, 'exit code 2', undefined],
    [126, 'exit code 126 (command found but not executable)', 'EXIT_CANNOT_EXECUTE'],
    [127, 'exit code 127 (command not found)', 'EXIT_COMMAND_NOT_FOUND'],
    [128, 'exit code 128', undefined],
    [255, 'exit code 255', undefined],
  ])('describes %d without a signal', (raw, message, name) => {
    const info = linux.exitCodes.describe(raw);
    expect(info.signal).toBeUndefined();
    expect(info.name).toBe(name);
    expect(info.success).toBe(false);
    expect(linux.exitCodes.message(raw)).toBe(message);
  });

  it('does not invent NTSTATUS names for negative codes on Linux', () => {
    const info = linux.exitCodes.describe(-1073741510);
    expect(info.name).toBeUndefined();
    expect(info.hex).toBe('0xC000013A');
    expect(linux.exitCodes.message(-1073741510)).toBe('exit code -1073741510');
  });

  it('knows real-time signal names and rejects numbers past 64', () => {
    expect(linuxSignalName(34)).toBe('SIGRTMIN+0');
    expect(linuxSignalName(64)).toBe('SIGRTMIN+30');
    expect(linuxSignalName(65)).toBeUndefined();
    expect(linuxSignalName(0)).toBeUndefined();
  });

  it('treats 0 as the only success', () => {
    expect(linux.exitCodes.describe(0).success).toBe(true);
    expect(linux.exitCodes.describe(1).success).toBe(false);
  });
});
