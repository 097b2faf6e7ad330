// Which image manifest entries a node can run (windows.md §2.7, §6 "image platform"). Linux
// matches on os/architecture only. Windows also needs the image's `os.version` to be compatible
// with the host build, by containerd/platforms' rules (`platform_windows_compat.go`):
//   - major and minor must equal the host's; only major.minor.build count (revision ignored);
//   - host build < 20348: the image build must equal the host build exactly (ltsc2019 = 17763);
//   - host build >= 20348: the image build must lie between a floor and the host build, where the
//     floor is the LTSC before the newest LTSC <= host (or 20348 itself for a 20348-generation
//     host). LTSC list: 20348 (ltsc2022), 26100 (ltsc2025). So a 26100 host runs 20348..26100;
//     a 20348 or 22621 host runs 20348..host;
//   - an empty image os.version, or an unknown host version, matches anything.
// HostProcess images are exempt (KEP-1981): callers skip this check for them.
// `platformVerdict` applies the rules to an image's entries (an index's, or a single manifest's
// config): an entry runs here when its os is the host's, its architecture the host's (variants
// and `os.features` such as win32k are not compared), and its os.version compatible.
import type { HostPlatform, HostSeam, ImagePlatformProfile, ImagePlatformRules } from './types.js';

export const WINDOWS_BUILD_LABEL = 'node.kubernetes.io/windows-build';

const LTSC2022 = 20348;
const COMPAT_LTSC_RELEASES: readonly number[] = [LTSC2022, 26100];

interface WindowsVersion {
  readonly major: number;
  readonly minor: number;
  readonly build: number;
}

/** `10.0.20348[.1234]` → {10, 0, 20348}; undefined when it does not parse (or overflows Windows' widths). */
export function parseWindowsOsVersion(text: string): WindowsVersion | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)(?:\.\d+)?$/.exec(text.trim());
  if (m === null) return undefined;
  const [major, minor, build] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (major > 0xff || minor > 0xff || build > 0xffff) return undefined;
  return { major, minor, build };
}

export function windowsOsVersionCompatible(hostOsVersion: string, imageOsVersion: string): boolean {
  const host = parseWindowsOsVersion(hostOsVersion);
  if (host === undefined || imageOsVersion === '') return true;
  const image = parseWindowsOsVersion(imageOsVersion);
  if (image === undefined) return false;
  if (host.major !== image.major || host.minor !== image.minor) return false;
  if (host.build < LTSC2022) return host.build === image.build;
  let floor = LTSC2022;
  for (let i = COMPAT_LTSC_RELEASES.length - 1; i >= 0; i--) {
    if (host.build >= (COMPAT_LTSC_RELEASES[i] as number)) {
      floor = (i === 0 ? COMPAT_LTSC_RELEASES[i] : COMPAT_LTSC_RELEASES[i - 1]) as number;
      break;
    }
  }
  return floor <= image.build && image.build <= host.build;
}

export const linuxImagePlatform: ImagePlatformRules = {
  imageOs: 'linux',
  nodeBuildLabel: null,
  osVersionCompatible: () => true,
};

export const windowsImagePlatform: ImagePlatformRules = {
  imageOs: 'windows',
  nodeBuildLabel: WINDOWS_BUILD_LABEL,
  osVersionCompatible: windowsOsVersionCompatible,
};

/** One platform an image offers: an index entry's `platform`, or a single manifest's config. */
export interface ImagePlatformEntry {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
  /** `os.version`, '' when absent. */
  readonly osVersion?: string;
}

export type { HostPlatform } from './types.js';

export type PlatformVerdict = { readonly runs: true; readonly entry: ImagePlatformEntry } | { readonly runs: false; readonly message: string };

/** Node's `process.arch` (or a manifest's spelling) as OCI names architectures. */
export function ociArchitecture(arch: string): string {
  const names: Record<string, string> = { x64: 'amd64', x86_64: 'amd64', ia32: '386', aarch64: 'arm64', arm: 'arm' };
  return names[arch] ?? arch;
}

const describeEntry = (e: ImagePlatformEntry): string =>
  `${e.os}/${ociArchitecture(e.architecture)}${e.variant ? `/${e.variant}` : ''}${e.osVersion ? ` ${e.osVersion}` : ''}`;

/**
 * Whether any of `entries` runs on `host` under `rules`; when none does, the message names the host
 * and every entry, in the words containerd uses ("no matching manifest for windows/amd64 10.0.17763
 * in the manifest list entries").
 */
export function platformVerdict(entries: readonly ImagePlatformEntry[], host: HostPlatform, rules: ImagePlatformRules): PlatformVerdict {
  const arch = ociArchitecture(host.architecture);
  const entry = entries.find(
    (e) => e.os === host.os && ociArchitecture(e.architecture) === arch && rules.osVersionCompatible(host.osVersion, e.osVersion ?? ''),
  );
  if (entry) return { runs: true, entry };
  const hostText = `${host.os}/${arch}${host.osVersion ? ` ${host.osVersion}` : ''}`;
  const offered = entries.length === 0 ? 'none' : entries.map(describeEntry).join(', ');
  return { runs: false, message: `no matching manifest for ${hostText} in the manifest list entries (the image offers: ${offered})` };
}

/** Linux nodes: containerd picks the entry for the host, so the puller pulls without reading the index first. */
export function linuxImagePlatformProfile(host: HostSeam): ImagePlatformProfile {
  return { ...linuxImagePlatform, checkBeforePull: false, hostPlatform: () => ({ os: 'linux', architecture: ociArchitecture(host.arch), osVersion: '' }) };
}

/** Windows nodes: the index is read before the first pull and judged against this host's build (`os.release()` is `10.0.<build>` there). */
export function windowsImagePlatformProfile(host: HostSeam): ImagePlatformProfile {
  return {
    ...windowsImagePlatform,
    checkBeforePull: true,
    hostPlatform: () => ({ os: 'windows', architecture: ociArchitecture(host.arch), osVersion: host.release() }),
  };
}
