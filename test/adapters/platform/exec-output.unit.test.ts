import { describe, expect, it } from 'vitest';
import { normaliseNewlines, platformProfile, splitLines, trimTrailingNewlines } from '../../../adapters/platform/index.js';
import { FakeFs, FakeProcess, FakeRunner, RecordingSleep } from './fakes.js';

const seams = { fs: new FakeFs(), process: new FakeProcess(), sleep: new RecordingSleep().sleep, run: new FakeRunner().run, env: {} };
const linux = platformProfile('linux', seams);
const windows = platformProfile('windows', seams);

describe('exec command shaping', () => {
  it.each([
    ['linux', ['env']],
    ['windows', ['cmd', '/c', 'set']],
  ] as const)('reads the environment on %s with %j', (os, argv) => {
    expect((os === 'linux' ? linux : windows).exec.envCommand).toEqual(argv);
  });

  it.each([
    ['linux', 'test -f /tmp/ready && echo ok', ['sh', '-c', 'test -f /tmp/ready && echo ok']],
    ['windows', 'if exist C:\\ready echo ok', ['cmd', '/c', 'if exist C:\\ready echo ok']],
  ] as const)('wraps a %s script for the default shell', (os, script, argv) => {
    expect((os === 'linux' ? linux : windows).exec.shell(script)).toEqual(argv);
  });

  it('wraps PowerShell scripts without profile or prompts on Windows and offers none on Linux', () => {
    expect(windows.exec.powershell?.('Get-Service w3svc')).toEqual(['powershell', '-NoProfile', '-NonInteractive', '-Command', 'Get-Service w3svc']);
    expect(linux.exec.powershell).toBeNull();
  });

  it.each([
    ['linux', '/etc/hostname', ['cat', '/etc/hostname']],
    ['windows', 'C:\\Program Files\\app\\ready.txt', ['cmd', '/c', 'type', 'C:\\Program Files\\app\\ready.txt']],
  ] as const)('prints a file on %s as separate argv elements', (os, file, argv) => {
    expect((os === 'linux' ? linux : windows).exec.readFile(file)).toEqual(argv);
  });

  it('treats environment variable names as case-insensitive on Windows only', () => {
    expect(windows.exec.envNamesCaseInsensitive).toBe(true);
    expect(linux.exec.envNamesCaseInsensitive).toBe(false);
  });

  it('never uses a POSIX tool in a Windows command', () => {
    const argvs = [windows.exec.envCommand, windows.exec.shell('x'), windows.exec.readFile('C:\\x')];
    for (const argv of argvs) expect(['env', 'sh', 'cat', 'test']).not.toContain(argv[0]);
  });
});

describe('output line endings', () => {
  const crlf = 'PATH=C:\\Windows\\system32\r\nFOO=bar=baz\r\n\r\n';

  it.each([
    ['a\r\nb\r\n', 'a\nb\n'],
    ['a\nb', 'a\nb'],
    ['lone\rcarriage', 'lone\rcarriage'],
    ['', ''],
  ])('normalises CRLF to LF in %j', (input, output) => {
    expect(normaliseNewlines(input)).toBe(output);
  });

  it.each([
    ['ok\r\n', 'ok'],
    ['ok\n\n\n', 'ok'],
    ['ok\r\n\r\n', 'ok'],
    ['ok', 'ok'],
    ['  ok  \n', '  ok  '],
  ])('removes trailing newlines from %j', (input, output) => {
    expect(trimTrailingNewlines(input)).toBe(output);
  });

  it.each([
    [crlf, ['PATH=C:\\Windows\\system32', 'FOO=bar=baz', '']],
    ['a\nb\n', ['a', 'b']],
    ['a\r\nb', ['a', 'b']],
    ['', []],
    ['\n', ['']],
  ])('splits %j into lines on \\r?\\n', (input, lines) => {
    expect(splitLines(input)).toEqual(lines);
    expect(windows.output.lines(input)).toEqual(lines);
    expect(linux.output.lines(input)).toEqual(lines);
  });

  it('normalises status text on Windows but keeps Linux output byte-exact, as upstream copies it', () => {
    expect(windows.output.normalise('probe ok\r\n')).toBe('probe ok\n');
    expect(linux.output.normalise('probe ok\r\n')).toBe('probe ok\r\n');
  });

  it('makes one-line messages for kruised logs on both OSes', () => {
    expect(windows.output.message('access denied\r\n')).toBe('access denied');
    expect(linux.output.message('No such file\n')).toBe('No such file');
    expect(windows.output.message('line 1\r\nline 2\r\n')).toBe('line 1\nline 2');
  });

  it('names the line ending each OS writes', () => {
    expect(windows.output.lineEnding).toBe('\r\n');
    expect(linux.output.lineEnding).toBe('\n');
  });
});

describe('output decoding', () => {
  const utf8 = new TextEncoder();

  it('decodes UTF-16LE with a BOM on Windows (PowerShell 5.1 redirection)', () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('ready\r\n', 'utf16le')]);
    expect(windows.output.decode(bytes)).toBe('ready\r\n');
  });

  it('drops a UTF-8 BOM on Windows and keeps it on Linux, as Go does', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('x')]);
    expect(windows.output.decode(bytes)).toBe('x');
    expect(linux.output.decode(bytes)).toBe('\uFEFFx');
  });

  it('decodes plain UTF-8 the same on both OSes and replaces invalid bytes instead of failing', () => {
    expect(linux.output.decode(utf8.encode('café'))).toBe('café');
    expect(windows.output.decode(utf8.encode('café'))).toBe('café');
    expect(linux.output.decode(Uint8Array.from([0x61, 0xff, 0x62]))).toBe('a\uFFFDb');
  });
});
