// adapters/platform: one profile per OS, chosen once in daemon/ (ARCHITECTURE.md §6).
//
//   const platform = platformProfile(platformOsOf(process.platform));
//
// Coverage of shared/spec/windows.md §6, row by row:
//
// | §6 row                        | where                                                                |
// | ----------------------------- | -------------------------------------------------------------------- |
// | runtime endpoint discovery    | endpoints.ts (candidate names/order; stat-ing is adapters/cri's)     |
// | endpoint parsing              | adapters/cri: npipe/unix parsing is its job, not duplicated here     |
// | gRPC dial target              | adapters/cri: the `unix:\\.\pipe\…` builder sits beside the dialer   |
// | reconnect semantics           | endpoints.ts reconnect error codes; the backoff loop is adapters/cri's|
// | CRI message shape             | adapters/cri: decoding must not assume `linux` sub-messages          |
// | stop / graceful termination   | shutdown.ts stopSemantics (Windows: a stop is a crash)               |
// | exec commands                 | exec-shaping.ts (env, sh -c / cmd /c / powershell, cat / type)       |
// | exit codes                    | exit-codes.ts (>>> 0, NTSTATUS names, 128+signal)                    |
// | exec/stop timeouts            | cri.baseTimeoutMs per OS (linux.ts, windows.ts)                      |
// | image platform                | image-platform.ts (os.version compat matcher, windows-build label)   |
// | pull timeouts / progress      | the puller: timeouts come from the NodeImage spec (the manager's)    |
// |                               | and the no-progress watchdog reads CRI progress, not the OS          |
// | paths                         | paths.ts (path.win32, case-insensitive compare, drive pinning, \\?\)  |
// | file names                    | file-names.ts (one portable, case-fold-unique encoding)              |
// | atomic state writes           | atomic-write.ts (fsync + rename + dir fsync / rename retry)          |
// | permissions                   | acl.ts (chmod 0700/0600; icacls by SID)                               |
// | locks                         | none yet: a `'wx'` lock file + lease is the same code on both OSes,  |
// |                               | so it belongs with its user (engine/), not in a profile              |
// | signals for interactive runs  | shutdown.ts hooks (SIGTERM/SIGINT; SIGINT/SIGBREAK/SIGHUP + exit)    |
// | child processes               | child-process.ts (no .cmd/.bat, windowsHide, taskkill /T /F)         |
// | line endings                  | output.ts (CRLF → LF, \r?\n splitting, BOM-aware decoding)           |
// | in-cluster credentials        | paths.ts serviceAccountCandidates + pickServiceAccount               |
// | deployment manifest           | deploy/ (its own tests)                                              |
// | node selection for jobs       | the puller, with image.nodeBuildLabel / image.imageOs from here      |
// | image platform check          | image.checkBeforePull / image.hostPlatform() (the puller's wiring)   |
//
// Host name: kruised takes the node name from NODE_NAME / --node-name (as upstream), never from
// os.hostname() (upper-case NetBIOS names on Windows), so no profile field is needed for it.
// Container IDs (`containerd://<id>`) and their parsing are OS-independent (adapters/cri);
// kubelet log paths are paths.podLogPath.
import { spawnRunner, windowsChildProcess } from './child-process.js';
import { linuxProfile } from './linux.js';
import { nodeEnv, nodeFs, nodeHost, nodeProcess, nodeSleep } from './node-seams.js';
import type { PlatformOs, PlatformProfile, PlatformSeams } from './types.js';
import { windowsProfile } from './windows.js';

export type * from './types.js';
export { icaclsRestrictCommand, PRIVATE_GRANTS, WELL_KNOWN_SIDS, type AclGrant, type IcaclsRight } from './acl.js';
export { AtomicWriteError, createAtomicWriter, isAtomicWriteTemp, renameDelayMs, WINDOWS_RENAME_RETRY } from './atomic-write.js';
export { WINDOWS_CONTAINERD_ENDPOINT, WINDOWS_CONTAINERD_PIPE, LINUX_HOST_RUN_DIR } from './endpoints.js';
export { hex32, linuxSignalName, WINDOWS_EXIT_CODES } from './exit-codes.js';
export { linuxChildProcess, spawnRunner, windowsChildProcess } from './child-process.js';
export { decodeFileName, encodeFileName, isPortableFileName } from './file-names.js';
export { ociArchitecture, parseWindowsOsVersion, platformVerdict, windowsOsVersionCompatible, WINDOWS_BUILD_LABEL } from './image-platform.js';
export { normaliseNewlines, splitLines, trimTrailingNewlines } from './output.js';
export { pickServiceAccount } from './paths.js';

/** 'win32' → 'windows'; everything else kruised runs on is Linux. */
export function platformOsOf(nodePlatform: NodeJS.Platform): PlatformOs {
  return nodePlatform === 'win32' ? 'windows' : 'linux';
}

/** The profile for `os`. Seams default to the live Node ones; tests pass fakes. */
export function platformProfile(os: PlatformOs, seams: PlatformSeams = {}): PlatformProfile {
  const fs = seams.fs ?? nodeFs;
  const signals = seams.process ?? nodeProcess();
  const sleep = seams.sleep ?? nodeSleep;
  const host = seams.host ?? nodeHost();
  const tempSuffix = seams.tempSuffix !== undefined ? { tempSuffix: seams.tempSuffix } : {};
  if (os === 'linux') return linuxProfile({ fs, process: signals, sleep, host, ...tempSuffix });
  return windowsProfile({
    fs,
    process: signals,
    sleep,
    host,
    run: seams.run ?? spawnRunner(windowsChildProcess),
    env: seams.env ?? nodeEnv(),
    ...tempSuffix,
    ...(seams.renameRetry !== undefined ? { renameRetry: seams.renameRetry } : {}),
  });
}
