// The env hash against Go, vector by vector.
//
// How we know the expected values are Go's: every one of them in go-oracle/vectors.jsonl was
// computed by Go 1.23's own standard library (encoding/json, strings.TrimSpace/Split/SplitN,
// sort.SliceStable, hash/fnv) running go-oracle/envhash-oracle.go, a stdlib-only program of ours.
// The one piece it emulates rather than runs, go-spew's `%#v` of a []byte, is pinned by the first
// four "encode" vectors, which are the contract's (§7.3), taken from real go-spew 1.1.1: a wrong
// emulation would change their hashes. go-oracle.int.test.ts re-runs the program whenever Go 1.23
// is installed (scripts/go-oracle.sh installs it for `make test`), so the file cannot go stale.
//
// Inputs go through the same decoding as in the daemon: exec output and other raw bytes through
// adapters/platform/env-read.ts's goTextFromBytes, API JSON through JSON.parse + fromDecodedJson.
import { describe, expect, it } from 'vitest';
import { goTextFromBytes } from '../../../adapters/platform/env-read.js';
import { pickEnvValues, valueOfPicked } from '../../../machines/container-meta/container-environment.js';
import { currentEnvHash, envListHash, envListJson, expectedEnvHash } from '../../../machines/container-meta/env-hash.js';
import { fromDecodedJson, goTextToBytes, goTrimSpace } from '../../../machines/container-meta/go-strings.js';
import { fromHex, readGoVectors, toHex } from './go-vectors.js';

const vectors = readGoVectors();
const text = (hex: string): string => goTextFromBytes(fromHex(hex));

/** Runs `check` on every vector and lists the failures (at most 5, with their index). */
function failures<T>(list: readonly T[], check: (v: T) => string | undefined): string[] {
  const failed: string[] = [];
  list.forEach((v, i) => {
    const problem = check(v);
    if (problem !== undefined && failed.length < 5) failed.push(`#${i}: ${problem}`);
  });
  return failed;
}

describe('the env hash, against vectors computed by Go 1.23', () => {
  it('has the vectors of every kind, made by Go 1.23', () => {
    expect(vectors.header.go).toBe('go1.23');
    expect(vectors.encode.length).toBeGreaterThan(300);
    expect(vectors.trimSpace.length).toBeGreaterThan(400);
    expect(vectors.execEnv.length).toBeGreaterThan(250);
    expect(vectors.expected.length).toBeGreaterThan(150);
    expect(vectors.apiJson.length).toBeGreaterThan(5);
  });

  it('starts with the contract’s four vectors (real go-spew), so the spew emulation is pinned', () => {
    expect(vectors.encode.slice(0, 4).map((v) => v.hash)).toEqual([86995377, 2053173458, 1885397378, 3678609251]);
  });

  it('marshals every list to the same JSON bytes as json.Marshal, and hashes it the same', () => {
    const failed = failures(vectors.encode, (v) => {
      const envs = v.entries.map((e) => ({ name: text(e.name), value: text(e.value) }));
      const json = toHex(envListJson(envs));
      if (json !== v.json) return `${v.note ?? ''} JSON ${json} != Go's ${v.json}`;
      const hash = envListHash(envs);
      return hash === v.hash ? undefined : `${v.note ?? ''} hash ${hash} != Go's ${v.hash}`;
    });
    expect(failed).toEqual([]);
  });

  it('trims as strings.TrimSpace does, and keeps every byte it does not trim', () => {
    const failed = failures(vectors.trimSpace, (v) => {
      const input = text(v.in);
      if (toHex(goTextToBytes(input)) !== v.in) return `bytes ${v.in} do not survive GoText`;
      const out = toHex(goTextToBytes(goTrimSpace(input)));
      return out === v.out ? undefined : `TrimSpace(${v.in}) = ${out}, Go says ${v.out}`;
    });
    expect(failed).toEqual([]);
  });

  it('parses `env` output as wrapEnvGetter does and gets the same current hash', () => {
    const failed = failures(vectors.execEnv, (v) => {
      const names = v.names.map(text);
      const picked = pickEnvValues({ source: 'exec', command: ['env'], output: 'lines', stdout: text(v.stdout), caseInsensitiveNames: false }, names);
      const valueIn = valueOfPicked(picked);
      const values = names.map((n) => toHex(goTextToBytes(valueIn(n) ?? '')));
      if (values.join() !== v.values.join()) return `${v.note ?? ''} values ${values} != Go's ${v.values}`;
      const spec = names.map((name) => ({ name, valueFrom: { fieldRef: { fieldPath: "metadata.labels['x']" } } }));
      const hash = currentEnvHash(spec, valueIn);
      return hash === v.hash ? undefined : `${v.note ?? ''} hash ${hash} != Go's ${v.hash}`;
    });
    expect(failed).toEqual([]);
  });

  it('selects the env entries and hashes the pod’s labels and annotations as the manager does', () => {
    const failed = failures(vectors.expected, (v) => {
      const hash = expectedEnvHash(v.env, { labels: v.labels, annotations: v.annotations });
      return hash === v.hash ? undefined : `${v.note ?? ''} hash ${hash} != Go's ${v.hash} for ${JSON.stringify(v.env)}`;
    });
    expect(failed).toEqual([]);
  });

  it('reads lone surrogate escapes in API JSON as Go’s decoder does (U+FFFD)', () => {
    const failed = failures(vectors.apiJson, (v) => {
      const envs = (JSON.parse(v.text) as { name: string; value?: string }[]).map((e) => ({
        name: fromDecodedJson(e.name),
        value: fromDecodedJson(e.value ?? ''),
      }));
      const hash = envListHash(envs);
      return hash === v.hash ? undefined : `${v.text}: hash ${hash} != Go's ${v.hash}`;
    });
    expect(failed).toEqual([]);
  });
});
