// crr-reaction's measuring end: containerd's StopContainer request lines (as containerd 1.6 writes
// them at info level) are found by container id with their nanosecond stamps, in a log that grows
// while several readers wait on it at once.
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { percentile } from './crr-reaction.js';
import { parseStopLine, StopContainerLog } from './crr-support.js';

const ID_A = 'a'.repeat(64);
const ID_B = 'b'.repeat(64);
const stopLine = (time: string, id: string) => `time="${time}" level=info msg="StopContainer for \\"${id}\\" with timeout 2 (s)"`;

describe('parseStopLine', () => {
  it('takes the id and the stamp with its sub-millisecond part', () => {
    expect(parseStopLine(stopLine('2026-11-27T12:34:28.922128229Z', ID_A))).toEqual({ id: ID_A, at: Date.UTC(2026, 10, 27, 12, 34, 28) + 922.128229 });
  });

  it('honours a zone offset', () => {
    expect(parseStopLine(stopLine('2026-11-27T13:34:28.5+01:00', ID_A))?.at).toBe(Date.UTC(2026, 10, 27, 12, 34, 28) + 500);
  });

  it('ignores the reply line and other requests', () => {
    expect(parseStopLine(`time="2026-11-27T12:34:29.013845230Z" level=info msg="StopContainer for \\"${ID_A}\\" returns successfully"`)).toBeUndefined();
    expect(parseStopLine(`time="2026-11-27T12:34:29.013845230Z" level=info msg="StartContainer for \\"${ID_A}\\""`)).toBeUndefined();
  });
});

describe('StopContainerLog', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('sees only lines written after it started following, for readers waiting at once, across split writes', async () => {
    dir = await mkdtemp(join(tmpdir(), 'kruised-stop-log-'));
    const path = join(dir, 'containerd.log');
    await writeFile(path, `${stopLine('2026-11-27T12:00:00.000000001Z', ID_A)}\n`);
    const log = await StopContainerLog.follow(path);
    const waits = [log.stopOf(ID_A, 2000), log.stopOf(ID_B, 2000)];
    const second = stopLine('2026-11-27T12:00:01.25Z', ID_B);
    await appendFile(path, `noise\n${second.slice(0, 40)}`);
    await new Promise((r) => setTimeout(r, 30));
    await appendFile(path, `${second.slice(40)}\n${stopLine('2026-11-27T12:00:02.5Z', ID_A)}\n`);
    const [a, b] = await Promise.all(waits);
    expect(a).toBe(Date.UTC(2026, 10, 27, 12, 0, 2) + 500);
    expect(b).toBe(Date.UTC(2026, 10, 27, 12, 0, 1) + 250);
  });

  it('gives up after its timeout', async () => {
    dir = await mkdtemp(join(tmpdir(), 'kruised-stop-log-'));
    const path = join(dir, 'containerd.log');
    await writeFile(path, '');
    const log = await StopContainerLog.follow(path);
    await expect(log.stopOf(ID_A, 50)).rejects.toThrow(/no StopContainer/);
  });
});

describe('percentile', () => {
  it('is the nearest rank', () => {
    const sorted = Array.from({ length: 40 }, (_, i) => i + 1);
    expect(percentile(sorted, 0.5)).toBe(20);
    expect(percentile(sorted, 0.99)).toBe(40);
    expect(percentile([7], 0.99)).toBe(7);
  });
});
