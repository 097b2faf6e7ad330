// The Windows profile's transport on a Linux machine: the client is built from the kubelet-style
// endpoint upstream uses on Windows, parses it as Windows does, and dials the pipe path through
// a pipe resolver that maps it to a unix socket literally named after the pipe, which relays to
// the bed's containerd (support/pipe-proxy.ts explains why a relay).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCriClient, DEFAULT_WINDOWS_ENDPOINT, type CriClient } from '../../../adapters/cri/index.js';
import { runtimeBed, runtimeBedSkipReason } from '../../bed/runtime-bed.js';
import { startPipeProxy, type PipeProxy } from './support/pipe-proxy.js';

const bed = runtimeBed();
const PIPE = '\\\\.\\pipe\\containerd-containerd';

async function eventually<T>(attempt: () => Promise<T>, withinMs: number): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe.skipIf(bed === undefined)(`the Windows profile over a stand-in named pipe ${runtimeBedSkipReason()}`.trim(), () => {
  let dir: string;
  let proxy: PipeProxy;
  let cri: CriClient;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kruised-pipe-'));
    proxy = await startPipeProxy(dir, PIPE, bed!.socket);
    cri = createCriClient({ endpoint: DEFAULT_WINDOWS_ENDPOINT, platform: 'windows', pipeResolver: proxy.resolver });
  });
  afterAll(async () => {
    cri?.close();
    await proxy?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("parses upstream's Windows endpoint into the pipe path and dials it through the resolver", () => {
    expect(cri.endpoint).toMatchObject({ protocol: 'npipe', host: '.', name: 'containerd-containerd', path: PIPE });
    expect(cri.target).toBe(`unix://${proxy.socketPath}`);
    expect(proxy.socketPath.endsWith('/\\\\.\\pipe\\containerd-containerd')).toBe(true);
  });

  it('reaches the real containerd through the pipe-named socket and answers Version', async () => {
    const before = proxy.connections();
    const v = await cri.version(undefined);
    expect(v).toMatchObject({ runtime_name: 'containerd', runtime_api_version: 'v1' });
    expect(proxy.connections()).toBeGreaterThan(before);
  });

  it('fails calls as retryable unavailable while the pipe is gone, and recovers when it is back', async () => {
    await cri.version(undefined);
    await proxy.close();
    await expect(cri.version(undefined)).rejects.toMatchObject({ type: 'cri.unavailable', retryable: true, code: 14 });
    await proxy.reopen();
    const v = await eventually(() => cri.version(undefined), 10_000);
    expect(v.runtime_name).toBe('containerd');
  });
});
