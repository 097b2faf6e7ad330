// The env hash's pieces, by rule (the Go vectors in env-hash.go-vectors.unit.test.ts cover the
// bytes): the contract's four vectors, which env entries count, and GoText's promises.
import { describe, expect, it } from 'vitest';
import {
  currentEnvHash,
  EMPTY_ENV_HASH,
  envFromMetadata,
  envListHash,
  envListJson,
  expectedEnvHash,
  splitMaybeSubscriptedPath,
  type EnvVarSpec,
} from '../../../machines/container-meta/env-hash.js';
import { spewByteSlice, spewFnv32a } from '../../../machines/container-meta/go-hash.js';
import { compareGoText, fromDecodedJson, goTrimSpace } from '../../../machines/container-meta/go-strings.js';

const label = (name: string, key: string): EnvVarSpec => ({ name, valueFrom: { fieldRef: { fieldPath: `metadata.labels['${key}']` } } });
const annotation = (name: string, key: string): EnvVarSpec => ({ name, valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${key}']` } } });
const json = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

describe('the contract’s vectors (§7.3)', () => {
  it.each([
    [[], 'null', 86995377],
    [[{ name: 'e2', value: 'foo' }], '[{"name":"e2","value":"foo"}]', 2053173458],
    [[{ name: 'e2', value: '' }], '[{"name":"e2"}]', 1885397378],
    [
      [
        { name: 'A', value: '1' },
        { name: 'B', value: '2' },
      ],
      '[{"name":"A","value":"1"},{"name":"B","value":"2"}]',
      3678609251,
    ],
  ])('%j marshals to %s and hashes to %i', (envs, text, hash) => {
    expect(json(envListJson(envs))).toBe(text);
    expect(envListHash(envs)).toBe(hash);
  });

  it('prints the JSON bytes the way go-spew prints a []byte, and hashes that text with FNV-1a 32', () => {
    const bytes = new TextEncoder().encode('null');
    expect(spewByteSlice(bytes)).toBe('([]uint8)[110 117 108 108]');
    expect(spewFnv32a(bytes)).toBe(EMPTY_ENV_HASH);
  });
});

describe('which env entries count', () => {
  it('splits a subscripted field path as Kubernetes does', () => {
    expect(splitMaybeSubscriptedPath("metadata.annotations['myKey']")).toEqual({ path: 'metadata.annotations', subscript: 'myKey' });
    expect(splitMaybeSubscriptedPath("metadata.annotations['a[b]c']")).toEqual({ path: 'metadata.annotations', subscript: 'a[b]c' });
    expect(splitMaybeSubscriptedPath("metadata.labels['']")).toEqual({ path: 'metadata.labels', subscript: '' });
    expect(splitMaybeSubscriptedPath("metadata.labels['a']']")).toEqual({ path: 'metadata.labels', subscript: "a']" });
    expect(splitMaybeSubscriptedPath('metadata.labels')).toBeUndefined();
    expect(splitMaybeSubscriptedPath("['a']")).toBeUndefined();
    expect(splitMaybeSubscriptedPath("metadata.labels['a'] ")).toBeUndefined();
  });

  it('takes fieldRefs to a label or annotation with no value of their own, except SidecarSet’s version variables', () => {
    const env: EnvVarSpec[] = [
      label('L', 'app'),
      annotation('A', 'note'),
      { ...label('V', 'app'), value: 'literal' },
      label('SIDECARSET_VERSION', 'v'),
      annotation('SIDECARSET_VERSION_ALT', 'v'),
      { name: 'N', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'O', valueFrom: { fieldRef: { fieldPath: "metadata.namespace['x']" } } },
      { name: 'S', valueFrom: null },
      { name: 'R', valueFrom: { fieldRef: null } },
      { name: 'P', value: 'plain' },
      { ...label('E', 'app'), value: '' },
    ];
    expect(envFromMetadata(env)).toEqual([
      { name: 'L', field: 'metadata.labels', key: 'app' },
      { name: 'A', field: 'metadata.annotations', key: 'note' },
      { name: 'E', field: 'metadata.labels', key: 'app' },
    ]);
    expect(envFromMetadata(undefined)).toEqual([]);
  });

  it('skips malformed entries instead of throwing', () => {
    const malformed = [null, { value: '' }, { name: 'F', valueFrom: { fieldRef: { fieldPath: 7 } } }, label('OK', 'app')] as unknown as EnvVarSpec[];
    expect(envFromMetadata(malformed)).toEqual([{ name: 'OK', field: 'metadata.labels', key: 'app' }]);
    expect(envFromMetadata({} as unknown as EnvVarSpec[])).toEqual([]);
  });

  it('hashes a container that reads no metadata as the empty list, not as 0', () => {
    expect(expectedEnvHash([{ name: 'P', value: 'x' }], {})).toBe(EMPTY_ENV_HASH);
    expect(currentEnvHash(undefined, () => 'x')).toBe(EMPTY_ENV_HASH);
  });

  it('gives the same hash from the pod and from a container that has the pod’s values, and another after a label change', () => {
    const env = [label('VERSION', 'version'), annotation('NOTE', 'note'), label('MISSING', 'nope')];
    const pod = { labels: { version: 'v1' }, annotations: { note: 'a b=c\nd é' } };
    const inside = new Map([
      ['VERSION', 'v1'],
      ['NOTE', 'a b=c\nd é'],
    ]);
    const expected = expectedEnvHash(env, pod);
    expect(currentEnvHash(env, (name) => inside.get(name))).toBe(expected);
    expect(expectedEnvHash(env, { ...pod, labels: { version: 'v2' } })).not.toBe(expected);
  });

  it('reads only the pod’s own labels and annotations, not what every JS object inherits', () => {
    const env = [label('C', 'constructor'), annotation('P', '__proto__'), label('T', 'toString')];
    const none = envListHash([
      { name: 'C', value: '' },
      { name: 'P', value: '' },
      { name: 'T', value: '' },
    ]);
    expect(expectedEnvHash(env, JSON.parse('{"labels":{},"annotations":{}}'))).toBe(none);
    expect(expectedEnvHash(env, JSON.parse('{"labels":{"constructor":"c"},"annotations":{"__proto__":"p"}}'))).toBe(
      envListHash([
        { name: 'C', value: 'c' },
        { name: 'P', value: 'p' },
        { name: 'T', value: '' },
      ]),
    );
  });

  it('sorts by name and keeps equal names in spec order', () => {
    const env = [label('B', 'b1'), label('A', 'a'), label('B', 'b2')];
    const pod = { labels: { a: '1', b1: 'first', b2: 'second' } };
    expect(expectedEnvHash(env, pod)).toBe(
      envListHash([
        { name: 'A', value: '1' },
        { name: 'B', value: 'first' },
        { name: 'B', value: 'second' },
      ]),
    );
    expect(expectedEnvHash(env, pod)).not.toBe(
      envListHash([
        { name: 'A', value: '1' },
        { name: 'B', value: 'second' },
        { name: 'B', value: 'first' },
      ]),
    );
  });
});

describe('GoText', () => {
  it('orders by UTF-8 bytes: U+E000 before U+1F600, an invalid byte 0x80 before é', () => {
    expect(compareGoText('\ue000', '😀')).toBe(-1);
    expect('\ue000' < '😀').toBe(false); // UTF-16 order differs
    expect(compareGoText('\udc80', 'é')).toBe(-1);
    expect(compareGoText('a', 'a')).toBe(0);
    expect(compareGoText('a', 'ab')).toBe(-1);
  });

  it('trims Go’s white space (U+0085 included) and keeps U+FEFF', () => {
    expect(goTrimSpace('\u0085\u00a0 x \u3000\r\n')).toBe('x');
    expect(goTrimSpace('\ufeffx\ufeff')).toBe('\ufeffx\ufeff');
    expect(goTrimSpace('\udc85x')).toBe('\udc85x'); // a lone 0x85 byte is not U+0085
  });

  it('survives the event log’s JSON: an invalid byte stays a lone surrogate', () => {
    const value = 'a\udcffb\udc80';
    expect(JSON.parse(JSON.stringify({ value })).value).toBe(value);
  });

  it('reads a lone surrogate from a non-Go JSON decoder as Go’s decoder does: U+FFFD', () => {
    expect(fromDecodedJson(JSON.parse('"x\\ud800y"'))).toBe('x\ufffdy');
    expect(json(envListJson([{ name: 'A', value: fromDecodedJson('\ud800') }]))).toBe('[{"name":"A","value":"\ufffd"}]');
    expect(json(envListJson([{ name: 'A', value: '\udcff' }]))).toBe('[{"name":"A","value":"\\ufffd"}]');
  });
});
