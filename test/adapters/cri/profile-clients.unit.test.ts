// The CRI clients take their OS from the platform profile, never from the host Node runs on: on
// this Linux machine the Windows profile's clients read the containerd pipe as Windows does, and
// the Linux profile's refuse it. No call is made: grpc-js dials lazily, so only parsing and the
// dial target are checked here (windows-pipe.int.test.ts dials one through a stand-in pipe).
import { describe, expect, it } from 'vitest';
import { createContentProgressReader, createCriClient, CriError, discoverRuntimes, type CriClientOptions } from '../../../adapters/cri/index.js';
import { platformProfile } from '../../../adapters/platform/index.js';
import { FakeFs, FakeProcess, FakeRunner, RecordingSleep } from '../platform/fakes.js';

const seams = { fs: new FakeFs(), process: new FakeProcess(), sleep: new RecordingSleep().sleep, run: new FakeRunner().run, env: {} };
const linux = platformProfile('linux', seams);
const windows = platformProfile('windows', seams);
const [windowsPipe] = windows.cri.endpointCandidates();
const [linuxSocket] = linux.cri.endpointCandidates();

function thrown(fn: () => unknown): CriError {
  try {
    fn();
  } catch (error) {
    if (error instanceof CriError) return error;
    throw error;
  }
  throw new Error('expected a CriError');
}

describe('CRI clients built from a platform profile', () => {
  it("dials the Windows profile's containerd pipe as a pipe path on a Linux host", () => {
    const cri = createCriClient({ endpoint: windowsPipe!.uri, platform: windows.os, baseTimeoutMs: windows.cri.baseTimeoutMs });
    try {
      expect(cri.endpoint).toMatchObject({ protocol: 'npipe', name: 'containerd-containerd' });
      expect(cri.target).toBe('unix:\\\\.\\pipe\\containerd-containerd');
    } finally {
      cri.close();
    }
    const reader = createContentProgressReader({ endpoint: windowsPipe!.uri, platform: windows.os });
    expect(reader.target).toBe('unix:\\\\.\\pipe\\containerd-containerd');
    reader.close();
  });

  it("refuses the pipe under the Linux profile, and the Linux profile's socket under the Windows one", () => {
    expect(thrown(() => createCriClient({ endpoint: windowsPipe!.uri, platform: linux.os })).type).toBe('cri.invalidArgument');
    expect(thrown(() => createContentProgressReader({ endpoint: windowsPipe!.uri, platform: linux.os })).message).toContain('not supported on Linux');
    expect(thrown(() => createCriClient({ endpoint: linuxSocket!.uri, platform: windows.os })).message).toContain('not supported on Windows');
    const cri = createCriClient({ endpoint: linuxSocket!.uri, platform: linux.os });
    expect(cri.target).toBe('unix:///hostvarrun/containerd.sock');
    cri.close();
  });

  it('needs the OS to be named: there is no default taken from the host', () => {
    // @ts-expect-error `platform` is required (typecheck fails if it ever becomes optional again)
    const options: CriClientOptions = { endpoint: linuxSocket!.uri };
    expect(options.platform).toBeUndefined();
  });

  it("discovers through clients parsed with the profile's OS", async () => {
    const { runtimes, rejected } = await discoverRuntimes(linux.cri.endpointCandidates({ endpoint: windowsPipe!.uri }), {
      clientOptions: { platform: linux.os },
    });
    expect(runtimes).toEqual([]);
    expect(rejected).toMatchObject([{ step: 'connect', error: { type: 'cri.invalidArgument' } }]);
  });
});
