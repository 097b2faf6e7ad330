// Reading values out of a container environment read: the runtime spec's list, `env -0`,
// upstream's `env` line parsing, Windows `set` output and its case-insensitive names.
import { describe, expect, it } from 'vitest';
import {
  environmentPairs,
  envLookup,
  parseEnvLines,
  parseEnvNul,
  pickEnvValues,
  valueOfPicked,
  type ContainerEnvironmentRead,
} from '../../../machines/container-meta/container-environment.js';
import { currentEnvHash, expectedEnvHash } from '../../../machines/container-meta/env-hash.js';

const spec = (entries: string[], caseInsensitiveNames = false): ContainerEnvironmentRead => ({ source: 'runtime-spec', entries, caseInsensitiveNames });
const lines = (stdout: string, caseInsensitiveNames = false): ContainerEnvironmentRead => ({
  source: 'exec',
  command: ['env'],
  output: 'lines',
  stdout,
  caseInsensitiveNames,
});

describe('container environment reads', () => {
  it('takes runtime-spec entries as they are, split at the first =, the last of a name winning', () => {
    expect(environmentPairs(spec(['A= x=y ', 'B=', 'NOEQ', 'A=second', 'C=line1\nline2']))).toEqual([
      ['A', ' x=y '],
      ['B', ''],
      ['A', 'second'],
      ['C', 'line1\nline2'],
    ]);
    expect(pickEnvValues(spec(['A=1', 'A=2']), ['A', 'Z'])).toEqual([
      { name: 'A', value: '2' },
      { name: 'Z', value: null },
    ]);
  });

  it('reads `env -0` output exactly: newlines and trailing blanks stay in the value', () => {
    expect(parseEnvNul('A=a\nb \0B= \0HOME=/root\0')).toEqual([
      ['A', 'a\nb '],
      ['B', ' '],
      ['HOME', '/root'],
    ]);
  });

  it('parses `env` output as upstream does: trimmed, first line only, continuation lines with = read as variables', () => {
    expect(parseEnvLines('  A=first  \nsecond line\nX=not really X\n\u0085B=v\u0085\r\n\n')).toEqual([
      ['A', 'first'],
      ['X', 'not really X'],
      ['B', 'v'],
    ]);
  });

  it('reads `cmd /c set` output with CRLF', () => {
    const read = lines('ALLUSERSPROFILE=C:\\ProgramData\r\nPOD_VERSION=v 2=x\r\nPath=C:\\Windows;C:\\bin\r\n', true);
    expect(pickEnvValues(read, ['POD_VERSION', 'Path'])).toEqual([
      { name: 'POD_VERSION', value: 'v 2=x' },
      { name: 'Path', value: 'C:\\Windows;C:\\bin' },
    ]);
  });

  it('matches names ignoring case on Windows only, preferring the exact spelling', () => {
    const pairs = environmentPairs(spec(['Path=image', 'PATH=pod', 'Version=v1', 'straße=x']));
    const windows = envLookup(pairs, true);
    expect(windows('PATH')).toBe('pod');
    expect(windows('path')).toBe('pod'); // the last entry that differs only in case
    expect(windows('VERSION')).toBe('v1');
    expect(windows('STRASSE')).toBeUndefined(); // per UTF-16 unit: ß has no one-unit upper case
    expect(windows('STRAßE')).toBe('x');
    const linux = envLookup(pairs, false);
    expect(linux('VERSION')).toBeUndefined();
    expect(linux('Path')).toBe('image');
  });

  it('cuts a read down to the names asked for, so that nothing else is recorded', () => {
    const read = spec(['DB_PASSWORD=secret', 'VERSION=v1', 'NOTE=n']);
    const picked = pickEnvValues(read, ['VERSION', 'NOTE', 'VERSION', 'ABSENT']);
    expect(JSON.stringify(picked)).not.toContain('secret');
    expect(picked).toEqual([
      { name: 'VERSION', value: 'v1' },
      { name: 'NOTE', value: 'n' },
      { name: 'ABSENT', value: null },
    ]);
  });

  it('gives the current hash from picked values: equal to the expected hash when the container has the pod’s values', () => {
    const env = [
      { name: 'VERSION', valueFrom: { fieldRef: { fieldPath: "metadata.labels['version']" } } },
      { name: 'NOTE', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['note']" } } },
    ];
    const pod = { labels: { version: 'v1' }, annotations: { note: ' spaced=value\nsecond line ' } };
    const exact = pickEnvValues(spec(['VERSION=v1', 'NOTE= spaced=value\nsecond line ']), ['VERSION', 'NOTE']);
    expect(currentEnvHash(env, valueOfPicked(exact))).toBe(expectedEnvHash(env, pod));
    // upstream's `env` parsing loses the second line and the trailing blank: a stale hash, and a restart loop
    const lossy = pickEnvValues(lines('VERSION=v1\nNOTE= spaced=value\nsecond line \n'), ['VERSION', 'NOTE']);
    expect(currentEnvHash(env, valueOfPicked(lossy))).not.toBe(expectedEnvHash(env, pod));
  });
});
