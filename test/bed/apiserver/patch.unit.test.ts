// The patch engines on their own: RFC 7386 examples, RFC 6902 operations, and the strategic
// merge directives the daemon and kruise-manager rely on.
import { describe, expect, it } from 'vitest';
import { ApiError } from './errors.js';
import { jsonPatch, mergePatch } from './patch.js';
import { pods } from './resources.js';
import { strategicMergePatch } from './smp.js';

describe('JSON merge patch (RFC 7386)', () => {
  it.each([
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [
      ['a', 'b'],
      ['c', 'd'],
      ['c', 'd'],
    ],
    [{ a: 'b' }, ['c'], ['c']],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])('merges %j with %j into %j', (target, patch, result) => {
    expect(mergePatch(target, patch)).toEqual(result);
  });

  it('does not change its inputs', () => {
    const target = { a: { b: 1 } };
    mergePatch(target, { a: { b: 2 } });
    expect(target).toEqual({ a: { b: 1 } });
  });
});

describe('JSON patch (RFC 6902)', () => {
  it('applies add, remove, replace, move, copy and test in order', () => {
    const doc = { foo: ['bar', 'baz'], a: { b: 1 }, 'x/y': 1, 't~': 2 };
    const result = jsonPatch(doc, [
      { op: 'add', path: '/foo/1', value: 'qux' },
      { op: 'add', path: '/foo/-', value: 'end' },
      { op: 'remove', path: '/foo/0' },
      { op: 'replace', path: '/a/b', value: 2 },
      { op: 'copy', from: '/a', path: '/c' },
      { op: 'move', from: '/x~1y', path: '/moved' },
      { op: 'test', path: '/t~0', value: 2 },
    ]);
    expect(result).toEqual({ foo: ['qux', 'baz', 'end'], a: { b: 2 }, c: { b: 2 }, moved: 1, 't~': 2 });
    expect(doc.foo).toEqual(['bar', 'baz']);
  });

  it.each([
    [[{ op: 'replace', path: '/missing', value: 1 }], 422],
    [[{ op: 'remove', path: '/a/zzz' }], 422],
    [[{ op: 'add', path: '/foo/9', value: 1 }], 422],
    [[{ op: 'test', path: '/a/b', value: 2 }], 422],
    [[{ op: 'move', from: '/a', path: '/a/b' }], 422],
    [[{ op: 'frobnicate', path: '/a' }], 400],
    [[{ op: 'add', path: '/a' }], 400],
    [{ op: 'add', path: '/a', value: 1 }, 400],
  ])('refuses %j with %i', (patch, code) => {
    let caught: unknown;
    try {
      jsonPatch({ foo: [1], a: { b: 1 } }, patch);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ApiError);
    expect((caught as ApiError).status.code).toBe(code);
  });
});

describe('strategic merge patch', () => {
  const pod = {
    metadata: { labels: { a: '1' }, finalizers: ['x'], ownerReferences: [{ uid: 'u1', name: 'one' }] },
    spec: {
      containers: [
        {
          name: 'main',
          image: 'm:1',
          env: [
            { name: 'A', value: '1' },
            { name: 'B', value: '2' },
          ],
        },
        { name: 'side', image: 's:1' },
      ],
      tolerations: [{ key: 'k1' }],
    },
    status: {
      conditions: [
        { type: 'Ready', status: 'False' },
        { type: 'Initialized', status: 'True' },
      ],
    },
  };

  it('merges containers and env by name, conditions by type, and replaces lists without a merge key', () => {
    const result = strategicMergePatch(
      pod,
      {
        spec: {
          containers: [
            {
              name: 'main',
              env: [
                { name: 'B', value: '3' },
                { name: 'C', value: '4' },
              ],
            },
          ],
          tolerations: [{ key: 'k2' }],
        },
        status: { conditions: [{ type: 'Ready', status: 'True' }] },
      },
      pods.patchMeta,
    );
    expect(result.spec).toEqual({
      containers: [
        {
          name: 'main',
          image: 'm:1',
          env: [
            { name: 'A', value: '1' },
            { name: 'B', value: '3' },
            { name: 'C', value: '4' },
          ],
        },
        { name: 'side', image: 's:1' },
      ],
      tolerations: [{ key: 'k2' }],
    });
    expect(result.status).toEqual({
      conditions: [
        { type: 'Ready', status: 'True' },
        { type: 'Initialized', status: 'True' },
      ],
    });
  });

  it('honours $patch delete in a list, $patch replace on a map, and set-merges finalizers', () => {
    const result = strategicMergePatch(
      pod,
      {
        metadata: { labels: { $patch: 'replace', b: '2' }, finalizers: ['y', 'x'], ownerReferences: [{ uid: 'u1', $patch: 'delete' }] },
        spec: { containers: [{ name: 'side', $patch: 'delete' }] },
      },
      pods.patchMeta,
    );
    expect(result.metadata).toEqual({ labels: { b: '2' }, finalizers: ['x', 'y'], ownerReferences: [] });
    expect((result.spec as { containers: Array<{ name: string }> }).containers.map((c) => c.name)).toEqual(['main']);
  });

  it('removes from a primitive list with $deleteFromPrimitiveList and ignores $setElementOrder', () => {
    const result = strategicMergePatch(
      pod,
      { metadata: { '$deleteFromPrimitiveList/finalizers': ['x'] }, spec: { '$setElementOrder/containers': [{ name: 'side' }, { name: 'main' }] } },
      pods.patchMeta,
    );
    expect((result.metadata as { finalizers: string[] }).finalizers).toEqual([]);
    expect((result.spec as { containers: Array<{ name: string }> }).containers.map((c) => c.name)).toEqual(['main', 'side']);
  });

  it('rejects a keyed-list element without its merge key', () => {
    expect(() => strategicMergePatch(pod, { spec: { containers: [{ image: 'x' }] } }, pods.patchMeta)).toThrow(/merge key: name/);
  });
});
