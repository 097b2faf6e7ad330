// Commands kruised composes itself for CRI ExecSync (windows.md §2.6). ExecSync runs argv with no
// shell on either OS; Windows images have no POSIX tools (`env`, `cat`, `sh`), and nanoserver
// has `cmd.exe` but no Windows PowerShell, so the agent's own commands use `cmd /c`.
//
// User-written commands (PodProbeMarker exec probes, exec preStop hooks) are passed through
// untouched on both OSes, as upstream does: the user wrote them for their container's OS.
// Parsing the env output (Go TrimSpace, first `=`) is the containermeta feature's job
// (contract §7.3); CRLF is absorbed there by the per-line trim.
import type { ExecShaping } from './types.js';

export const linuxExecShaping: ExecShaping = {
  envCommand: ['env'],
  shell: (script) => ['sh', '-c', script],
  powershell: null,
  readFile: (file) => ['cat', file],
  envNamesCaseInsensitive: false,
};

/**
 * hcsshim joins argv with `windows.EscapeArg` (MSVC rules). `cmd /c` strips one pair of outer
 * quotes but does not understand `\"`, so a script that itself contains `"` is unreliable through
 * `shell()`; use `powershell()` for those where PowerShell exists.
 */
export const windowsExecShaping: ExecShaping = {
  // Upstream runs `env` here too, which fails on Windows images (contract §7.3 note; an
  // improvement listed in ARCHITECTURE.md §1). `set` prints NAME=value lines, CRLF-terminated.
  envCommand: ['cmd', '/c', 'set'],
  shell: (script) => ['cmd', '/c', script],
  powershell: (script) => ['powershell', '-NoProfile', '-NonInteractive', '-Command', script],
  // Separate argv elements: EscapeArg quotes a path with spaces, and `type` accepts it quoted.
  readFile: (file) => ['cmd', '/c', 'type', file],
  envNamesCaseInsensitive: true,
};
