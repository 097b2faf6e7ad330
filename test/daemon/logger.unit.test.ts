import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { LOG_REDACT_PATHS, createLogger, levelForVerbosity } from '../../daemon/logger.js';

function capture(isTTY = false): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  if (isTTY) Object.assign(stream, { isTTY: true });
  let buf = '';
  return {
    stream,
    text: () => {
      for (let chunk = stream.read(); chunk !== null; chunk = stream.read()) buf += String(chunk);
      return buf;
    },
  };
}

const jsonLines = (text: string): Record<string, unknown>[] =>
  text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('createLogger json format', () => {
  it('emits one JSON object per line with pino default fields', () => {
    const out = capture();
    const log = createLogger({ format: 'json', destination: out.stream });
    log.info({ node: 'n1' }, 'started');
    log.warn('careful');
    const lines = jsonLines(out.text());
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ level: 30, msg: 'started', node: 'n1', pid: process.pid });
    expect(typeof lines[0]!.time).toBe('number');
    expect(typeof lines[0]!.hostname).toBe('string');
    expect(lines[1]).toMatchObject({ level: 40, msg: 'careful' });
  });

  it('redacts passwords, tokens, auth headers and docker config secrets', () => {
    const out = capture();
    const log = createLogger({ format: 'json', destination: out.stream });
    log.info(
      {
        password: 'pw-top',
        token: 'tok-top',
        authorization: 'Bearer top',
        registryAuth: 'ra-top',
        headers: { authorization: 'Basic hdr', accept: 'json' },
        creds: {
          username: 'alice',
          password: 'pw-nested',
          auth: 'auth-nested',
          token: 'tok-nested',
          dockerconfigjson: 'dcj-nested',
          registryAuth: 'ra-nested',
          headers: { authorization: 'Basic nested' },
        },
        data: { '.dockerconfigjson': 'dcj-data', '.dockercfg': 'cfg-data' },
        pullSecret: { data: { '.dockerconfigjson': 'dcj-deep', '.dockercfg': 'cfg-deep' }, secret: 's-nested' },
      },
      'pulling',
    );
    const text = out.text();
    for (const leaked of [
      'pw-top',
      'tok-top',
      'Bearer top',
      'ra-top',
      'Basic hdr',
      'pw-nested',
      'auth-nested',
      'tok-nested',
      'dcj-nested',
      'ra-nested',
      'Basic nested',
      'dcj-data',
      'cfg-data',
      'dcj-deep',
      'cfg-deep',
      's-nested',
    ]) {
      expect(text).not.toContain(leaked);
    }
    const [line] = jsonLines(text);
    expect(line).toMatchObject({
      password: '[REDACTED]',
      headers: { authorization: '[REDACTED]', accept: 'json' },
      creds: { username: 'alice', password: '[REDACTED]' },
      data: { '.dockerconfigjson': '[REDACTED]' },
    });
  });

  it('keeps the redact path list in one exported constant', () => {
    expect(LOG_REDACT_PATHS).toContain('*.password');
    expect(LOG_REDACT_PATHS).toContain('*.data[".dockercfg"]');
    expect(LOG_REDACT_PATHS).toHaveLength(20);
  });

  it('writes synchronously to a file descriptor destination', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kruised-logger-'));
    dirs.push(dir);
    const file = join(dir, 'log.jsonl');
    const fd = openSync(file, 'w');
    try {
      createLogger({ format: 'json', destination: fd }).info({ secret: 'hush' }, 'to file');
      const [line] = jsonLines(readFileSync(file, 'utf8')); // no await: the write already happened
      expect(line).toMatchObject({ msg: 'to file', secret: '[REDACTED]' });
    } finally {
      closeSync(fd);
    }
  });
});

describe('createLogger levels', () => {
  it('maps klog verbosity to pino levels', () => {
    expect(levelForVerbosity(0)).toBe('info');
    expect(levelForVerbosity(3)).toBe('info');
    expect(levelForVerbosity(4)).toBe('debug');
    expect(levelForVerbosity(5)).toBe('debug');
    expect(levelForVerbosity(6)).toBe('trace');
  });

  it('drops debug lines at verbosity 0 and keeps them at verbosity 4', () => {
    const quiet = capture();
    createLogger({ format: 'json', destination: quiet.stream }).debug('hidden');
    expect(quiet.text()).toBe('');
    const loud = capture();
    const log = createLogger({ format: 'json', verbosity: 4, destination: loud.stream });
    log.debug('shown');
    log.trace('still hidden');
    expect(jsonLines(loud.text()).map((l) => l.msg)).toEqual(['shown']);
  });

  it('lets an explicit level win over verbosity', () => {
    expect(createLogger({ format: 'json', level: 'warn', verbosity: 6, destination: capture().stream }).level).toBe('warn');
    expect(createLogger({ format: 'json', verbosity: 6, destination: capture().stream }).level).toBe('trace');
  });
});

describe('createLogger pretty format', () => {
  it('writes human-readable, uncoloured, redacted text to a non-TTY stream', () => {
    const out = capture();
    createLogger({ format: 'pretty', destination: out.stream }).info({ password: 'pw-pretty' }, 'hello pretty');
    const text = out.text();
    expect(text).toContain('hello pretty');
    expect(text).toContain('INFO');
    expect(() => JSON.parse(text)).toThrow();
    expect(text).not.toContain('pw-pretty');
    expect(text).toContain('[REDACTED]');
    expect(text).not.toContain('\u001b[');
  });

  it('colours output only when the destination is a TTY', () => {
    const out = capture(true);
    createLogger({ format: 'pretty', destination: out.stream }).info('hello tty');
    expect(out.text()).toContain('\u001b[');
  });
});
