import { describe, expect, it } from 'vitest';
import { imageTagOutcome } from '../../../machines/image-pull/image-tag.machine.js';
import { tagStatusOf } from '../../../machines/image-pull/policy.js';
import { NGINX, Run, T0, ev, inputOf } from './drive.js';

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

describe('imageTag: the happy path', () => {
  it('posts Waiting at spawn, then Pulling with startTime when the slot is granted, before any CRI call', () => {
    const run = new Run(inputOf());
    expect(run.state).toBe('waiting');
    expect(tagStatusOf(run.context)).toEqual({ tag: '1.21', phase: 'Waiting', version: 1 });
    expect(run.spawned()).toEqual([]);

    run.send(ev.slot(T0));
    expect(run.state).toBe('pulling');
    expect(tagStatusOf(run.context)).toEqual({ tag: '1.21', phase: 'Pulling', version: 1, startTime: '2026-03-01T00:00:00Z' });
  });

  it('pulls with the reference, attempt, default 600 s budget, secret refs and the pulling-image-by annotation', () => {
    const run = new Run(
      inputOf({ pullSecrets: [{ namespace: 'kruise-daemon-config', name: 's1' }], sandboxConfig: { labels: { a: 'b' }, annotations: { c: 'd' } } }),
    ).send(ev.slot(T0));
    expect(run.spawned()).toEqual([
      {
        id: 'criPullImage',
        input: {
          reference: 'nginx:1.21',
          attempt: 1,
          timeoutMs: 600_000,
          pullSecrets: [{ namespace: 'kruise-daemon-config', name: 's1' }],
          sandboxConfig: { labels: { a: 'b' }, annotations: { c: 'd', 'apps.kruise.io/pulling-image-by': 'kruise-daemon' } },
        },
      },
    ]);
    expect(run.delays('attemptTimeout')).toEqual([600_000]);
  });

  it('reports progress while pulling, verifies the image, and succeeds with progress 100 and imageID <name>@<id>', () => {
    const run = new Run(inputOf()).send(ev.slot(T0), ev.progress(10, 100, T0 + 1000), ev.progress(55, 100, T0 + 2000));
    expect(run.context.progress).toBe(55);
    expect(tagStatusOf(run.context)).toMatchObject({ phase: 'Pulling', progress: 55 });

    run.send(ev.pulled(T0 + 3000));
    expect(run.state).toBe('verifying');
    expect(run.context.progress).toBe(55);
    expect(run.spawned().at(-1)).toEqual({ id: 'pullVerification', input: { reference: 'nginx:1.21' } });

    run.send(ev.verified({ at: T0 + 3500, image: NGINX }));
    expect(run.state).toBe('succeeded');
    expect(run.snapshot.status).toBe('active'); // holds its entry until the status is persisted
    run.settle();
    expect(run.state).toBe('reported');
    expect(run.snapshot.status).toBe('done');
    expect(run.settle().snapshot.output).toEqual({
      writeStatus: true,
      status: { tag: '1.21', phase: 'Succeeded', version: 1, progress: 100, startTime: iso(T0), completionTime: iso(T0 + 3500), imageID: 'nginx@sha256:aaaa' },
    });
  });

  it('pulls a digest tag by <name>@<digest> and verifies it by repo digest', () => {
    const digest = `sha256:${'d'.repeat(64)}`;
    const image = { id: 'sha256:eeee', repoTags: [], repoDigests: [`docker.io/library/nginx@${digest}`] };
    const run = new Run(inputOf({ tag: digest })).send(ev.slot(T0));
    expect(run.spawned()[0]?.input).toMatchObject({ reference: `nginx@${digest}` });
    run.send(ev.pulled(T0 + 1), ev.verified({ at: T0 + 2, image }));
    expect(run.settle().snapshot.output).toMatchObject({ writeStatus: true, status: { phase: 'Succeeded', tag: digest, imageID: 'nginx@sha256:eeee' } });
  });
});

describe('imageTag: imagePullPolicy', () => {
  it('IfNotPresent asks the runtime first and succeeds without pulling when the normalised name and tag match', () => {
    const run = new Run(inputOf({ imagePullPolicy: 'IfNotPresent' })).send(ev.slot(T0));
    expect(run.state).toBe('checkingPresence');
    expect(run.spawned()).toEqual([{ id: 'presenceCheck', input: { reference: 'nginx:1.21' } }]);

    run.send(ev.presence({ at: T0 + 20, image: NGINX }));
    expect(run.state).toBe('succeeded');
    expect(run.spawned().map((s) => s.id)).toEqual(['presenceCheck']);
    expect(run.settle().snapshot.output).toEqual({
      writeStatus: true,
      status: { tag: '1.21', phase: 'Succeeded', version: 1, progress: 100, startTime: iso(T0), completionTime: iso(T0 + 20), imageID: 'nginx@sha256:aaaa' },
    });
  });

  it('IfNotPresent pulls when the runtime lacks the image, has only another tag, or cannot answer', () => {
    const absent = new Run(inputOf({ imagePullPolicy: 'IfNotPresent' })).send(ev.slot(T0), ev.presence({ at: T0 + 5, image: null }));
    expect(absent.state).toBe('pulling');
    const otherTag = new Run(inputOf({ imagePullPolicy: 'IfNotPresent' })).send(
      ev.slot(T0),
      ev.presence({ at: T0 + 5, image: { ...NGINX, repoTags: ['docker.io/library/nginx:1.20'] } }),
    );
    expect(otherTag.state).toBe('pulling');
    const broken = new Run(inputOf({ imagePullPolicy: 'IfNotPresent' })).send(ev.slot(T0), ev.presenceError(new Error('rpc error: code = Unavailable')));
    expect(broken.state).toBe('pulling');
    expect(broken.spawned().map((s) => s.id)).toEqual(['presenceCheck', 'criPullImage']);
  });

  it.each(['', 'Always', 'Never', 'ifnotpresent'])('policy %j behaves as Always: it pulls without asking whether the image is present', (policy) => {
    const run = new Run(inputOf({ imagePullPolicy: policy })).send(ev.slot(T0));
    expect(run.state).toBe('pulling');
    expect(run.spawned().map((s) => s.id)).toEqual(['criPullImage']);
  });
});

describe('imageTag: retries', () => {
  /** Fails every attempt with the same registry error until the actor is final. */
  function failEveryAttempt(run: Run, message: string): Run {
    let now = run.context.clockMs;
    while (run.state === 'pulling' || run.state === 'backingOff') {
      if (run.state === 'pulling') {
        now += 100;
        run.send(ev.pullFailed(now, message));
      } else if (run.state === 'backingOff') run.send(ev.backoffOver());
      else throw new Error(`unexpected state ${run.state}`);
      now = run.context.clockMs;
    }
    return run;
  }

  it('makes backoffLimit + 1 attempts, sleeping 1, 2, 4 s (also after the last), then fails with the last error', () => {
    const run = failEveryAttempt(new Run(inputOf({ pullPolicy: { backoffLimit: 2 } })).send(ev.slot(T0)), 'rpc error: code = NotFound desc = not found');
    expect(run.spawned().map((s) => (s.input as { attempt: number }).attempt)).toEqual([1, 2, 3]);
    expect(run.delays('retryBackoff')).toEqual([1000, 2000, 4000]);
    expect(run.state).toBe('failed');
    // Three failures 100 ms into each attempt, plus the three sleeps.
    expect(run.settle().snapshot.output).toEqual({
      writeStatus: true,
      status: {
        tag: '1.21',
        phase: 'Failed',
        version: 1,
        startTime: iso(T0),
        completionTime: iso(T0 + 300 + 7000),
        message: 'rpc error: code = NotFound desc = not found',
      },
    });
  });

  it('makes 4 attempts when backoffLimit is absent, and doubles the sleep up to a 30 s cap', () => {
    const byDefault = failEveryAttempt(new Run(inputOf()).send(ev.slot(T0)), 'x');
    expect(byDefault.delays('retryBackoff')).toEqual([1000, 2000, 4000, 8000]);
    const long = failEveryAttempt(new Run(inputOf({ pullPolicy: { backoffLimit: 7 } })).send(ev.slot(T0)), 'x');
    expect(long.delays('retryBackoff')).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  it('treats a negative backoffLimit as 3 (4 attempts) and backoffLimit 0 as a single attempt', () => {
    const negative = failEveryAttempt(new Run(inputOf({ pullPolicy: { backoffLimit: -1 } })).send(ev.slot(T0)), 'x');
    expect(negative.spawned()).toHaveLength(4);
    const zero = failEveryAttempt(new Run(inputOf({ pullPolicy: { backoffLimit: 0 } })).send(ev.slot(T0)), 'x');
    expect(zero.spawned()).toHaveLength(1);
    expect(zero.delays('retryBackoff')).toEqual([1000]);
  });

  it('succeeds on a later attempt after failures, with the message cleared', () => {
    const run = new Run(inputOf()).send(ev.slot(T0), ev.pullFailed(T0 + 50, 'unauthorized'), ev.backoffOver(), ev.pulled(T0 + 2000));
    expect(run.context.attempt).toBe(2);
    run.send(ev.verified({ at: T0 + 2100, image: NGINX }));
    expect(run.settle().snapshot.output).toMatchObject({ writeStatus: true, status: { phase: 'Succeeded' } });
    expect(run.settle().snapshot.output).not.toHaveProperty('status.message');
  });

  it('counts a verification that does not find the image, or cannot run, as a failed attempt', () => {
    const missing = new Run(inputOf()).send(ev.slot(T0), ev.pulled(T0 + 10), ev.verified({ at: T0 + 20, image: null }));
    expect(missing.state).toBe('backingOff');
    expect(missing.context.message).toBe('image nginx:1.21 not found');
    const broken = new Run(inputOf()).send(ev.slot(T0), ev.pulled(T0 + 10), ev.verifyError(new Error('rpc error: code = Unavailable')));
    expect(broken.state).toBe('backingOff');
    expect(broken.context.message).toBe('rpc error: code = Unavailable');
  });

  it('counts an effect that crashes as a failed attempt carrying its error text', () => {
    const run = new Run(inputOf()).send(ev.slot(T0), ev.pullError(new Error('effect criPullImage is not provided')));
    expect(run.state).toBe('backingOff');
    expect(run.context.message).toBe('effect criPullImage is not provided');
  });
});

describe('imageTag: timeouts and activeDeadlineSeconds', () => {
  it('passes timeoutSeconds as the attempt budget and cancels an attempt that outlives it with upstream message', () => {
    const run = new Run(inputOf({ pullPolicy: { timeoutSeconds: 30 } })).send(ev.slot(T0));
    expect(run.spawned()[0]?.input).toMatchObject({ timeoutMs: 30_000 });
    expect(run.delays('attemptTimeout')).toEqual([30_000]);
    run.send(ev.attemptTimedOut());
    expect(run.state).toBe('backingOff');
    expect(run.context.message).toBe('pulling image nginx:1.21 is canceled');
    expect(run.context.clockMs).toBe(T0 + 30_000);
    expect(run.actions.map((a) => a.type)).toContain('xstate.stopChild');
  });

  it('maps an effect-reported deadline to the same "is canceled" message', () => {
    const run = new Run(inputOf()).send(ev.slot(T0), ev.pullFailed(T0 + 5, 'context deadline exceeded', true));
    expect(run.context.message).toBe('pulling image nginx:1.21 is canceled');
  });

  it('caps each attempt at the time left to activeDeadlineSeconds counted from the worker start, then fails with upstream message', () => {
    const run = new Run(inputOf({ pullPolicy: { timeoutSeconds: 30, activeDeadlineSeconds: 45 } }));
    run.send(ev.slot(T0), ev.pullFailed(T0 + 10_000, 'x'), ev.backoffOver()); // attempt 2 at T0+11 s: 34 s left
    run.send(ev.attemptTimedOut(), ev.backoffOver()); // attempt 2 ends at T0+41 s; attempt 3 at T0+43 s: 2 s left
    run.send(ev.attemptTimedOut(), ev.backoffOver()); // attempt 3 ends at T0+45 s; T0+49 s is past the deadline
    expect(run.spawned().map((s) => (s.input as { timeoutMs: number }).timeoutMs)).toEqual([30_000, 30_000, 2_000]);
    expect(run.delays('attemptTimeout')).toEqual([30_000, 30_000, 2_000]);
    expect(run.state).toBe('failed');
    expect(run.settle().snapshot.output).toEqual({
      writeStatus: true,
      status: {
        tag: '1.21',
        phase: 'Failed',
        version: 1,
        startTime: iso(T0),
        completionTime: iso(T0 + 49_000),
        message: 'pulling exceeds the activeDeadlineSeconds',
      },
    });
  });

  it('counts the deadline from the slot grant, not from the spawn, so time spent waiting is free', () => {
    const run = new Run(inputOf({ pullPolicy: { activeDeadlineSeconds: 60 } })).send(ev.slot(T0 + 3_600_000));
    expect(run.spawned()[0]?.input).toMatchObject({ timeoutMs: 60_000 });
  });

  it('reports the last error, not the deadline, when the last attempt ends past the deadline (no check after the last sleep)', () => {
    const run = new Run(inputOf({ pullPolicy: { backoffLimit: 0, activeDeadlineSeconds: 5 } }));
    run.send(ev.slot(T0), ev.pullFailed(T0 + 4_500, 'rpc error: code = Unknown desc = manifest unknown'), ev.backoffOver());
    expect(run.settle().snapshot.output).toMatchObject({
      status: { phase: 'Failed', message: 'rpc error: code = Unknown desc = manifest unknown', completionTime: iso(T0 + 5_500) },
    });
  });

  it('fails at once, without calling the runtime, when activeDeadlineSeconds is 0', () => {
    const run = new Run(inputOf({ imagePullPolicy: 'IfNotPresent', pullPolicy: { activeDeadlineSeconds: 0 } })).send(ev.slot(T0));
    expect(run.state).toBe('failed');
    expect(run.spawned()).toEqual([]);
    expect(run.settle().snapshot.output).toMatchObject({ status: { message: 'pulling exceeds the activeDeadlineSeconds', completionTime: iso(T0) } });
  });
});

describe('imageTag: tag removal and version bump', () => {
  it.each([
    ['waiting', []],
    ['pulling', [ev.slot(T0)]],
    ['backingOff', [ev.slot(T0), ev.pullFailed(T0 + 1, 'x')]],
    ['verifying', [ev.slot(T0), ev.pulled(T0 + 1)]],
  ] as const)('a removed tag ends the actor from %s in abandoned, whose output says not to write a status', (from, events) => {
    const run = new Run(inputOf()).send(...events);
    expect(run.state).toBe(from);
    run.send(ev.removed(T0 + 5));
    expect(run.state).toBe('abandoned');
    expect(run.snapshot.status).toBe('done');
    expect(run.snapshot.output).toEqual({ writeStatus: false, reason: 'tagRemoved', message: 'pulling image nginx:1.21 is stopped' });
  });

  it('a version bump mid-pull abandons the actor and stops the pull effect', () => {
    const run = new Run(inputOf()).send(ev.slot(T0), ev.progress(1, 2, T0 + 1), ev.versionChanged(2, T0 + 2));
    expect(run.state).toBe('abandoned');
    expect(run.actions.map((a) => a.type)).toContain('xstate.stopChild');
    expect(run.snapshot.output).toEqual({ writeStatus: false, reason: 'versionChanged', message: 'pulling image nginx:1.21 is stopped' });
  });

  it('ignores a version observation equal to its own version (level-triggered duplicates)', () => {
    const run = new Run(inputOf({ version: 3 })).send(ev.slot(T0), ev.versionChanged(3, T0 + 1));
    expect(run.state).toBe('pulling');
  });

  it('keeps writeStatus true for finished actors: imageTagOutcome only withholds abandoned ones', () => {
    const run = new Run(inputOf()).send(ev.slot(T0), ev.pulled(T0 + 1), ev.verified({ at: T0 + 2, image: NGINX }));
    expect(imageTagOutcome(run.context)).toEqual(run.settle().snapshot.output);
    expect(run.settle().snapshot.output).toMatchObject({ writeStatus: true });
  });
});

describe('imageTag: specs that can never be pulled', () => {
  it("fails an invalid reference at its first observation, before any slot or runtime call, with the grammar's reason", () => {
    const run = new Run(inputOf({ name: 'Nginx' })).send(ev.versionChanged(1, T0));
    expect(run.state).toBe('failed');
    expect(run.spawned()).toEqual([]);
    expect(run.delays('retryBackoff')).toEqual([]);
    expect(run.settle().snapshot.output).toEqual({
      writeStatus: true,
      status: {
        tag: '1.21',
        phase: 'Failed',
        version: 1,
        startTime: iso(T0),
        completionTime: iso(T0),
        message: 'invalid image reference "Nginx:1.21": invalid reference format: repository name must be lowercase',
      },
    });
  });

  it('fails an invalid reference on a slot grant too, and still abandons it for another version', () => {
    const granted = new Run(inputOf({ tag: 'bad tag' })).send(ev.slot(T0));
    expect(granted.state).toBe('failed');
    expect(granted.context.message).toBe('invalid image reference "nginx:bad tag": invalid reference format: invalid tag');
    const bumped = new Run(inputOf({ tag: 'bad tag' })).send(ev.versionChanged(2, T0));
    expect(bumped.state).toBe('abandoned');
  });

  it('keeps a valid reference waiting on its spawn observation', () => {
    expect(new Run(inputOf()).send(ev.versionChanged(1, T0)).state).toBe('waiting');
  });

  it('gives every attempt no time under a negative timeoutSeconds, as upstream, and says why after the backoff schedule', () => {
    const run = new Run(inputOf({ pullPolicy: { timeoutSeconds: -5, backoffLimit: 1 } })).send(ev.slot(T0));
    expect(run.delays('attemptTimeout')).toEqual([0]);
    run.send(ev.attemptTimedOut(), ev.backoffOver(), ev.attemptTimedOut(), ev.backoffOver());
    expect(run.delays('retryBackoff')).toEqual([1000, 2000]);
    expect(run.state).toBe('failed');
    expect(run.context.message).toBe('pulling image nginx:1.21 is canceled (timeoutSeconds -5 leaves no time to pull)');
    // The runtime's own deadline report reads the same.
    const reported = new Run(inputOf({ pullPolicy: { timeoutSeconds: -5 } })).send(ev.slot(T0), ev.pullFailed(T0, 'context deadline exceeded', true));
    expect(reported.context.message).toBe('pulling image nginx:1.21 is canceled (timeoutSeconds -5 leaves no time to pull)');
  });
});

describe('imageTag: the image platform check (Windows nodes)', () => {
  const windows = (overrides = {}) => inputOf({ checkPlatform: true, ...overrides });
  const mismatch =
    'image nginx:1.21 cannot run on this node: no matching manifest for windows/amd64 10.0.17763 in the manifest list entries (the image offers: windows/amd64 10.0.20348.1)';

  it('reads the platforms before the first pull and fails at once, without pulling or backing off, when none runs here', () => {
    const run = new Run(windows({ pullSecrets: [{ namespace: 'kruise-daemon-config', name: 's' }] })).send(ev.slot(T0));
    expect(run.state).toBe('checkingPlatform');
    expect(run.spawned()).toEqual([
      { id: 'platformCheck', input: { reference: 'nginx:1.21', pullSecrets: [{ namespace: 'kruise-daemon-config', name: 's' }] } },
    ]);
    run.send(ev.platform({ at: T0 + 40, verdict: 'cannotRun', message: mismatch }));
    expect(run.state).toBe('failed');
    expect(run.spawned().map((s) => s.id)).toEqual(['platformCheck']);
    expect(run.delays('retryBackoff')).toEqual([]);
    expect(run.settle().snapshot.output).toEqual({
      writeStatus: true,
      status: { tag: '1.21', phase: 'Failed', version: 1, startTime: iso(T0), completionTime: iso(T0 + 40), message: mismatch },
    });
  });

  it.each([
    ['runs here', ev.platform({ at: T0 + 5, verdict: 'runs', message: '' })],
    ['is unknown', ev.platform({ at: T0 + 5, verdict: 'unknown', message: 'registry.example.com cannot be reached: ENOTFOUND' })],
    ['broke', ev.platformError(new Error('boom'))],
  ])('pulls when the image %s, and does not check again on later attempts', (_what, answer) => {
    const run = new Run(windows()).send(ev.slot(T0), answer);
    expect(run.state).toBe('pulling');
    expect(run.context.message).toBe('');
    run.send(ev.pullFailed(T0 + 10, 'x'), ev.backoffOver());
    expect(run.state).toBe('pulling');
    expect(run.spawned().map((s) => s.id)).toEqual(['platformCheck', 'criPullImage', 'criPullImage']);
  });

  it('under IfNotPresent asks the runtime first: a present image needs no check, an absent one is checked', () => {
    const present = new Run(windows({ imagePullPolicy: 'IfNotPresent' })).send(ev.slot(T0), ev.presence({ at: T0 + 1, image: NGINX }));
    expect(present.state).toBe('succeeded');
    const absent = new Run(windows({ imagePullPolicy: 'IfNotPresent' })).send(ev.slot(T0), ev.presence({ at: T0 + 1, image: null }));
    expect(absent.state).toBe('checkingPlatform');
    const unanswered = new Run(windows({ imagePullPolicy: 'IfNotPresent' })).send(ev.slot(T0), ev.presenceError(new Error('unavailable')));
    expect(unanswered.state).toBe('checkingPlatform');
  });

  it('is skipped where the node does not ask for it (Linux)', () => {
    expect(new Run(inputOf()).send(ev.slot(T0)).state).toBe('pulling');
  });

  it('is abandoned mid-check like any other state', () => {
    const run = new Run(windows()).send(ev.slot(T0), ev.versionChanged(2, T0 + 1));
    expect(run.state).toBe('abandoned');
    expect(run.actions.map((a) => a.type)).toContain('xstate.stopChild');
  });
});

describe('imageTag: holding the final status until it is persisted', () => {
  it.each([
    ['succeeded', [ev.slot(T0), ev.pulled(T0 + 1), ev.verified({ at: T0 + 2, image: NGINX })]],
    [
      'failed',
      [
        ev.slot(T0),
        ev.pullFailed(T0 + 1, 'x'),
        ev.backoffOver(),
        ev.pullFailed(T0 + 2000, 'x'),
        ev.backoffOver(),
        ev.pullFailed(T0 + 5000, 'x'),
        ev.backoffOver(),
        ev.pullFailed(T0 + 9000, 'x'),
        ev.backoffOver(),
      ],
    ],
  ] as const)(
    'stays alive in %s, with only its Event effect and no timer, until the Event is recorded and k8s.statusPersisted; then ends in reported with the same entry',
    (state, events) => {
      const run = new Run(inputOf()).send(...events);
      expect(run.state).toBe(state);
      expect(run.snapshot.status).toBe('active');
      expect(Object.keys(run.snapshot.children)).toEqual(['pullEvent']);
      const held = imageTagOutcome(run.context);
      // Progress reports and timers from a late effect change nothing while it waits.
      run.send(ev.progress(1, 2, T0 + 20_000), ev.pulled(T0 + 20_001), ev.backoffOver());
      expect(run.state).toBe(state);
      expect(imageTagOutcome(run.context)).toEqual(held);

      run.send(ev.persisted(T0 + 30_000));
      expect(run.snapshot.value).toEqual({ [state]: { event: 'recording', entry: 'persisted' } }); // the Event is still owed
      run.send(ev.eventRecorded());
      expect(run.state).toBe('reported');
      expect(run.snapshot.status).toBe('done');
      expect(run.snapshot.output).toEqual(held);
    },
  );

  it('ignores k8s.statusPersisted before the pull has an outcome', () => {
    const run = new Run(inputOf()).send(ev.persisted(T0), ev.slot(T0), ev.persisted(T0 + 1));
    expect(run.state).toBe('pulling');
  });

  it('is abandoned without a status when its tag goes away while it holds its entry', () => {
    const run = new Run(inputOf()).send(ev.slot(T0), ev.pulled(T0 + 1), ev.verified({ at: T0 + 2, image: NGINX }), ev.removed(T0 + 3));
    expect(run.state).toBe('abandoned');
    expect(run.snapshot.output).toMatchObject({ writeStatus: false, reason: 'tagRemoved' });
  });
});

describe('imageTag: progress', () => {
  it('is monotone, ignores a shrinking total and restarts, and never reaches 100 before verification', () => {
    const run = new Run(inputOf()).send(
      ev.slot(T0),
      ev.progress(0, 0),
      ev.progress(30, 100),
      ev.progress(20, 100), // a lower report does not lower the status
      ev.progress(60, 50), // the largest announced total stays
      ev.progress(100, 100), // all bytes in, not yet verified
      ev.pullFailed(T0 + 10, 'x'),
      ev.backoffOver(),
      ev.progress(5, 100), // the next attempt restarts its bytes, status stays
    );
    const seen = run.progressSeen();
    expect(seen).toEqual([0, 0, 0, 30, 30, 60, 99, 99, 99, 99]);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1]!);
    expect(Math.max(...seen)).toBeLessThan(100);

    run.send(ev.pulled(T0 + 20), ev.verified({ at: T0 + 30, image: NGINX }));
    expect(run.context.progress).toBe(100);
  });

  it('keeps the last progress on failure, as upstream keeps it in the status it writes', () => {
    const run = new Run(inputOf({ pullPolicy: { backoffLimit: 0 } })).send(ev.slot(T0), ev.progress(40, 100), ev.pullFailed(T0 + 1, 'x'), ev.backoffOver());
    expect(run.settle().snapshot.output).toMatchObject({ status: { phase: 'Failed', progress: 40 } });
  });
});
