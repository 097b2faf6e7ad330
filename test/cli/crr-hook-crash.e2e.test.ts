// A CRR's kill through `kruised run` killed with SIGKILL at the worst moments, on the real
// containerd: the promise for a preStop hook across crashes (docs/architecture.md, "Exactly once
// where the world can tell") and Events exactly once. The hook calls a witness on the host when it
// starts and when it ends, so its runs are counted outside the daemon.
// 1. Three SIGKILLs while the hook runs: the hook is run again after each (containerd ends the
//    interrupted exec with the daemon's connection, so it never ends), completes once, and the
//    container is stopped once; one Killing Event; the log replays clean.
// 2. A hook that failed, then a SIGKILL while StopContainer waits out the grace: the hook is not run
//    again (its end is in the log); one FailedPreStopHook, one Killing.
// 3. A SIGKILL while FailedPreStopHook cannot be written (the API server answers 500): the hook's
//    end never reached the log, so the restarted daemon runs it again, and one FailedPreStopHook
//    is written.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCrr } from '../bed/manager/index.js';
import { runtimeBed } from '../bed/runtime-bed.js';
import { runCli } from '../support/cli.js';
import { byEmission, crrCliBed, LOOP, repeatedEmissions, until, type CrrCliBed } from './crr-cli-bed.js';

const starts = (b: CrrCliBed, label: string) => b.hookCalls.filter((c) => c === `start ${label}`).length;
const ends = (b: CrrCliBed, label: string) => b.hookCalls.filter((c) => c === `end ${label}`).length;
const reasons = (b: CrrCliBed, pod: string) =>
  b
    .events()
    .filter((e) => e.involvedObject.name === pod)
    .map((e) => [e.reason, e.count ?? 1])
    .sort();

describe.skipIf(!runtimeBed())('kruised run killed mid-kill: hooks and Events across crashes', () => {
  it('three SIGKILLs mid-hook: the hook runs again after each and completes once, one stop, one Killing, and the log replays clean', async () => {
    const b = await crrCliBed(runtimeBed()!);
    const image = runtimeBed()!.images.busybox;
    const preStop = { exec: { command: b.hookCommand('drain', 'sleep 6') } };
    const pod = await b.runPod('hooked', [{ name: 'app', image, command: ['sh', '-c', `trap 'exit 0' TERM; ${LOOP}`], lifecycle: { preStop } }], {
      terminationGracePeriodSeconds: 120,
    });
    const before = pod.status!.containerStatuses![0]!;
    let daemon = await b.start();
    createCrr(b.api, { name: 'restart-hooked', podName: 'hooked', containers: ['app'] });
    const stdout: string[] = [];
    for (let crash = 1; crash <= 3; crash += 1) {
      await until(() => starts(b, 'drain') === crash, `hook run ${crash} to start`, 60_000);
      await new Promise((r) => setTimeout(r, 500)); // well inside the 6 s the hook sleeps
      daemon.child.kill('SIGKILL');
      const killed = await daemon.done;
      expect(killed.signal).toBe('SIGKILL');
      stdout.push(killed.stdout);
      daemon = await b.start();
    }
    try {
      const status = await b.completed('restart-hooked', 90_000);
      expect(status).toMatchObject({ phase: 'Completed', containerRecreateStates: [{ name: 'app', phase: 'Succeeded', isKilled: true }] });
      // The promise: every run a crash cut short is run again; the one that ended is the last.
      expect(starts(b, 'drain')).toBe(4);
      expect(ends(b, 'drain')).toBe(1);
      expect(b.hookCalls.at(-1)).toBe('end drain');
      const after = b.container('hooked', 'app')!;
      expect(after.containerID).not.toBe(before.containerID);
      expect(after.restartCount).toBe(before.restartCount + 1);
      // Exactly once: one Killing Event, one emission, count 1; no FailedPreStopHook.
      expect(reasons(b, 'hooked')).toEqual([['Killing', 1]]);
      expect(byEmission(b.events()).size).toBe(1);
      expect(repeatedEmissions(b.events())).toEqual([]);
    } finally {
      daemon.child.kill('SIGTERM');
    }
    const last = await daemon.done;
    expect(last.code).toBe(0);
    // Each restart says what it does with the kill it found under way.
    const lines = [...stdout.slice(1), last.stdout].join('');
    expect(lines.match(/preStop hook cut short by a daemon restart; running it again with the grace left/g)).toHaveLength(3);
    expect(lines).toMatch(/"resumedAfterRestart":true.*"msg":"killing container"/);
    expect(lines).toMatch(/"reason":"Killing".*"msg":"event already written; not written again"/);
    const replay = await runCli(['replay', join(b.dataDir, 'events')]);
    expect(replay.code).toBe(0);
    expect(replay.stdout).toMatch(/replay clean/);
  }, 240_000);

  it('a SIGKILL while StopContainer waits out the grace after a failed hook: the hook is not run again; one FailedPreStopHook, one Killing', async () => {
    const b = await crrCliBed(runtimeBed()!);
    const image = runtimeBed()!.images.busybox;
    const preStop = { exec: { command: b.hookCommand('failing', 'echo cannot drain; exit 3') } };
    // The container ignores SIGTERM, so StopContainer takes the whole stop grace.
    await b.runPod('stubborn', [{ name: 'app', image, command: ['sh', '-c', `trap '' TERM; ${LOOP}`], lifecycle: { preStop } }], {
      terminationGracePeriodSeconds: 8,
    });
    let daemon = await b.start();
    createCrr(b.api, { name: 'restart-stubborn', podName: 'stubborn', containers: ['app'] });
    await until(() => ends(b, 'failing') === 1, 'the hook to fail', 60_000);
    await until(() => reasons(b, 'stubborn').some(([r]) => r === 'FailedPreStopHook'), 'FailedPreStopHook to be written', 10_000);
    await new Promise((r) => setTimeout(r, 1_000)); // StopContainer is waiting out the grace now
    daemon.child.kill('SIGKILL');
    await daemon.done;
    daemon = await b.start();
    try {
      await b.completed('restart-stubborn', 90_000);
      expect(starts(b, 'failing')).toBe(1);
      expect(reasons(b, 'stubborn')).toEqual([
        ['FailedPreStopHook', 1],
        ['Killing', 1],
      ]);
      const failed = b.events().find((e) => e.reason === 'FailedPreStopHook')!;
      expect(failed.message).toContain('cannot drain');
      expect(b.container('stubborn', 'app')!.restartCount).toBe(1);
    } finally {
      daemon.child.kill('SIGTERM');
      await daemon.done;
    }
  }, 240_000);

  it('a SIGKILL while FailedPreStopHook cannot be written: the restarted daemon runs the hook again and writes the Event once', async () => {
    const b = await crrCliBed(runtimeBed()!);
    const image = runtimeBed()!.images.busybox;
    const preStop = { exec: { command: b.hookCommand('failing', 'exit 3') } };
    await b.runPod('unlucky', [{ name: 'app', image, command: ['sh', '-c', `trap 'exit 0' TERM; ${LOOP}`], lifecycle: { preStop } }], {
      terminationGracePeriodSeconds: 30,
    });
    let daemon = await b.start();
    b.api.faults.failNext(10_000, { status: 500, match: { resource: 'events' } });
    createCrr(b.api, { name: 'restart-unlucky', podName: 'unlucky', containers: ['app'] });
    await until(() => ends(b, 'failing') === 1, 'the hook to fail', 60_000);
    await until(() => b.api.requests.filter({ method: 'POST', resource: 'events' }).length >= 2, 'Event writes failing', 10_000);
    daemon.child.kill('SIGKILL');
    await daemon.done;
    expect(b.events()).toEqual([]);
    b.api.faults.clear();
    daemon = await b.start();
    try {
      await b.completed('restart-unlucky', 90_000);
      expect(starts(b, 'failing')).toBe(2);
      expect(reasons(b, 'unlucky')).toEqual([
        ['FailedPreStopHook', 1],
        ['Killing', 1],
      ]);
      expect(b.container('unlucky', 'app')!.restartCount).toBe(1);
    } finally {
      daemon.child.kill('SIGTERM');
      await daemon.done;
    }
  }, 240_000);
});
