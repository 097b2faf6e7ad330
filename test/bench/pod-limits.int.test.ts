// pod-limits on this machine's real cgroupfs: a wrapped process is inside the limited cgroup from
// its start, the kernel enforces and counts the limits (an allocation past the memory limit is
// OOM-killed, a busy loop is throttled), and remove() leaves nothing behind. Skipped, with the
// reason, where no cgroup can be made (not root, read-only cgroupfs).
import { spawn } from 'node:child_process';
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLimitedCgroup, type CgroupAttempt, type LimitedCgroup } from './pod-limits.js';

const probe: CgroupAttempt = await createLimitedCgroup(`kruised-test-probe-${process.pid}`, { cpuMillis: 1000, memoryBytes: 2 ** 30 });
if (probe.ok) await probe.cgroup.remove();
else console.warn(`pod-limits cgroup tests skipped: ${probe.reason}`);

/** Runs argv to its end; its exit code or signal and its stdout. */
function runToEnd(argv: string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }> {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'ignore'] });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout })));
}

describe.skipIf(!probe.ok)('a limited cgroup', () => {
  let cgroup: LimitedCgroup | undefined;
  let n = 0;
  const make = async (cpuMillis: number, memoryBytes: number) => {
    n += 1;
    const attempt = await createLimitedCgroup(`kruised-test-${process.pid}-${n}`, { cpuMillis, memoryBytes });
    if (!attempt.ok) throw new Error(attempt.reason);
    cgroup = attempt.cgroup;
    return cgroup;
  };
  afterEach(async () => {
    await cgroup?.remove();
    cgroup = undefined;
  });

  it("holds the wrapped process from its start, with the kubelet's quota and the memory limit written", async () => {
    const limited = await make(50, 128 * 2 ** 20);
    // The process reads its own cgroup membership: it is inside before it runs anything else.
    const { code, stdout } = await runToEnd(limited.wrap(['sh', '-c', 'cat /proc/self/cgroup']));
    expect(code).toBe(0);
    const name = `kruised-test-${process.pid}-${n}`;
    expect(stdout.split('\n').filter((line) => line.endsWith(`/${name}`)).length).toBe(limited.version === 1 ? 2 : 1);
    if (limited.version === 1) {
      const [cpu, memory] = limited.dirs;
      expect((await readFile(join(cpu!, 'cpu.cfs_quota_us'), 'utf8')).trim()).toBe('5000');
      expect((await readFile(join(cpu!, 'cpu.cfs_period_us'), 'utf8')).trim()).toBe('100000');
      expect((await readFile(join(memory!, 'memory.limit_in_bytes'), 'utf8')).trim()).toBe(String(128 * 2 ** 20));
    } else {
      expect((await readFile(join(limited.dirs[0]!, 'cpu.max'), 'utf8')).trim()).toBe('5000 100000');
      expect((await readFile(join(limited.dirs[0]!, 'memory.max'), 'utf8')).trim()).toBe(String(128 * 2 ** 20));
    }
  });

  it('counts an OOM kill when the process allocates past the limit, and the peak near the limit', async () => {
    const limited = await make(1000, 32 * 2 ** 20);
    const hog = 'const kept = []; for (;;) kept.push(Buffer.alloc(1 << 20, 1));';
    const { signal } = await runToEnd(limited.wrap([process.execPath, '-e', hog]));
    expect(signal).toBe('SIGKILL');
    const stats = await limited.stats();
    expect(stats.oomKills).toBe(1);
    expect(stats.limitHits).toBeGreaterThan(0);
    expect(stats.memoryPeakBytes).toBeGreaterThan(24 * 2 ** 20);
    expect(stats.memoryPeakBytes).toBeLessThanOrEqual(32 * 2 ** 20);
  });

  it('throttles a busy loop and counts it, without an OOM kill', async () => {
    const limited = await make(50, 128 * 2 ** 20);
    // Tens of ms of CPU in a shell loop: at 5 ms per 100 ms period it cannot finish in one.
    const { code } = await runToEnd(limited.wrap(['sh', '-c', 'i=0; while [ $i -lt 30000 ]; do i=$((i+1)); done']));
    expect(code).toBe(0);
    const stats = await limited.stats();
    expect(stats.oomKills).toBe(0);
    expect(stats.cpuThrottledPeriods).toBeGreaterThan(0);
    expect(stats.cpuThrottledPeriods).toBeLessThanOrEqual(stats.cpuPeriods);
    expect(stats.cpuThrottledSeconds).toBeGreaterThan(0);
  });

  it('removes its directories, killing what wrap() started and left running', async () => {
    const limited = await make(1000, 2 ** 30);
    const [file, ...args] = limited.wrap(['sleep', '600']);
    const sleeper = spawn(file!, args, { stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => sleeper.on('exit', (_code, signal) => resolve(signal)));
    await new Promise((r) => setTimeout(r, 200));
    await limited.remove();
    cgroup = undefined;
    expect(await exited).toBe('SIGKILL');
    for (const dir of limited.dirs) await expect(access(dir)).rejects.toThrow(/ENOENT/);
  });
});
