// Discovery end to end: a fake host run dir whose containerd.sock is the bed's real socket and
// whose crio.sock is a dead file, validated exactly as at daemon startup.
import { symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoverRuntimes, existingCandidates, linuxRuntimeCandidates, lookupRuntime } from '../../../adapters/cri/index.js';
import { runtimeBed, runtimeBedSkipReason } from '../../bed/runtime-bed.js';
import { tempDir } from '../../support/tmp.js';

const bed = runtimeBed();

describe.skipIf(bed === undefined)(`runtime discovery against a real containerd ${runtimeBedSkipReason()}`.trim(), () => {
  it('keeps the live containerd socket, rejects a dead one, and finds containerd by container ID scheme', async () => {
    const hostRunDir = await tempDir('kruised-hvr-');
    await symlink(bed!.socket, join(hostRunDir, 'containerd.sock'));
    await writeFile(join(hostRunDir, 'crio.sock'), '');
    const candidates = existingCandidates(linuxRuntimeCandidates({ hostRunDir }));
    expect(candidates.map((c) => c.uri)).toEqual([`unix://${hostRunDir}/containerd.sock`, `unix://${hostRunDir}/crio.sock`]);

    const { runtimes, rejected } = await discoverRuntimes(candidates, { clientOptions: { platform: 'linux' } });
    try {
      expect(runtimes.map((r) => [r.candidate.type, r.runtimeName, r.runtimeApiVersion])).toEqual([['containerd', 'containerd', 'v1']]);
      expect(rejected).toMatchObject([{ candidate: { uri: `unix://${hostRunDir}/crio.sock` }, step: 'ImageFsInfo', error: { type: 'cri.unavailable' } }]);
      const found = lookupRuntime(runtimes, ['', 'containerd://0123abcd']);
      expect(found.ok && (await found.runtime.client.version(undefined)).runtime_name).toBe('containerd');
    } finally {
      for (const r of runtimes) r.client.close();
    }
  });
});
