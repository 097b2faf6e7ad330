// The crash window between a pull's end and its status write: the daemon stops (as a crash
// would: no stop records) after the tag finished and its Event went out, but before any status
// write landed; a new daemon on the same event log recovers the finished actor with its outcome,
// writes it, pulls nothing and records no second event.
import { describe, expect, it } from 'vitest';
import { tagKey } from '../../../daemon/features/image-puller/index.js';
import { runtimeBed, runtimeBedSkipReason } from '../../bed/runtime-bed.js';
import { nameTag, pullerBed, until } from './support.js';

const bed = runtimeBed();
const STATUS_WRITES = { method: 'PUT', resource: 'nodeimages', subresource: 'status' } as const;

describe.skipIf(bed === undefined)(`image puller: the crash window ${runtimeBedSkipReason()}`.trim(), () => {
  it.each([
    ['Succeeded', () => ({ image: bed!.images.busybox2, pullPolicy: {} })],
    ['Failed', () => ({ image: `${bed!.registry}/no-such-image:1`, pullPolicy: { backoffLimit: 0 } })],
  ] as const)('adopts a %s outcome whose status write never landed: no second pull, one event, the same entry', async (phase, spec) => {
    const b = await pullerBed(bed!);
    const { image, pullPolicy } = spec();
    const { name, tag } = nameTag(image);
    const key = tagKey(name, tag, 0);
    b.api.faults.failNext(1_000, { status: 403, match: STATUS_WRITES });
    const first = await b.startDaemon();
    b.job('crash', { image, imagePullPolicy: 'Always', pullPolicy });
    await until(() => first.stateOf(key) === phase.toLowerCase(), `the actor to reach ${phase}`, 30_000);
    // The crash comes after the Event went out (a crash while it is written: test/cli/events-once.e2e.test.ts).
    await until(() => b.events().some((e) => e.involvedObject?.kind === 'NodeImage') || undefined, 'the Event to be recorded', 30_000);
    const held = (first.host.snapshot(key)!.context as { completionTime: string }).completionTime;
    const pulledBefore = first.pulls.length;
    await first.stop(); // stops actors without stop records, as a crash leaves them
    expect(b.tagsOf(name)).toEqual([]); // no status write landed
    b.api.faults.clear();

    const second = await b.startDaemon();
    expect(second.tagActors()).toEqual([key]); // recovered holding its outcome
    const entry = await until(() => b.tagsOf(name).find((t) => t.phase === phase), `the ${phase} entry to be written`, 30_000);
    expect(entry).toMatchObject({ tag, version: 0, completionTime: held });
    await until(() => second.tagActors().length === 0 || undefined, 'the actor to stop once its entry is persisted', 10_000);
    await second.stop();
    expect(pulledBefore).toBeGreaterThan(0);
    expect(second.pulls).toEqual([]);
    const reason = phase === 'Succeeded' ? 'PullImageSucceed' : 'PullImageFailed';
    const nodeEvents = b.events().filter((e) => e.involvedObject?.kind === 'NodeImage');
    expect(nodeEvents.map((e) => [e.reason, e.count])).toEqual([[reason, 1]]);

    // A third start finds the actor finished and the entry persisted: nothing runs.
    const third = await b.startDaemon();
    await until(() => third.observed.includes('synced'), "the third daemon's first NodeImage list", 30_000);
    expect(third.tagActors()).toEqual([]);
    expect(third.pulls).toEqual([]);
  });
});
