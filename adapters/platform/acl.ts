// Permissions for files kruised writes (windows.md §4.5, §6 "permissions"). Linux: mode bits
// (0700 directories, 0600 files). Windows: chmod only toggles the read-only bit, so access is set
// with an ACL by SID through `icacls.exe` (group names are localised; SIDs are not). The builders
// are pure; running them goes through the injected ProcessRunner, which on Linux is never called.
import path from 'node:path';
import type { CommandLine, PermissionPlan, PermissionTarget, Permissions, PlatformFs, ProcessRunner } from './types.js';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Well-known SIDs **[standard Windows values; windows.md §4.5 did not re-verify them]**. */
export const WELL_KNOWN_SIDS = {
  localSystem: 'S-1-5-18', // NT AUTHORITY\SYSTEM, which kruised's HostProcess pod runs as
  localService: 'S-1-5-19',
  networkService: 'S-1-5-20',
  administrators: 'S-1-5-32-544', // BUILTIN\Administrators
  users: 'S-1-5-32-545',
  everyone: 'S-1-1-0',
} as const;

/** icacls simple rights: full, modify, read+execute, read, write. */
export type IcaclsRight = 'F' | 'M' | 'RX' | 'R' | 'W';

export interface AclGrant {
  readonly sid: string;
  readonly rights: IcaclsRight;
}

/** SYSTEM and Administrators, full control: nobody else, not even inherited Users from C:\ProgramData. */
export const PRIVATE_GRANTS: readonly AclGrant[] = [
  { sid: WELL_KNOWN_SIDS.localSystem, rights: 'F' },
  { sid: WELL_KNOWN_SIDS.administrators, rights: 'F' },
];

const SID = /^S-1-\d+(-\d+)+$/;

/**
 * `icacls <path> /inheritance:r /grant:r *SID:(OI)(CI)F …`. `/inheritance:r` drops inherited
 * entries; `/grant:r` replaces the SID's explicit entries; `(OI)(CI)` (directories only) makes the
 * grant inherit to new files and subdirectories, so files created later need no call of their own.
 * A group-based HostProcess user (KEP-1981) needs its own SID added to `grants`.
 */
export function icaclsRestrictCommand(target: string, kind: PermissionTarget, grants: readonly AclGrant[] = PRIVATE_GRANTS): CommandLine {
  // icacls reads an argument starting with `/` as a switch, and `\x` / `C:x` would resolve against
  // the current drive or directory: demand a fully qualified path.
  const normalised = path.win32.normalize(target);
  if (!/^[A-Za-z]:\\/.test(normalised) && !/^\\\\[^\\]/.test(normalised)) {
    throw new Error(`icacls needs a fully qualified Windows path (C:\\… or \\\\server\\share\\…), got ${JSON.stringify(target)}`);
  }
  if (grants.length === 0) throw new Error('icacls: refusing to remove every access entry (no grants)');
  const inherit = kind === 'directory' ? '(OI)(CI)' : '';
  const args: string[] = [normalised, '/inheritance:r'];
  for (const grant of grants) {
    if (!SID.test(grant.sid)) throw new Error(`icacls: ${JSON.stringify(grant.sid)} is not a SID`);
    args.push('/grant:r', `*${grant.sid}:${inherit}${grant.rights}`);
  }
  return { file: 'icacls.exe', args };
}

export function linuxPermissions(fs: PlatformFs): Permissions {
  const plan = (p: string, kind: PermissionTarget): PermissionPlan => ({
    kind: 'chmod',
    path: p,
    mode: kind === 'directory' ? PRIVATE_DIR_MODE : PRIVATE_FILE_MODE,
  });
  return {
    plan,
    restrict: async (p, kind) => {
      const step = plan(p, kind);
      if (step.kind === 'chmod') await fs.chmod(step.path, step.mode);
    },
  };
}

export function windowsPermissions(run: ProcessRunner, describeExit: (code: number) => string): Permissions {
  const plan = (p: string, kind: PermissionTarget): PermissionPlan => ({ kind: 'icacls', command: icaclsRestrictCommand(p, kind) });
  return {
    plan,
    restrict: async (p, kind) => {
      const step = plan(p, kind);
      if (step.kind !== 'icacls') return;
      const result = await run(step.command);
      if (result.exitCode !== 0) {
        const how = result.exitCode === null ? `signal ${result.signal ?? '?'}` : describeExit(result.exitCode);
        const detail = (result.stderr.trim() || result.stdout.trim()).replace(/\r\n/g, '\n');
        throw new Error(`restricting access to ${p} failed: icacls.exe ended with ${how}${detail === '' ? '' : `: ${detail}`}`);
      }
    },
  };
}
