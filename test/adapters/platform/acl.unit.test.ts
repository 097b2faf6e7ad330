import { describe, expect, it } from 'vitest';
import { icaclsRestrictCommand, platformProfile, WELL_KNOWN_SIDS } from '../../../adapters/platform/index.js';
import { FakeFs, FakeProcess, FakeRunner, RecordingSleep } from './fakes.js';

function windowsWith(runner: FakeRunner) {
  return platformProfile('windows', { fs: new FakeFs(), process: new FakeProcess(), sleep: new RecordingSleep().sleep, run: runner.run, env: {} });
}

describe('icacls argv', () => {
  it('restricts a directory to SYSTEM and Administrators, inheriting to new children', () => {
    expect(icaclsRestrictCommand('C:\\ProgramData\\kruised', 'directory')).toEqual({
      file: 'icacls.exe',
      args: ['C:\\ProgramData\\kruised', '/inheritance:r', '/grant:r', '*S-1-5-18:(OI)(CI)F', '/grant:r', '*S-1-5-32-544:(OI)(CI)F'],
    });
  });

  it('restricts a file without inheritance flags', () => {
    expect(icaclsRestrictCommand('C:\\ProgramData\\kruised\\pull-secret.json', 'file').args).toEqual([
      'C:\\ProgramData\\kruised\\pull-secret.json',
      '/inheritance:r',
      '/grant:r',
      '*S-1-5-18:F',
      '/grant:r',
      '*S-1-5-32-544:F',
    ]);
  });

  it('grants extra SIDs, such as a HostProcess group user, with the rights asked for', () => {
    const args = icaclsRestrictCommand('C:\\ProgramData\\kruised', 'directory', [
      { sid: WELL_KNOWN_SIDS.localSystem, rights: 'F' },
      { sid: 'S-1-5-21-1004336348-1177238915-682003330-1001', rights: 'M' },
    ]).args;
    expect(args.slice(2)).toEqual(['/grant:r', '*S-1-5-18:(OI)(CI)F', '/grant:r', '*S-1-5-21-1004336348-1177238915-682003330-1001:(OI)(CI)M']);
  });

  it('keeps a path with spaces as one argv element and normalises its separators', () => {
    expect(icaclsRestrictCommand('C:/Program Files/kruised/state', 'directory').args[0]).toBe('C:\\Program Files\\kruised\\state');
  });

  it.each([
    ['/var/lib/kruised', 'a switch-like, drive-relative path'],
    ['\\ProgramData\\kruised', 'a drive-relative path'],
    ['C:ProgramData', 'a cwd-relative path'],
    ['kruised', 'a relative path'],
  ])('refuses %s (%s)', (target) => {
    expect(() => icaclsRestrictCommand(target, 'directory')).toThrow(/fully qualified/);
  });

  it('refuses names in place of SIDs and an empty grant list', () => {
    expect(() => icaclsRestrictCommand('C:\\x', 'file', [{ sid: 'Administrators', rights: 'F' }])).toThrow(/not a SID/);
    expect(() => icaclsRestrictCommand('C:\\x', 'file', [])).toThrow(/no grants/);
  });

  it('accepts UNC paths', () => {
    expect(icaclsRestrictCommand('\\\\server\\share\\kruised', 'directory').args[0]).toBe('\\\\server\\share\\kruised');
  });
});

describe('permission plans per profile', () => {
  it('plans chmod 0700 for directories and 0600 for files on Linux, and applies them through the fs seam', async () => {
    const fs = new FakeFs();
    const linux = platformProfile('linux', { fs, process: new FakeProcess(), sleep: new RecordingSleep().sleep });
    expect(linux.permissions.plan('/var/lib/kruised', 'directory')).toEqual({ kind: 'chmod', path: '/var/lib/kruised', mode: 0o700 });
    expect(linux.permissions.plan('/var/lib/kruised/s', 'file')).toEqual({ kind: 'chmod', path: '/var/lib/kruised/s', mode: 0o600 });
    await linux.permissions.restrict('/var/lib/kruised', 'directory');
    expect(fs.calls).toEqual([{ op: 'chmod', path: '/var/lib/kruised', mode: 0o700 }]);
  });

  it('runs icacls through the process seam on Windows and touches no mode bits', async () => {
    const runner = new FakeRunner();
    const windows = windowsWith(runner);
    await windows.permissions.restrict('C:\\ProgramData\\kruised', 'directory');
    expect(runner.commands).toEqual([icaclsRestrictCommand('C:\\ProgramData\\kruised', 'directory')]);
    expect(windows.permissions.plan('C:\\ProgramData\\kruised', 'directory')).toEqual({
      kind: 'icacls',
      command: icaclsRestrictCommand('C:\\ProgramData\\kruised', 'directory'),
    });
  });

  it('reports a failed icacls run with its exit code and output', async () => {
    const runner = new FakeRunner({ exitCode: 5, signal: null, stdout: '', stderr: 'C:\\x: Access is denied.\r\n' });
    const err = await windowsWith(runner)
      .permissions.restrict('C:\\x', 'file')
      .catch((e: unknown) => e);
    expect((err as Error).message).toBe('restricting access to C:\\x failed: icacls.exe ended with exit code 5: C:\\x: Access is denied.');
  });
});
