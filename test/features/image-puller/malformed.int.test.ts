// Hand-written NodeImage specs that cannot be pulled, beside one that can: each bad tag ends
// Failed with a message that says what is wrong, and the good tag is pulled all the same.
import { describe, expect, it } from 'vitest';
import { runtimeBed, runtimeBedSkipReason } from '../../bed/runtime-bed.js';
import { nameTag, pullerBed, until } from './support.js';

const bed = runtimeBed();

describe.skipIf(bed === undefined)(`image puller: malformed specs ${runtimeBedSkipReason()}`.trim(), () => {
  it('fails a bad reference at once, a negative timeoutSeconds and an unknown pull secret after their attempts, each with a clear message, while the good tag succeeds', async () => {
    const b = await pullerBed(bed!);
    const daemon = await b.startDaemon({ pullSecretsFromApi: true });
    const busybox = nameTag(bed!.images.busybox); // busybox:1 and busybox:2 share the name
    const priv = nameTag(bed!.images.private);
    const badName = `${bed!.registry}/Busy-Box`;
    const tag = (t: string, extra: Record<string, unknown> = {}) => ({ tag: t, version: 0, imagePullPolicy: 'Always', ...extra });
    b.api.store.update({
      ...b.nodeImage()!,
      spec: {
        images: {
          [busybox.name]: { tags: [tag('1', { pullPolicy: { timeoutSeconds: -5, backoffLimit: 1 } }), tag('2')] },
          [badName]: { tags: [tag('1')] },
          [priv.name]: {
            pullSecrets: [{ namespace: 'kruise-daemon-config', name: 'not-copied-yet' }],
            tags: [tag(priv.tag, { pullPolicy: { backoffLimit: 1 } })],
          },
        },
      },
    } as never);

    const status = await until(
      () => {
        const s = b.nodeImage()?.status as { succeeded?: number; failed?: number } | undefined;
        return s && (s.succeeded ?? 0) + (s.failed ?? 0) === 4 ? s : undefined;
      },
      'every tag to finish',
      60_000,
    );
    expect(status).toMatchObject({ desired: 4, succeeded: 1, failed: 3, pulling: 0, waiting: 0 });
    const entry = (name: string, t: string) => b.tagsOf(name).find((x) => x.tag === t)!;

    expect(entry(busybox.name, '2')).toMatchObject({ phase: 'Succeeded', progress: 100 });
    expect(entry(badName, '1')).toMatchObject({
      phase: 'Failed',
      message: `invalid image reference "${badName}:1": invalid reference format: repository name must be lowercase`,
    });
    expect(entry(busybox.name, '1')).toMatchObject({
      phase: 'Failed',
      message: `pulling image ${busybox.name}:1 is canceled (timeoutSeconds -5 leaves no time to pull)`,
    });
    const unknownSecret = entry(priv.name, priv.tag);
    expect(unknownSecret.phase).toBe('Failed');
    expect(unknownSecret.message).toMatch(
      /^Failed to pull image reference ".*": rpc error: code = \w+ desc = .*401 Unauthorized.* \(pull secret kruise-daemon-config\/not-copied-yet not found\)$/,
    );

    // The bad reference never reached the runtime; the unknown secret made backoffLimit + 1 anonymous attempts.
    expect(daemon.pulls.filter((p) => p.includes('Busy-Box'))).toEqual([]);
    expect(daemon.pulls.filter((p) => p === bed!.images.private)).toHaveLength(2);
    expect(daemon.pulls).toContain(bed!.images.busybox2);
    await daemon.stop();
    const failedEvents = b.events().filter((e) => e.reason === 'PullImageFailed' && e.involvedObject?.kind === 'NodeImage');
    const failed: Array<[string, Record<string, unknown>]> = [
      [badName, entry(badName, '1')],
      [busybox.name, entry(busybox.name, '1')],
      [priv.name, unknownSecret],
    ];
    expect(failedEvents.map((e) => e.message).sort()).toEqual(failed.map(([name, t]) => `Image ${name}:${String(t.tag)} ${String(t.message)}`).sort());
  });
});
