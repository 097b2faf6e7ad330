// The runtime-containers-meta annotation as upstream's Go writes and reads it: field order,
// omitempty, Go's escaping, uint64s past 2^53, json.Unmarshal's key matching and type errors, and
// reflect.DeepEqual's nil-versus-empty distinction.
import { describe, expect, it } from 'vitest';
import { encodeMetaSet, metaSetOf, parseMetaSet, sameMetaSets } from '../../../machines/container-meta/meta-set.js';
import type { MetaEntry } from '../../../machines/container-meta/types.js';

const entry = (overrides: Partial<MetaEntry> = {}): MetaEntry => ({
  name: 'main',
  containerID: 'containerd://abc',
  restartCount: 1,
  plainHash: '3405691582',
  envHash: '2053173458',
  ...overrides,
});

describe('encodeMetaSet', () => {
  it('writes the struct fields in Go order, with extractedEnvFromMetadataHash omitted when 0', () => {
    expect(encodeMetaSet([entry(), entry({ name: 'side', containerID: 'containerd://def', restartCount: 0, envHash: '0' })])).toBe(
      '{"containers":[{"name":"main","containerID":"containerd://abc","restartCount":1,"hashes":{"plainHash":3405691582,"extractedEnvFromMetadataHash":2053173458}},' +
        '{"name":"side","containerID":"containerd://def","restartCount":0,"hashes":{"plainHash":3405691582}}]}',
    );
  });

  it('writes an empty set as an empty list, never null, and uint64s past 2^53 digit for digit', () => {
    expect(encodeMetaSet([])).toBe('{"containers":[]}');
    expect(encodeMetaSet([entry({ plainHash: '18446744073709551615', envHash: '0' })])).toContain('"plainHash":18446744073709551615}');
  });

  it("escapes strings as Go's json.Marshal does (HTML characters, U+2028, invalid bytes)", () => {
    const text = encodeMetaSet([entry({ name: 'a<b>&\u2028\udc80' })]);
    expect(text).toContain('"name":"a\\u003cb\\u003e\\u0026\\u2028\\ufffd"');
  });
});

describe('parseMetaSet', () => {
  it('reads what encodeMetaSet writes, exactly', () => {
    const entries = [entry(), entry({ name: 'side', envHash: '0', plainHash: '18446744073709551615' })];
    expect(parseMetaSet(encodeMetaSet(entries))).toEqual({ ok: true, set: { containers: entries } });
  });

  it('matches keys case-insensitively when no key matches exactly, ignores unknown keys, and reads null as zero', () => {
    const reading = parseMetaSet(
      '{"Containers":[{"NAME":"main","containerid":"containerd://abc","restartCount":null,"extra":[1,{"x":2}],"hashes":{"PLAINHASH":7,"extractedEnvFromMetadataHash":null}}]}',
    );
    expect(reading).toEqual({
      ok: true,
      set: { containers: [{ name: 'main', containerID: 'containerd://abc', restartCount: 0, plainHash: '7', envHash: '0' }] },
    });
  });

  it('prefers an exact key to a case-insensitive one, whatever their order', () => {
    expect(metaSetOf('{"containers":[{"name":"exact","Name":"folded"}]}')?.containers?.[0]?.name).toBe('exact');
    expect(metaSetOf('{"containers":[{"Name":"folded","name":"exact"}]}')?.containers?.[0]?.name).toBe('exact');
  });

  it('tells a set without containers (nil) from an empty one', () => {
    expect(parseMetaSet('{}')).toEqual({ ok: true, set: { containers: null } });
    expect(parseMetaSet('null')).toEqual({ ok: true, set: { containers: null } });
    expect(parseMetaSet('{"containers":[]}')).toEqual({ ok: true, set: { containers: [] } });
  });

  it.each([
    ['not JSON', '{"containers":', /^not JSON/],
    ['a string for a number', '{"containers":[{"restartCount":"1"}]}', /restartCount is not an int32: string/],
    ['a fraction for a uint64', '{"containers":[{"hashes":{"plainHash":1.5}}]}', /plainHash is not a uint64: number 1.5/],
    ['an exponent for a uint64', '{"containers":[{"hashes":{"plainHash":1e3}}]}', /plainHash is not a uint64/],
    ['a negative uint64', '{"containers":[{"hashes":{"plainHash":-1}}]}', /plainHash is not a uint64/],
    ['a uint64 overflow', '{"containers":[{"hashes":{"plainHash":18446744073709551616}}]}', /overflows uint64/],
    ['an int32 overflow', '{"containers":[{"restartCount":2147483648}]}', /overflows int32/],
    ['an array for the set', '[]', /not an object: array/],
    ['an object for the list', '{"containers":{}}', /containers is not an array/],
  ])('fails on %s, as json.Unmarshal would', (_, text, message) => {
    const reading = parseMetaSet(text);
    expect(reading.ok).toBe(false);
    expect(reading.ok ? '' : reading.error).toMatch(message);
    expect(metaSetOf(text)).toBeNull();
  });
});

describe('sameMetaSets (reflect.DeepEqual)', () => {
  it('is true only for the same entries in the same order', () => {
    const a = [entry(), entry({ name: 'side' })];
    expect(
      sameMetaSets(
        { containers: a },
        a.map((e) => ({ ...e })),
      ),
    ).toBe(true);
    expect(sameMetaSets({ containers: a }, [...a].reverse())).toBe(false);
    expect(sameMetaSets({ containers: a }, [a[0]!, { ...a[1]!, envHash: '1' }])).toBe(false);
  });

  it('never equates no set, or a nil list, with a new set, even an empty one', () => {
    expect(sameMetaSets(null, [])).toBe(false);
    expect(sameMetaSets({ containers: null }, [])).toBe(false);
    expect(sameMetaSets({ containers: [] }, [])).toBe(true);
  });
});
