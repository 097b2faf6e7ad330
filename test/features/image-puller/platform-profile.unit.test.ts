// The image puller asks the platform profile, not the OS name, whether to read an image's
// platforms before pulling, and what host to judge them against.
import { describe, expect, it } from 'vitest';
import { platformProfile } from '../../../adapters/platform/index.js';
import { platformCheckOf } from '../../../daemon/features/image-puller/wiring.js';
import { FakeFs, FakeProcess, FakeRunner, RecordingSleep } from '../../adapters/platform/fakes.js';

const seams = (release: string, arch: string) => ({
  fs: new FakeFs(),
  process: new FakeProcess(),
  sleep: new RecordingSleep().sleep,
  run: new FakeRunner().run,
  env: {},
  host: { release: () => release, arch },
});

describe('the image-platform check from the platform profile', () => {
  it('is on for Windows nodes, judged against the host build and OCI architecture the profile names', () => {
    const windows = platformProfile('windows', seams('10.0.17763', 'x64'));
    expect(windows.image.checkBeforePull).toBe(true);
    const check = platformCheckOf(windows);
    expect(check?.host).toEqual({ os: 'windows', architecture: 'amd64', osVersion: '10.0.17763' });
    expect(check?.rules.osVersionCompatible('10.0.17763', '10.0.20348')).toBe(false);
    expect(check?.rules.osVersionCompatible('10.0.17763', '10.0.17763.6189')).toBe(true);
  });

  it('is off for Linux nodes, where containerd picks the entry itself', () => {
    const linux = platformProfile('linux', seams('6.1.0', 'arm64'));
    expect(linux.image.checkBeforePull).toBe(false);
    expect(linux.image.hostPlatform()).toEqual({ os: 'linux', architecture: 'arm64', osVersion: '' });
    expect(platformCheckOf(linux)).toBeUndefined();
  });
});
