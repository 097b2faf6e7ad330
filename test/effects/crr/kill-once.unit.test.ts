// The kill path across crashes, without a runtime: a CRI double and an Event sink that keeps what
// it was given. With an identity, every Event goes through `recordOnce` under it (written once
// however many runs record it), `Killing` belongs to the kill (recorded even when a later run finds
// the container stopped) and is written before the outcome; the hook's Events are written before
// `preStopFinished`. With `resume` (what the log holds of earlier runs) a hook that ended is never
// run again, an interrupted one runs again within the grace left from the first start, and a
// grace that ran out while the daemon was down is a FailedPreStopHook with no hook run.
import { describe, expect, it } from 'vitest';
import type { EventType, InvolvedObject } from '../../../adapters/kube/index.js';
import { platformProfile } from '../../../adapters/platform/index.js';
import { killContainer, type KillCri, type KillDeps, type KillSpec } from '../../../effects/crr/index.js';

const NOW = 1_000_000;

interface Recorded {
  readonly identity?: string;
  readonly reason: string;
  readonly type: EventType;
  readonly message: string;
  readonly involved: InvolvedObject;
}

/** A sink that keeps every call; `recordOnce` settles when `gate` (if set) lets it. */
function sink(options: { keyed?: boolean; gate?: Promise<void> } = {}) {
  const calls: Recorded[] = [];
  const order: string[] = [];
  const events = {
    record: (_c: string, involved: InvolvedObject, type: EventType, reason: string, message: string) => void calls.push({ reason, type, message, involved }),
    ...(options.keyed === false
      ? {}
      : {
          recordOnce: async (identity: string, _c: string, involved: InvolvedObject, type: EventType, reason: string, message: string) => {
            calls.push({ identity, reason, type, message, involved });
            await options.gate;
            order.push(`written ${reason}`);
            return 'created';
          },
        }),
  };
  return { events, calls, order };
}

/** A CRI double: the container's state, an exec hook that takes `hookMs` (or until cancelled), and noted calls. */
function cri(state: 'CONTAINER_RUNNING' | 'CONTAINER_EXITED', hookMs = 0, exitCode = 0) {
  const calls: string[] = [];
  const stops: number[] = [];
  const double = {
    containerStatus: async () => ({ status: { id: 'c1', state } }),
    execSync: (signal: AbortSignal) =>
      new Promise((resolve, reject) => {
        calls.push('exec');
        const timer = setTimeout(() => resolve({ exit_code: exitCode, stdout: Buffer.from('out'), stderr: Buffer.alloc(0) }), hookMs);
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(signal.reason);
        });
      }),
    stopContainer: async (_signal: AbortSignal, request: { timeout: number }) => {
      calls.push('stop');
      stops.push(Number(request.timeout));
      return {};
    },
  } as unknown as KillCri;
  return { cri: double, calls, stops };
}

function spec(overrides: Partial<KillSpec> = {}): KillSpec {
  return {
    containerId: 'c1',
    pod: { namespace: 'default', name: 'web-0', uid: 'pod-uid' },
    container: { name: 'main', preStop: { exec: { command: ['drain'] } }, ports: [] },
    gracePeriodSeconds: 30,
    component: 'kruise-daemon-crr',
    killingMessage: 'Stopping container main by ContainerRecreateRequest r',
    identity: 'crr-uid/main/containerd://c1',
    ...overrides,
  };
}

function deps(c: ReturnType<typeof cri>, s: ReturnType<typeof sink>, now = () => NOW): KillDeps {
  return { cri: c.cri, events: s.events, platform: platformProfile('linux'), now };
}

function hooks(order: string[] = []) {
  const finished: Array<string | undefined> = [];
  return {
    finished,
    preStopFinished: (error?: string) => {
      finished.push(error);
      order.push('preStopFinished');
    },
  };
}

const signal = () => new AbortController().signal;

describe('the kill path with an identity (exactly once across crashes)', () => {
  it('records Killing under the identity, and waits for it before answering', async () => {
    let open: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const s = sink({ gate });
    const c = cri('CONTAINER_RUNNING');
    const h = hooks(s.order);
    let answered = false;
    const kill = killContainer(deps(c, s), spec({ container: { name: 'main', preStop: null, ports: [] } }), signal(), h).then((o) => {
      answered = true;
      return o;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(c.calls).toEqual(['stop']); // the stop does not wait for the Event
    expect(answered).toBe(false); // the outcome does
    open();
    expect(await kill).toEqual({ kind: 'stopped', gracePeriodSeconds: 30 });
    expect(s.calls).toEqual([
      expect.objectContaining({
        identity: 'crr-uid/main/containerd://c1',
        reason: 'Killing',
        type: 'Normal',
        message: 'Stopping container main by ContainerRecreateRequest r',
      }),
    ]);
  });

  it('records Killing for the kill even when this run finds the container stopped (an earlier run stopped it), with no hook and no stop', async () => {
    const s = sink();
    const c = cri('CONTAINER_EXITED');
    const outcome = await killContainer(deps(c, s), spec({ resume: { startedAtMs: NOW - 5_000, preStopFinished: false } }), signal(), hooks());
    expect(outcome).toEqual({ kind: 'alreadyStopped', reason: 'exited' });
    expect(c.calls).toEqual([]);
    expect(s.calls.map((e) => [e.identity, e.reason])).toEqual([['crr-uid/main/containerd://c1', 'Killing']]);
  });

  it('never runs a hook whose end is in the log again: straight to the stop, with the grace less the time since the first start', async () => {
    const s = sink();
    const c = cri('CONTAINER_RUNNING');
    const h = hooks();
    const logged: Array<{ obj: Record<string, unknown>; msg: string }> = [];
    const logger = { info: (obj: object, msg: string) => void logged.push({ obj: obj as Record<string, unknown>, msg }), warn() {}, error() {} };
    await killContainer({ ...deps(c, s), logger }, spec({ resume: { startedAtMs: NOW - 12_500, preStopFinished: true } }), signal(), h);
    expect(c.calls).toEqual(['stop']);
    expect(c.stops).toEqual([18]); // 30 − 12
    expect(h.finished).toEqual([undefined]);
    // The log says the kill was taken up again, and why the hook is not run.
    expect(logged.map((l) => l.msg)).toEqual([
      'killing container',
      'preStop hook already ran before the daemon restarted; not running it again',
      'container stopped',
    ]);
    expect(logged[0]!.obj).toMatchObject({ kill: 'crr-uid/main/containerd://c1', resumedAfterRestart: true });
  });

  it('runs an interrupted hook again within the grace left from the first start, and fails it when that runs out', async () => {
    const s = sink();
    const c = cri('CONTAINER_RUNNING', 60_000); // a hook far longer than the grace
    const h = hooks();
    const started = Date.now();
    // grace 1 s, the first run started 0.7 s ago: 0.3 s are left for this run of the hook.
    await killContainer(deps(c, s, Date.now), spec({ gracePeriodSeconds: 1, resume: { startedAtMs: Date.now() - 700, preStopFinished: false } }), signal(), h);
    const took = Date.now() - started;
    expect(c.calls).toEqual(['exec', 'stop']);
    expect(took).toBeLessThan(900);
    expect(h.finished[0]).toBe('preStop hook did not complete within the grace period of 1s');
    expect(c.stops).toEqual([2]);
    expect(s.calls.map((e) => e.reason)).toEqual(['Killing', 'FailedPreStopHook']);
    expect(s.calls[1]).toMatchObject({ identity: 'crr-uid/main/containerd://c1', type: 'Warning' });
  });

  it('does not run the hook again when the grace ran out while the daemon was down: FailedPreStopHook, then the stop with 2 s', async () => {
    const s = sink();
    const c = cri('CONTAINER_RUNNING', 10);
    const h = hooks();
    await killContainer(deps(c, s), spec({ resume: { startedAtMs: NOW - 45_000, preStopFinished: false } }), signal(), h);
    expect(c.calls).toEqual(['stop']);
    expect(c.stops).toEqual([2]);
    expect(h.finished).toEqual(['preStop hook did not complete within the grace period of 30s']);
    expect(s.calls.find((e) => e.reason === 'FailedPreStopHook')?.message).toContain('preStop hook did not complete within the grace period of 30s');
  });

  it('writes FailedPreStopHook before it reports the hook over, so a crash before that runs the hook and records it again', async () => {
    let open: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const s = sink({ gate });
    const c = cri('CONTAINER_RUNNING', 5, 3);
    const h = hooks(s.order);
    const kill = killContainer(deps(c, s), spec(), signal(), h);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(h.finished).toEqual([]);
    expect(c.calls).toEqual(['exec']);
    open();
    await kill;
    expect(s.order).toEqual(['written Killing', 'written FailedPreStopHook', 'preStopFinished']);
    expect(c.calls).toEqual(['exec', 'stop']);
  });
});

describe('the kill path without an identity (as before)', () => {
  it('records through `record`, and nothing for a container already stopped', async () => {
    const s = sink({ keyed: false });
    const c = cri('CONTAINER_EXITED');
    expect(await killContainer(deps(c, s), spec({ identity: undefined }), signal(), hooks())).toEqual({ kind: 'alreadyStopped', reason: 'exited' });
    expect(s.calls).toEqual([]);
    const live = cri('CONTAINER_RUNNING');
    await killContainer(deps(live, s), spec({ identity: undefined, container: { name: 'main', preStop: null, ports: [] } }), signal(), hooks());
    expect(s.calls.map((e) => [e.identity, e.reason])).toEqual([[undefined, 'Killing']]);
  });
});
