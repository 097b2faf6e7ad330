import { describe, expect, it } from 'vitest';
import { platformProfile } from '../../../adapters/platform/index.js';
import { FakeFs, FakeProcess, FakeRunner, RecordingSleep } from './fakes.js';

function profileWith(os: 'linux' | 'windows', proc: FakeProcess) {
  return platformProfile(os, { fs: new FakeFs(), process: proc, sleep: new RecordingSleep().sleep, run: new FakeRunner().run, env: {} });
}

describe('stop semantics', () => {
  it('describes a Linux stop as SIGTERM, then SIGKILL after the grace period', () => {
    const s = profileWith('linux', new FakeProcess()).stopSemantics;
    expect(s.kind).toBe('signal-then-kill');
    expect(s.stopSignal).toBe('SIGTERM');
    expect(s.forcedBy).toMatch(/SIGKILL/);
    expect(s.crashOnly).toBe(true);
  });

  it('describes a Windows HostProcess stop as a crash with no signal delivered to Node', () => {
    const s = profileWith('windows', new FakeProcess()).stopSemantics;
    expect(s.kind).toBe('crash');
    expect(s.stopSignal).toBeNull();
    expect(s.hookedSignals).not.toContain('SIGTERM');
    expect(s.forcedBy).toMatch(/CTRL_SHUTDOWN_EVENT/);
    expect(s.crashOnly).toBe(true);
  });
});

describe('shutdown hooks', () => {
  it.each([
    ['linux', ['SIGTERM', 'SIGINT']],
    ['windows', ['SIGINT', 'SIGBREAK', 'SIGHUP', 'exit']],
  ] as const)('registers exactly %s listeners: %j', (os, events) => {
    const proc = new FakeProcess();
    const reg = profileWith(os, proc).shutdownHooks({ onSignal: () => undefined, onExit: () => undefined });
    expect(reg.events).toEqual(events);
    for (const event of ['SIGTERM', 'SIGINT', 'SIGBREAK', 'SIGHUP', 'exit']) {
      expect(proc.listenerCount(event), event).toBe((events as readonly string[]).includes(event) ? 1 : 0);
    }
  });

  it('calls onSignal with the signal name for every delivery on Linux', () => {
    const proc = new FakeProcess();
    const seen: string[] = [];
    profileWith('linux', proc).shutdownHooks({ onSignal: (s) => seen.push(s) });
    proc.emit('SIGTERM');
    proc.emit('SIGINT');
    proc.emit('SIGTERM');
    expect(seen).toEqual(['SIGTERM', 'SIGINT', 'SIGTERM']);
  });

  it('calls onSignal for Ctrl-C, Ctrl-Break and console close on Windows, and onExit with the code', () => {
    const proc = new FakeProcess();
    const seen: string[] = [];
    profileWith('windows', proc).shutdownHooks({ onSignal: (s) => seen.push(s), onExit: (code) => seen.push(`exit ${code}`) });
    proc.emit('SIGBREAK');
    proc.emit('SIGINT');
    proc.emit('SIGHUP');
    proc.emit('SIGTERM'); // never delivered on Windows; nothing listens
    proc.emit('exit', 3);
    expect(seen).toEqual(['SIGBREAK', 'SIGINT', 'SIGHUP', 'exit 3']);
  });

  it('registers no exit listener on Windows when no onExit is given', () => {
    const proc = new FakeProcess();
    const reg = profileWith('windows', proc).shutdownHooks({ onSignal: () => undefined });
    expect(reg.events).toEqual(['SIGINT', 'SIGBREAK', 'SIGHUP']);
    expect(proc.listenerCount('exit')).toBe(0);
  });

  it('removes every listener on dispose, once', () => {
    for (const os of ['linux', 'windows'] as const) {
      const proc = new FakeProcess();
      const reg = profileWith(os, proc).shutdownHooks({ onSignal: () => undefined, onExit: () => undefined });
      reg.dispose();
      reg.dispose();
      expect(proc.eventNames()).toEqual([]);
    }
  });

  it('accepts the real process object as its seam', () => {
    const linux = platformProfile('linux');
    const before = process.listenerCount('SIGTERM');
    const reg = linux.shutdownHooks({ onSignal: () => undefined });
    expect(process.listenerCount('SIGTERM')).toBe(before + 1);
    reg.dispose();
    expect(process.listenerCount('SIGTERM')).toBe(before);
  });
});
