// Exec-based environment reads: the commands per OS, and output bytes to GoText.
import { describe, expect, it } from 'vitest';
import { platformProfile } from '../../../adapters/platform/index.js';
import { decodeEnvOutput, envReadCommands, goTextFromBytes } from '../../../adapters/platform/env-read.js';
import { FakeFs, FakeProcess, FakeRunner, RecordingSleep } from './fakes.js';

const seams = { fs: new FakeFs(), process: new FakeProcess(), sleep: new RecordingSleep().sleep, run: new FakeRunner().run, env: {} };
const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);

describe('env read commands', () => {
  it('tries `env -0`, then the profile’s `env`, on Linux', () => {
    expect(envReadCommands(platformProfile('linux', seams))).toEqual([
      { argv: ['env', '-0'], output: 'nul' },
      { argv: ['env'], output: 'lines' },
    ]);
  });

  it('runs `cmd /c set` on Windows', () => {
    expect(envReadCommands(platformProfile('windows', seams))).toEqual([{ argv: ['cmd', '/c', 'set'], output: 'lines' }]);
  });
});

describe('exec output to GoText', () => {
  it('decodes valid UTF-8 as it is, a BOM included', () => {
    expect(goTextFromBytes(new TextEncoder().encode('\ufeffA=é 😀\n'))).toBe('\ufeffA=é 😀\n');
  });

  it('keeps each byte that is not UTF-8 as U+DC00 + byte, the way Go’s utf8.DecodeRune splits them', () => {
    expect(goTextFromBytes(bytes(0x41, 0xff, 0x42))).toBe('A\udcffB');
    expect(goTextFromBytes(bytes(0xed, 0xa0, 0x80))).toBe('\udced\udca0\udc80'); // a surrogate in CESU form: three bytes
    expect(goTextFromBytes(bytes(0xc0, 0x80))).toBe('\udcc0\udc80'); // overlong
    expect(goTextFromBytes(bytes(0xe2, 0x82, 0x41))).toBe('\udce2\udc82A'); // truncated
    expect(goTextFromBytes(bytes(0xf4, 0x90, 0x80, 0x80))).toBe('\udcf4\udc90\udc80\udc80'); // past U+10FFFF
    expect(goTextFromBytes(bytes(0xff, 0xc2, 0x85))).toBe('\udcff\u0085'); // the valid sequence after it stays one character
  });

  it('decodes Windows output from UTF-16LE with a BOM and drops a UTF-8 BOM there, but not on Linux', () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('A=é\r\n', 'utf16le')]);
    expect(decodeEnvOutput(utf16, 'windows')).toBe('A=é\r\n');
    const utf8Bom = Buffer.from('\ufeffA=1\r\n');
    expect(decodeEnvOutput(utf8Bom, 'windows')).toBe('A=1\r\n');
    expect(decodeEnvOutput(utf8Bom, 'linux')).toBe('\ufeffA=1\r\n');
  });
});
