import { describe, expect, it } from 'vitest';
import {
  CriError,
  discoverRuntimes,
  existingCandidates,
  linuxRuntimeCandidates,
  windowsRuntimeCandidates,
  type CriClient,
  type RuntimeCandidate,
} from '../../../adapters/cri/index.js';

describe('Linux runtime candidates', () => {
  it("lists upstream's six sockets in order under the host run dir", () => {
    expect(linuxRuntimeCandidates({ hostRunDir: '/hostvarrun' })).toEqual([
      { type: 'containerd', uri: 'unix:///hostvarrun/containerd.sock', statPath: '/hostvarrun/containerd.sock' },
      { type: 'containerd', uri: 'unix:///hostvarrun/containerd/containerd.sock', statPath: '/hostvarrun/containerd/containerd.sock' },
      { type: 'common-cri', uri: 'unix:///hostvarrun/crio.sock', statPath: '/hostvarrun/crio.sock' },
      { type: 'common-cri', uri: 'unix:///hostvarrun/crio/crio.sock', statPath: '/hostvarrun/crio/crio.sock' },
      { type: 'common-cri', uri: 'unix:///hostvarrun/cri-dockerd.sock', statPath: '/hostvarrun/cri-dockerd.sock' },
      { type: 'common-cri', uri: 'unix:///hostvarrun/cri-dockerd/cri-dockerd.sock', statPath: '/hostvarrun/cri-dockerd/cri-dockerd.sock' },
    ]);
  });

  it('defaults the host run dir to /hostvarrun and takes another one as a parameter', () => {
    expect(linuxRuntimeCandidates()[0]?.statPath).toBe('/hostvarrun/containerd.sock');
    expect(linuxRuntimeCandidates({ hostRunDir: '/var/run' })[2]?.uri).toBe('unix:///var/run/crio.sock');
  });

  it('makes --socket-file the only candidate, typed common-cri', () => {
    expect(linuxRuntimeCandidates({ socketFile: 'k3s/containerd/containerd.sock' })).toEqual([
      { type: 'common-cri', uri: 'unix:///hostvarrun/k3s/containerd/containerd.sock', statPath: '/hostvarrun/k3s/containerd/containerd.sock' },
    ]);
  });

  it('keeps only candidates whose socket exists, in list order, and never stats a pipe', () => {
    const present = new Set(['/hostvarrun/crio/crio.sock', '/hostvarrun/containerd.sock']);
    const stat: string[] = [];
    const exists = (p: string) => {
      stat.push(p);
      return present.has(p);
    };
    const pipe: RuntimeCandidate = { type: 'containerd', uri: 'npipe://./pipe/containerd-containerd', statPath: null };
    expect(existingCandidates([...linuxRuntimeCandidates(), pipe], exists).map((c) => c.uri)).toEqual([
      'unix:///hostvarrun/containerd.sock',
      'unix:///hostvarrun/crio/crio.sock',
      'npipe://./pipe/containerd-containerd',
    ]);
    expect(stat).toHaveLength(6);
  });

  it('has no candidate when --socket-file names a missing file: no fallback to the list', () => {
    expect(existingCandidates(linuxRuntimeCandidates({ socketFile: 'missing.sock' }), () => false)).toEqual([]);
  });
});

describe('Windows runtime candidates', () => {
  it("is exactly containerd's default pipe, unless configured", () => {
    expect(windowsRuntimeCandidates()).toEqual([{ type: 'containerd', uri: 'npipe://./pipe/containerd-containerd', statPath: null }]);
    expect(windowsRuntimeCandidates({ endpoint: 'npipe:////./pipe/other' })[0]?.uri).toBe('npipe:////./pipe/other');
  });
});

type Step = 'ImageFsInfo' | 'ListImages' | 'Version';

/** A client that fails at `failAt`, or reports `name`; records its calls and the options passed. */
function fakeClient(name: string, failAt?: Step) {
  const calls: { step: Step; timeoutMs: number | null | undefined }[] = [];
  let closed = false;
  const step = async <T>(s: Step, timeoutMs: number | null | undefined, value: T): Promise<T> => {
    calls.push({ step: s, timeoutMs });
    if (s === failAt) throw new CriError({ type: 'cri.unavailable', code: 14, details: `${name} down` });
    return value;
  };
  const client = {
    imageFsInfo: (_s: unknown, _r: unknown, o?: { timeoutMs?: number | null }) => step('ImageFsInfo', o?.timeoutMs, { image_filesystems: [] }),
    listImages: (_s: unknown, _r: unknown, o?: { timeoutMs?: number | null }) => step('ListImages', o?.timeoutMs, { images: [] }),
    version: () => step('Version', undefined, { version: '0.1.0', runtime_name: name, runtime_version: '1', runtime_api_version: 'v1' }),
    close: () => {
      closed = true;
    },
  } as unknown as CriClient;
  return { client, calls, closed: () => closed };
}

const candidate = (uri: string): RuntimeCandidate => ({ type: 'common-cri', uri, statPath: null });

describe('validating candidates as upstream does', () => {
  it('probes ImageFsInfo with 10 s, ListImages with no deadline, then Version, and keeps the runtime name', async () => {
    const fake = fakeClient('containerd');
    const { runtimes, rejected } = await discoverRuntimes([candidate('unix:///a')], { connect: () => fake.client });
    expect(fake.calls).toEqual([
      { step: 'ImageFsInfo', timeoutMs: 10_000 },
      { step: 'ListImages', timeoutMs: null },
      { step: 'Version', timeoutMs: undefined },
    ]);
    expect(runtimes).toMatchObject([{ runtimeName: 'containerd', runtimeApiVersion: 'v1', client: fake.client }]);
    expect(rejected).toEqual([]);
  });

  it('skips a candidate that fails any step, closes it, and keeps the survivors in order', async () => {
    const fakes = {
      'unix:///a': fakeClient('a', 'ListImages'),
      'unix:///b': fakeClient('cri-o'),
      'unix:///c': fakeClient('c', 'Version'),
      'unix:///d': fakeClient('containerd'),
    };
    const { runtimes, rejected } = await discoverRuntimes(Object.keys(fakes).map(candidate), {
      connect: (c) => fakes[c.uri as keyof typeof fakes].client,
    });
    expect(runtimes.map((r) => r.runtimeName)).toEqual(['cri-o', 'containerd']);
    expect(rejected.map((r) => [r.candidate.uri, r.step, r.error.type])).toEqual([
      ['unix:///a', 'ListImages', 'cri.unavailable'],
      ['unix:///c', 'Version', 'cri.unavailable'],
    ]);
    expect(fakes['unix:///a'].closed()).toBe(true);
    expect(fakes['unix:///b'].closed()).toBe(false);
  });

  it('records an endpoint that cannot even be parsed as rejected at connect', async () => {
    const { runtimes, rejected } = await discoverRuntimes([candidate('tcp1://nope')], { clientOptions: { platform: 'linux' } });
    expect(runtimes).toEqual([]);
    expect(rejected).toMatchObject([{ step: 'connect', error: { type: 'cri.invalidArgument' } }]);
  });

  it('stops at once when the caller aborts, closing what it had kept', async () => {
    const controller = new AbortController();
    const first = fakeClient('containerd');
    const second = fakeClient('cri-o');
    (second.client as { imageFsInfo: unknown }).imageFsInfo = () => {
      controller.abort(new Error('shutting down'));
      return Promise.reject(new Error('cancelled'));
    };
    const run = discoverRuntimes([candidate('unix:///a'), candidate('unix:///b')], {
      signal: controller.signal,
      connect: (c) => (c.uri === 'unix:///a' ? first.client : second.client),
    });
    await expect(run).rejects.toThrow('shutting down');
    expect(first.closed()).toBe(true);
    expect(second.closed()).toBe(true);
  });
});
