// The in-place update double's own env hash (test/bed/manager/env-hash.ts) against Go: the
// contract's vectors and every Go-computed `expected` vector that an API server could hold (valid
// UTF-8 throughout, ASCII env names). The daemon's hash is checked against this second
// implementation in the end-to-end tests, so this one must be right on its own.
import { describe, expect, it } from 'vitest';
import { managerExpectedHash } from './env-hash.js';
import { readGoVectors } from '../../machines/container-meta/go-vectors.js';

const fieldRef = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { fieldPath } } });
const pod = (labels: Record<string, string> = {}, annotations: Record<string, string> = {}) => ({
  metadata: { name: 'p', namespace: 'd', uid: 'u', labels, annotations },
});

describe('the manager double’s env hash', () => {
  it('gives the contract’s Go-computed values', () => {
    expect(managerExpectedHash({ env: [] }, pod())).toBe(86995377);
    expect(managerExpectedHash({ env: [fieldRef('e2', "metadata.labels['k']")] }, pod({ k: 'foo' }))).toBe(2053173458);
    expect(managerExpectedHash({ env: [fieldRef('e2', "metadata.labels['k']")] }, pod())).toBe(1885397378);
    const ab = [fieldRef('B', "metadata.annotations['b']"), fieldRef('A', "metadata.labels['a']")];
    expect(managerExpectedHash({ env: ab }, pod({ a: '1' }, { b: '2' }))).toBe(3678609251);
  });

  it('agrees with Go on every expected-hash vector an API server could hold', () => {
    const wellFormed = (s: string) => s.isWellFormed() && !s.includes('\ufffd');
    const vectors = readGoVectors().expected.filter(
      (v) =>
        v.env.every((e) => /^[\x20-\x7e]*$/.test(e.name) && wellFormed(JSON.stringify(e))) &&
        Object.entries({ ...v.labels, ...v.annotations }).every(([k, x]) => wellFormed(k) && wellFormed(x)),
    );
    expect(vectors.length).toBeGreaterThan(50);
    for (const v of vectors) {
      expect(managerExpectedHash({ env: v.env as never }, pod(v.labels, v.annotations)), v.note ?? JSON.stringify(v.env)).toBe(v.hash);
    }
  });
});
