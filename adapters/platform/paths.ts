// Host paths per OS (windows.md §3.5, §4.4). Host paths are always built with `path.posix` or
// `path.win32` explicitly, never the running host's `node:path`, so the Windows rules run on Linux.
import path from 'node:path';
import type { PathOps, ServiceAccountCandidate } from './types.js';

const SERVICEACCOUNT_ROOT = '/var/run/secrets/kubernetes.io/serviceaccount';

export function posixPathOps(): PathOps {
  const p = path.posix;
  const norm = (x: string): string => {
    const n = p.normalize(x);
    return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
  };
  return {
    impl: p,
    sep: '/',
    join: (...parts) => p.join(...parts),
    samePath: (a, b) => norm(a) === norm(b),
    isWithin: (parent, child) => {
      const rel = p.relative(norm(parent), norm(child));
      return rel === '' || (rel !== '..' && !rel.startsWith('../') && !p.isAbsolute(rel));
    },
    isFullyQualified: (x) => x.startsWith('/'),
    pinToSystemDrive: (x) => x,
    toLongPath: (x) => x,
    podLogPath: (ns, pod, uid, container, restart) => p.join('/var/log/pods', `${ns}_${pod}_${uid}`, container, `${restart}.log`),
    serviceAccountCandidates: () => [{ prefix: '', tokenFile: `${SERVICEACCOUNT_ROOT}/token`, why: 'the projected service-account volume' }],
  };
}

/** `C:` from `SystemDrive` when it looks like a drive, else `C:`. */
export function systemDrive(env: Readonly<Record<string, string | undefined>>): string {
  const drive = env.SystemDrive ?? env.SYSTEMDRIVE;
  return drive !== undefined && /^[A-Za-z]:$/.test(drive) ? drive.toUpperCase() : 'C:';
}

export function win32PathOps(env: Readonly<Record<string, string | undefined>>): PathOps {
  const w = path.win32;
  const drive = systemDrive(env);
  // path.win32.relative already compares case-insensitively (windows.md §4.4); normalise for equality.
  const key = (x: string): string => {
    const n = w.normalize(x);
    const trimmed = n.length > 3 && n.endsWith('\\') ? n.slice(0, -1) : n;
    return trimmed.toLowerCase();
  };
  const fullyQualified = (x: string): boolean => /^[A-Za-z]:[\\/]/.test(x) || /^[\\/]{2}[^\\/]/.test(x);
  const pin = (x: string): string => {
    // `/var/...` is drive-relative: it resolves against the current drive (kubernetes#139109).
    if (/^[\\/](?![\\/])/.test(x)) return w.normalize(drive + x);
    return x;
  };
  const ops: PathOps = {
    impl: w,
    sep: '\\',
    join: (...parts) => w.join(...parts),
    samePath: (a, b) => key(a) === key(b),
    isWithin: (parent, child) => {
      const rel = w.relative(w.normalize(parent), w.normalize(child));
      return rel === '' || (rel !== '..' && !rel.startsWith('..\\') && !w.isAbsolute(rel));
    },
    isFullyQualified: fullyQualified,
    pinToSystemDrive: pin,
    toLongPath: (x) => w.toNamespacedPath(pin(x)),
    podLogPath: (ns, pod, uid, container, restart) => w.join(`${drive}\\var\\log\\pods`, `${ns}_${pod}_${uid}`, container, `${restart}.log`),
    serviceAccountCandidates: () => {
      const out: ServiceAccountCandidate[] = [
        {
          prefix: drive,
          tokenFile: w.join(`${drive}\\`, SERVICEACCOUNT_ROOT, 'token'),
          why: 'HostProcess bind mode (containerd >= 1.7): volumes appear at their mountPath on the system drive',
        },
      ];
      const sandbox = env.CONTAINER_SANDBOX_MOUNT_POINT;
      if (sandbox !== undefined && sandbox !== '') {
        const prefix = sandbox.replace(/[\\/]+$/, '');
        out.push({
          prefix,
          tokenFile: w.join(prefix, SERVICEACCOUNT_ROOT, 'token'),
          why: 'HostProcess symlink mode: volumes appear under $CONTAINER_SANDBOX_MOUNT_POINT',
        });
      }
      return out;
    },
  };
  return ops;
}

/** The first candidate whose token file exists (probe injected), or undefined. */
export async function pickServiceAccount(
  candidates: readonly ServiceAccountCandidate[],
  exists: (file: string) => boolean | Promise<boolean>,
): Promise<ServiceAccountCandidate | undefined> {
  for (const candidate of candidates) if (await exists(candidate.tokenFile)) return candidate;
  return undefined;
}
