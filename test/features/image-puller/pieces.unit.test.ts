// The image puller's pure pieces: upstream's auth attempt order and messages, reading the
// NodeImage spec, the status shape of contract §3.6, and the FIFO slot pool.
import { describe, expect, it } from 'vitest';
import { CriError, type AuthConfig, type PullImageRequest } from '../../../adapters/cri/index.js';
import { authFromPullSecrets, nodeImageStatus, persistedFinished, SlotPool, specTags } from '../../../daemon/features/image-puller/index.js';
import { aggregateMessage, pullAttempt } from '../../../effects/image-pull/index.js';

const notFound = new CriError({ type: 'cri.notFound', code: 5, details: 'not found' });
const unauthorized = new CriError({ type: 'cri.unauthenticated', code: 2, details: '401 Unauthorized' });
const attempt = {
  reference: 'reg/app:1',
  sandboxConfig: { labels: {}, annotations: { 'apps.kruise.io/pulling-image-by': 'kruise-daemon' } },
  pullSecrets: [],
  timeoutMs: 1000,
};

function fakeCri(results: Array<Error | null>) {
  const calls: PullImageRequest[] = [];
  return {
    calls,
    pullImage: async (_signal: AbortSignal | undefined, request: PullImageRequest) => {
      calls.push(request);
      const r = results.shift();
      if (r) throw r;
      return { image_ref: 'sha256:x' };
    },
  };
}

describe('one pull attempt', () => {
  it('pulls anonymously without credentials and wraps a failure as upstream: Failed to pull image reference "<ref>": <err>', async () => {
    const cri = fakeCri([notFound]);
    const out = await pullAttempt(cri, () => [], attempt, new AbortController().signal, Date.now);
    expect(out).toEqual({
      ok: false,
      message: 'Failed to pull image reference "reg/app:1": rpc error: code = NotFound desc = not found',
      deadlineExceeded: false,
    });
    expect(cri.calls).toEqual([{ image: { image: 'reg/app:1', annotations: {} }, sandbox_config: attempt.sandboxConfig }]);
  });

  it('tries each credential in order, stops at the first success, and never falls back to anonymous', async () => {
    const auths: AuthConfig[] = [
      { username: 'a', password: '1' },
      { username: 'b', password: '2' },
      { username: 'c', password: '3' },
    ];
    const cri = fakeCri([unauthorized, null]);
    expect(await pullAttempt(cri, () => auths, attempt, new AbortController().signal, Date.now)).toEqual({ ok: true });
    expect(cri.calls.map((c) => c.auth?.username)).toEqual(['a', 'b']);

    const failing = fakeCri([unauthorized, notFound]);
    const out = await pullAttempt(failing, async () => auths.slice(0, 2), attempt, new AbortController().signal, Date.now);
    expect(failing.calls.map((c) => c.auth?.username)).toEqual(['a', 'b']);
    expect(out).toEqual({ ok: false, message: `[${unauthorized.message}, ${notFound.message}]`, deadlineExceeded: false });
  });

  it('aggregates one error as itself and drops duplicates, as utilerrors.NewAggregate does', () => {
    expect(aggregateMessage(['x'])).toBe('x');
    expect(aggregateMessage(['x', 'y', 'x'])).toBe('[x, y]');
  });

  it('flags a runtime deadline so the machine reports upstream\'s "is canceled"', async () => {
    const cri = fakeCri([new CriError({ type: 'cri.deadlineExceeded', code: 4, details: 'context deadline exceeded' })]);
    const out = await pullAttempt(cri, () => [], attempt, new AbortController().signal, Date.now);
    expect(out).toMatchObject({ ok: false, deadlineExceeded: true });
  });

  it('names the pull secrets that could not be read when the attempt fails, anonymous or with credentials', async () => {
    const unavailable = ['kruise-daemon-config/nope not found'];
    const anonymous = await pullAttempt(fakeCri([unauthorized]), () => ({ credentials: [], unavailable }), attempt, new AbortController().signal, Date.now);
    expect(anonymous).toMatchObject({
      ok: false,
      message: `Failed to pull image reference "reg/app:1": ${unauthorized.message} (pull secret kruise-daemon-config/nope not found)`,
    });
    const matched = await pullAttempt(
      fakeCri([unauthorized]),
      () => ({ credentials: [{ username: 'a', password: '1' }], unavailable: [...unavailable, 'other/x not readable: outside the daemon config namespace'] }),
      attempt,
      new AbortController().signal,
      Date.now,
    );
    expect(matched).toMatchObject({
      ok: false,
      message: `${unauthorized.message} (pull secrets kruise-daemon-config/nope not found, other/x not readable: outside the daemon config namespace)`,
    });
    expect(await pullAttempt(fakeCri([null]), () => ({ credentials: [], unavailable }), attempt, new AbortController().signal, Date.now)).toEqual({ ok: true });
  });

  it('reads pull secrets by reference, skipping (and reporting) those that are missing or outside the config namespace', async () => {
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'ok', namespace: 'kruise-daemon-config' },
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': Buffer.from(JSON.stringify({ auths: { 'reg.io': { username: 'u', password: 'p' } } })).toString('base64') },
    };
    const reader = {
      get: async (name: string, namespace = 'kruise-daemon-config') =>
        namespace !== 'kruise-daemon-config'
          ? ({ type: 'refused', namespace, name } as const)
          : name === 'ok'
            ? ({ type: 'found', secret } as const)
            : ({ type: 'notFound', namespace, name } as const),
    };
    const lookup = await authFromPullSecrets(reader)('reg.io/app:1', [
      { namespace: 'kruise-daemon-config', name: 'nope' },
      { namespace: 'kruise-daemon-config', name: 'ok' },
      { namespace: 'apps', name: 'theirs' },
    ]);
    expect(lookup).toMatchObject({
      credentials: [{ username: 'u', password: 'p' }],
      unavailable: ['kruise-daemon-config/nope not found', 'apps/theirs not readable: outside the daemon config namespace'],
    });
  });

  it('fails the attempt with the keyring error when credentials cannot be built', async () => {
    const cri = fakeCri([]);
    const out = await pullAttempt(cri, () => Promise.reject(new Error('secret unreadable')), attempt, new AbortController().signal, Date.now);
    expect(out).toEqual({ ok: false, message: 'secret unreadable', deadlineExceeded: false });
    expect(cri.calls).toEqual([]);
  });
});

const nodeImage = {
  apiVersion: 'apps.kruise.io/v1beta1',
  kind: 'NodeImage',
  metadata: { name: 'node-a' },
  spec: {
    images: {
      nginx: {
        pullSecrets: [{ namespace: 'kruise-daemon-config', name: 's1', mode: 'batch' }],
        sandboxConfig: { labels: { a: 'b' } },
        tags: [
          {
            tag: '1.21',
            version: 2,
            imagePullPolicy: 'IfNotPresent',
            pullPolicy: { timeoutSeconds: 60, backoffLimit: 1, ttlSecondsAfterFinished: 9 },
            ownerReferences: [{ apiVersion: 'apps.kruise.io/v1beta1', kind: 'ImagePullJob', name: 'j', namespace: 'apps', uid: 'u' }],
          },
          { tag: '1.20', version: 0 },
        ],
      },
    },
  },
  status: {
    imageStatuses: {
      nginx: {
        tags: [
          { tag: '1.21', version: 2, phase: 'Succeeded', completionTime: '2026-01-01T00:00:00Z' },
          { tag: '1.20', version: 0, phase: 'Pulling' },
        ],
      },
    },
  },
};

describe('the NodeImage as the puller reads it', () => {
  it('gives each spec tag its actor key and machine input, secrets by reference and owners for events', () => {
    const [first, second] = specTags(nodeImage);
    expect(first).toEqual({
      key: 'nginx:1.21@2',
      image: 'nginx',
      tag: '1.21',
      version: 2,
      input: {
        name: 'nginx',
        tag: '1.21',
        version: 2,
        imagePullPolicy: 'IfNotPresent',
        pullSecrets: [{ namespace: 'kruise-daemon-config', name: 's1' }],
        pullPolicy: { timeoutSeconds: 60, backoffLimit: 1 },
        sandboxConfig: { labels: { a: 'b' } },
      },
      owners: [{ apiVersion: 'apps.kruise.io/v1beta1', kind: 'ImagePullJob', name: 'j', namespace: 'apps', uid: 'u' }],
    });
    expect(second).toMatchObject({ key: 'nginx:1.20@0', input: { imagePullPolicy: '' } });
  });

  it('adopts only a persisted status of the same version with a completionTime', () => {
    expect(persistedFinished(nodeImage, 'nginx', '1.21', 2)).toMatchObject({ phase: 'Succeeded' });
    expect(persistedFinished(nodeImage, 'nginx', '1.21', 3)).toBeUndefined();
    expect(persistedFinished(nodeImage, 'nginx', '1.20', 0)).toBeUndefined();
  });

  it('builds the status with desired, all four counters, and tags sorted by tag; images without a status are left out', () => {
    const tags = specTags(nodeImage);
    const status = nodeImageStatus(tags, (t) =>
      t.tag === '1.21' ? { tag: '1.21', phase: 'Failed', version: 2 } : { tag: '1.20', phase: 'Waiting', version: 0 },
    );
    expect(status).toEqual({
      desired: 2,
      succeeded: 0,
      failed: 1,
      pulling: 0,
      waiting: 1,
      imageStatuses: {
        nginx: {
          tags: [
            { tag: '1.20', phase: 'Waiting', version: 0 },
            { tag: '1.21', phase: 'Failed', version: 2 },
          ],
        },
      },
    });
    expect(nodeImageStatus(tags, () => undefined)).toEqual({ desired: 2, succeeded: 0, failed: 0, pulling: 0, waiting: 0 });
  });
});

describe('the worker slot pool', () => {
  it('grants in FIFO order within the limit, frees on release, and is unbounded at 0', () => {
    const granted: string[] = [];
    const pool = new SlotPool(2);
    for (const k of ['a', 'b', 'c', 'd']) pool.enqueue(k);
    pool.drain((k) => {
      granted.push(k);
      return true;
    });
    expect(granted).toEqual(['a', 'b']);
    pool.release('d');
    pool.release('a');
    pool.drain((k) => {
      granted.push(k);
      return true;
    });
    expect(granted).toEqual(['a', 'b', 'c']);

    const open = new SlotPool(0);
    for (const k of ['x', 'y', 'z']) open.enqueue(k);
    open.drain((k) => {
      granted.push(k);
      return true;
    });
    expect(open.held).toBe(3);
  });
});
