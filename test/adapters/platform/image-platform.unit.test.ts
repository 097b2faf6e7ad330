// Which of an image's platforms a node can run (windows.md §2.7), as a table: Windows hosts of
// the ltsc2019, ltsc2022 and ltsc2025 generations against indexes a registry serves.
import { describe, expect, it } from 'vitest';
import {
  linuxImagePlatform,
  ociArchitecture,
  platformVerdict,
  windowsImagePlatform,
  type HostPlatform,
  type ImagePlatformEntry,
} from '../../../adapters/platform/image-platform.js';

const win = (osVersion: string, architecture = 'amd64'): ImagePlatformEntry => ({ os: 'windows', architecture, osVersion });
const linux = (architecture = 'amd64', variant?: string): ImagePlatformEntry => ({ os: 'linux', architecture, ...(variant ? { variant } : {}), osVersion: '' });
const host = (osVersion: string, architecture = 'amd64'): HostPlatform => ({ os: 'windows', architecture, osVersion });

// servercore-like indexes: one Windows entry per LTSC.
const ALL_LTSC = [win('10.0.17763.6189'), win('10.0.20348.2655'), win('10.0.26100.1742')];

describe('platformVerdict on Windows hosts', () => {
  it.each([
    ['ltsc2019 host, every LTSC offered', host('10.0.17763'), ALL_LTSC, '10.0.17763.6189'],
    ['ltsc2022 host, every LTSC offered', host('10.0.20348'), ALL_LTSC, '10.0.20348.2655'],
    ['ltsc2025 host takes the first runnable entry (index order; containerd does not prefer the newest)', host('10.0.26100'), ALL_LTSC, '10.0.20348.2655'],
    ['Windows 11 22H2 host runs ltsc2022', host('10.0.22621'), [win('10.0.20348.1')], '10.0.20348.1'],
    ['an entry without os.version runs anywhere', host('10.0.17763'), [win('')], ''],
    ['an unknown host version accepts any Windows entry', host(''), [win('10.0.26100.1')], '10.0.26100.1'],
    ['a Linux entry beside a matching Windows one is skipped', host('10.0.20348'), [linux(), win('10.0.20348.5')], '10.0.20348.5'],
    ['architecture spellings are normalised (x86_64 = amd64)', host('10.0.20348', 'x64'), [win('10.0.20348.5', 'x86_64')], '10.0.20348.5'],
  ])('%s', (_what, h, entries, chosen) => {
    const verdict = platformVerdict(entries, h, windowsImagePlatform);
    expect(verdict).toEqual({ runs: true, entry: expect.objectContaining({ os: 'windows', osVersion: chosen }) });
  });

  it.each([
    ['ltsc2019 host, ltsc2022 only', host('10.0.17763'), [win('10.0.20348.2655')], 'windows/amd64 10.0.20348.2655'],
    ['ltsc2022 host, ltsc2019 only', host('10.0.20348'), [win('10.0.17763.1')], 'windows/amd64 10.0.17763.1'],
    ['ltsc2022 host, ltsc2025 only (newer than the host)', host('10.0.20348'), [win('10.0.26100.1')], 'windows/amd64 10.0.26100.1'],
    ['Linux-only image', host('10.0.20348'), [linux(), linux('arm64', 'v8')], 'linux/amd64, linux/arm64/v8'],
    ['Windows entries for another architecture', host('10.0.20348'), [win('10.0.20348.1', 'arm64')], 'windows/arm64 10.0.20348.1'],
    ['an unparsable image os.version', host('10.0.20348'), [win('ltsc2022')], 'windows/amd64 ltsc2022'],
    ['an empty index', host('10.0.20348'), [], 'none'],
  ])('%s: cannot run, and the message names the host and the offer', (_what, h, entries, offered) => {
    const verdict = platformVerdict(entries, h, windowsImagePlatform);
    expect(verdict).toEqual({
      runs: false,
      message: `no matching manifest for windows/${ociArchitecture(h.architecture)} ${h.osVersion} in the manifest list entries (the image offers: ${offered})`,
    });
  });

  it('applies only os and architecture on Linux hosts', () => {
    expect(platformVerdict([win('10.0.20348.1'), linux('arm64')], { os: 'linux', architecture: 'arm64', osVersion: '' }, linuxImagePlatform)).toMatchObject({
      runs: true,
      entry: { os: 'linux' },
    });
    expect(platformVerdict([win('10.0.20348.1')], { os: 'linux', architecture: 'amd64', osVersion: '' }, linuxImagePlatform)).toMatchObject({ runs: false });
  });
});
