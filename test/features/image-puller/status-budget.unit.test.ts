// The NodeImage status write budget (contract §3.6): which changes go at once, which wait, and
// the token bucket a settled or finished status may empty but progress may not. The publisher
// glue drives the nodeImageStatus actor in an ActorHost with its live write effect over a fake
// writer, on fake timers; the classification is checked on its own first.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { WriteOutcome } from '../../../adapters/kube/index.js';
import { writeUrgency, type NodeImageStatus, type StatusPublisher } from '../../../daemon/features/image-puller/index.js';
import { LiveClock } from '../../../engine/clock.js';
import type { ImageTagStatus } from '../../../machines/image-pull/types.js';
import { NODE_IMAGE, publisherOnEngine } from './publisher-harness.js';

const tag = (t: string, phase: ImageTagStatus['phase'], extra: Partial<ImageTagStatus> = {}): ImageTagStatus => ({ tag: t, phase, version: 0, ...extra });
function status(...tags: ImageTagStatus[]): NodeImageStatus {
  const count = (p: string) => tags.filter((t) => t.phase === p).length;
  return {
    desired: tags.length,
    succeeded: count('Succeeded'),
    failed: count('Failed'),
    pulling: count('Pulling'),
    waiting: count('Waiting'),
    ...(tags.length ? { imageStatuses: { app: { tags } } } : {}),
  };
}

describe('writeUrgency', () => {
  const pulling = status(tag('1', 'Pulling'), tag('2', 'Pulling'));
  it.each([
    ['nothing changed', pulling, pulling, pulling, 'none'],
    ['the last tag finished', status(tag('1', 'Succeeded'), tag('2', 'Failed')), pulling, pulling, 'settle'],
    ['every tag went away', status(), pulling, pulling, 'settle'],
    ['a new tag version appeared', status(tag('1', 'Pulling'), tag('2', 'Pulling'), tag('3', 'Waiting')), pulling, pulling, 'announce'],
    ['a version bump replaced an entry', status(tag('1', 'Pulling'), { ...tag('2', 'Waiting'), version: 1 }), pulling, pulling, 'announce'],
    ['one tag finished while another pulls', status(tag('1', 'Succeeded'), tag('2', 'Pulling')), pulling, pulling, 'finish'],
    ['progress moved', status(tag('1', 'Pulling', { progress: 40 }), tag('2', 'Pulling')), pulling, pulling, 'refresh'],
    ['Waiting became Pulling', pulling, status(tag('1', 'Waiting'), tag('2', 'Pulling')), pulling, 'refresh'],
    [
      'someone else wrote another status',
      pulling,
      pulling,
      status(tag('1', 'Failed', { message: 'node has not responded for a long time' }), tag('2', 'Pulling')),
      'refresh',
    ],
  ] as const)('%s: %s', (_what, desired, landed, observed, expected) => {
    expect(writeUrgency(desired, landed, observed)).toBe(expected);
  });
});

describe('StatusPublisher', () => {
  const nodeImage = NODE_IMAGE;
  let sent: Array<{ at: number; status: NodeImageStatus }>;
  let outcomes: WriteOutcome[];
  let persisted: NodeImageStatus[];
  let publisher: StatusPublisher;

  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
    sent = [];
    outcomes = [];
    persisted = [];
    ({ publisher } = publisherOnEngine({
      now: Date.now,
      clock: new LiveClock(),
      writer: {
        write: async (_ref, s) => {
          sent.push({ at: Date.now(), status: s as NodeImageStatus });
          return outcomes.shift() ?? 'written';
        },
      },
      retryDelayMs: () => 4_000,
      onPersisted: (s) => persisted.push(s),
    }));
  });
  afterEach(() => vi.useRealTimers());

  const at = () => sent.map((w) => w.at - 1_000_000);
  const elapse = (ms: number) => vi.advanceTimersByTimeAsync(ms);

  it('writes one announce for a burst of new tags, holds progress, and writes the settled status at once', async () => {
    publisher.publish(nodeImage, status(tag('1', 'Pulling')));
    await elapse(10);
    publisher.publish(nodeImage, status(tag('1', 'Pulling'), tag('2', 'Pulling')));
    await elapse(300);
    expect(at()).toEqual([250]);
    expect(sent[0]!.status.desired).toBe(2);
    publisher.publish(nodeImage, status(tag('1', 'Pulling', { progress: 30 }), tag('2', 'Pulling')));
    await elapse(1_000);
    expect(sent).toHaveLength(1); // progress waits for the refresh cadence (5 s after the last write)
    publisher.publish(nodeImage, status(tag('1', 'Succeeded', { progress: 100 }), tag('2', 'Succeeded', { progress: 100 })));
    await elapse(1);
    expect(at()).toEqual([250, 1310]);
    expect(persisted.map((s) => s.succeeded)).toEqual([0, 2]);
  });

  it('holds a terminal phase while others pull, so finishes close together share one write', async () => {
    publisher.publish(nodeImage, status(tag('1', 'Pulling'), tag('2', 'Pulling'), tag('3', 'Pulling')));
    await elapse(300);
    publisher.publish(nodeImage, status(tag('1', 'Succeeded'), tag('2', 'Pulling'), tag('3', 'Pulling')));
    await elapse(1_000);
    publisher.publish(nodeImage, status(tag('1', 'Succeeded'), tag('2', 'Failed'), tag('3', 'Pulling')));
    await elapse(2_500);
    expect(at()).toEqual([250, 3300]); // 3 s after the first finish, both finishes in one write
    expect(sent[1]!.status).toMatchObject({ succeeded: 1, failed: 1, pulling: 1 });
  });

  it('writes progress on the cadence while a token is spare, and never spends the token a settled status needs', async () => {
    let progress = 0;
    const step = () => {
      progress += 1;
      publisher.publish(nodeImage, status(tag('1', 'Pulling', { progress })));
    };
    publisher.publish(nodeImage, status(tag('1', 'Pulling')));
    for (let i = 0; i < 60; i += 1) {
      step();
      await elapse(500);
    }
    // One announce, then a progress write every 5 s: the bucket (0.5/s) never runs dry.
    expect(at()).toEqual([250, 5250, 10250, 15250, 20250, 25250]);
    publisher.publish(nodeImage, status(tag('1', 'Succeeded', { progress: 100 })));
    await elapse(1);
    expect(sent.at(-1)!.status.succeeded).toBe(1);
    expect(sent.at(-1)!.at - 1_000_000).toBe(30_000);
  });

  it('with the bucket nearly empty lets a new tag wait for a spare token, while a settled status takes the last one at once', async () => {
    // Five quick settled writes (tags coming and going) spend the burst.
    for (let i = 0; i < 5; i += 1) {
      publisher.publish(nodeImage, status(tag(`s${i}`, 'Succeeded')));
      await elapse(1);
    }
    expect(sent).toHaveLength(5);
    publisher.publish(nodeImage, status(tag('s4', 'Succeeded'), tag('new', 'Pulling')));
    await elapse(2_500);
    expect(sent).toHaveLength(5); // needs 2 tokens: about 1.25 at this point
    publisher.publish(nodeImage, status(tag('s4', 'Succeeded'), tag('new', 'Succeeded')));
    await elapse(1);
    expect(sent).toHaveLength(6); // the settled status takes the one token there is
    expect(sent[5]!.status.succeeded).toBe(2);
  });

  it('gives the token back when the object already held the status', async () => {
    outcomes.push('skipped', 'skipped', 'skipped', 'skipped', 'skipped');
    for (let i = 0; i < 5; i += 1) {
      publisher.publish(nodeImage, status(tag(`s${i}`, 'Succeeded')));
      await elapse(1);
    }
    expect(persisted).toHaveLength(5); // skipped counts as persisted
    publisher.publish(nodeImage, status(tag('s4', 'Succeeded'), tag('new', 'Pulling')));
    await elapse(260);
    expect(sent).toHaveLength(6); // the burst is whole again: the announce did not wait for tokens
  });

  it('tries a failed write again after the requeue delay, and only then counts it persisted', async () => {
    outcomes.push('failed');
    publisher.publish(nodeImage, status(tag('1', 'Succeeded')));
    await elapse(1);
    expect(persisted).toHaveLength(0);
    await elapse(3_990);
    expect(sent).toHaveLength(1);
    await elapse(20);
    expect(at()).toEqual([0, 4000]);
    expect(persisted.map((s) => s.succeeded)).toEqual([1]);
  });

  it('sends what is pending when stopped, whatever the cadence, and nothing after a reset', async () => {
    publisher.publish(nodeImage, status(tag('1', 'Pulling')));
    publisher.stop();
    await elapse(1);
    expect(sent).toHaveLength(1);
    const { publisher: other } = publisherOnEngine({
      now: Date.now,
      clock: new LiveClock(),
      writer: {
        write: async (_r, s) => {
          sent.push({ at: Date.now(), status: s as NodeImageStatus });
          return 'written';
        },
      },
    });
    other.publish(nodeImage, status(tag('1', 'Pulling')));
    other.reset();
    await elapse(1_000);
    other.stop();
    expect(sent).toHaveLength(1);
  });
});
