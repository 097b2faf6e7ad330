// The engine's crash promise, tested on the real CLI: a demo run killed with SIGKILL mid-run and
// started again on the same data directory ends with every actor where an uncrashed run ends,
// each actor spawned and finished exactly once, and a log that replays clean.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAllRecords } from '../../engine/log/scan.js';
import { runCli, startCli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';

const DEMO_ARGS = ['demo', '--json', '--cluster=false', '--chunk-delay-ms', '15', '--workers', '3'];

interface DemoJson {
  outcomes: Record<string, { state: string; attempts: number; progress: number; message: string }>;
  replayClean: boolean;
}

function normalise(result: DemoJson, dataDir: string) {
  return Object.fromEntries(Object.entries(result.outcomes).map(([key, o]) => [key, { ...o, message: o.message.replaceAll(dataDir, '<data>') }]));
}

async function logLines(dir: string): Promise<number> {
  try {
    const names = await readdir(join(dir, 'events'));
    const texts = await Promise.all(names.map((name) => readFile(join(dir, 'events', name), 'utf8')));
    return texts.join('').split('\n').length - 1;
  } catch {
    return 0;
  }
}

let expectedOutcomes: Promise<Record<string, unknown>> | undefined;

/** The uncrashed run, made once and shared by every kill point. */
function uncrashedOutcomes() {
  expectedOutcomes ??= (async () => {
    const straightDir = await tempDir('kruised-straight-');
    const straight = await runCli([...DEMO_ARGS, '--data-dir', straightDir]);
    expect(straight.stderr).toBe('');
    expect(straight.code).toBe(0);
    return normalise(JSON.parse(straight.stdout) as DemoJson, straightDir);
  })();
  return expectedOutcomes;
}

describe('crash recovery of the real daemon process', () => {
  // Kill points: from outside once a dozen records are on disk, and from inside (the demo's fault
  // injection SIGKILLs its own process) right after chosen records, mid-fetch and mid-retry.
  it.each([
    { how: 'from outside', killAfter: 12, args: [] as string[] },
    { how: 'at record 40', killAfter: 0, args: ['--kill-at-seq', '40'] },
    { how: 'at record 100', killAfter: 0, args: ['--kill-at-seq', '100'] },
  ])('converges after SIGKILL $how to the same final states as a run without the crash', async ({ killAfter, args }) => {
    const expected = await uncrashedOutcomes();
    expect(Object.keys(expected)).toHaveLength(8);

    const crashDir = await tempDir();
    const first = startCli([...DEMO_ARGS, '--data-dir', crashDir, ...args]);
    if (killAfter > 0) {
      // Generous: on a busy 2-core machine the demo may take seconds to get going.
      for (let i = 0; i < 3000 && (await logLines(crashDir)) < killAfter; i += 1) await new Promise((r) => setTimeout(r, 10));
      expect(await logLines(crashDir), 'the demo wrote records before the kill').toBeGreaterThanOrEqual(killAfter);
      first.child.kill('SIGKILL');
    }
    const killed = await first.done;
    expect(killed.signal).toBe('SIGKILL');
    const beforeRestart = await readAllRecords(join(crashDir, 'events'));
    const unfinished = new Set(beforeRestart.filter((r) => r.kind === 'spawn').map((r) => r.key));
    for (const r of beforeRestart) if (r.kind === 'stop') unfinished.delete(r.key);
    expect(unfinished.size).toBeGreaterThan(0); // the crash really interrupted work

    const second = await runCli([...DEMO_ARGS, '--data-dir', crashDir]);
    expect(second.code).toBe(0);
    const recovered = JSON.parse(second.stdout) as DemoJson;
    expect(recovered.replayClean).toBe(true);
    expect(normalise(recovered, crashDir)).toEqual(expected);

    const records = await readAllRecords(join(crashDir, 'events'));
    for (const key of Object.keys(expected)) {
      expect(
        records.filter((r) => r.key === key && r.kind === 'spawn'),
        `${key} spawned once`,
      ).toHaveLength(1);
      expect(
        records.filter((r) => r.key === key && r.kind === 'stop'),
        `${key} stopped once`,
      ).toHaveLength(1);
    }
  });
});
