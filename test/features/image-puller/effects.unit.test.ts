// The two effects the image puller's machines gained: recording a pull Event (one recorder call
// per involved object, upstream's shapes and messages) and writing the NodeImage status (the
// newest status the puller has, one StatusWriter call, upstream's requeue after a failure).
import { describe, expect, it } from 'vitest';
import { createActor, toPromise } from 'xstate';
import { nodeImageRef, type InvolvedObject, type ObjectRef, type WriteOutcome } from '../../../adapters/kube/index.js';
import { recordPullEvent, writeNodeImageStatus } from '../../../effects/image-pull/index.js';
import type { PullEventInput, StatusWriteOutput } from '../../../machines/image-pull/types.js';

const NODE_IMAGE: InvolvedObject = { apiVersion: 'apps.kruise.io/v1beta1', kind: 'NodeImage', name: 'node-a', uid: 'u' };
const JOB: InvolvedObject = { apiVersion: 'apps.kruise.io/v1beta1', kind: 'ImagePullJob', name: 'j', namespace: 'apps', uid: 'j1' };
const input = (outcome: 'Succeeded' | 'Failed'): PullEventInput => ({
  identity: `nginx:1@0/${outcome}/1000`,
  name: 'nginx',
  tag: '1',
  version: 0,
  outcome,
  elapsedMs: 61_500,
  message: outcome === 'Failed' ? 'rpc error: not found' : '',
});

function recorder() {
  const calls: Array<[string, InvolvedObject, string, string, string]> = [];
  const identities: string[] = [];
  return {
    calls,
    identities,
    recordOnce: async (identity: string, c: string, i: InvolvedObject, t: string, r: string, m: string) => {
      identities.push(identity);
      calls.push([c, i, t, r, m]);
      return 'created' as const;
    },
  };
}

const run = <T>(logic: Parameters<typeof createActor>[0], actorInput: unknown): Promise<T> =>
  toPromise(createActor(logic, { input: actorInput } as never).start()) as Promise<T>;

describe('the recordPullEvent effect', () => {
  it('records PullImageSucceed once, to the NodeImage, with the elapsed time as upstream words it', async () => {
    const events = recorder();
    const asked: PullEventInput[] = [];
    const effect = recordPullEvent({
      events,
      barrier: { durable: async () => {} },
      subjects: {
        subjectsOf: (i) => {
          asked.push(i);
          return { nodeImage: NODE_IMAGE, owners: [JOB] };
        },
      },
    });
    expect(await run(effect, input('Succeeded'))).toEqual({ recorded: 1 });
    expect(events.calls).toEqual([['kruise-daemon-imagepuller', NODE_IMAGE, 'Normal', 'PullImageSucceed', 'Image nginx:1, ecalpsedTime 1m1.5s']]);
    expect(asked).toEqual([input('Succeeded')]);
    // Written once per logical emission: every call is keyed by the input's identity.
    expect(events.identities).toEqual([input('Succeeded').identity]);
  });

  it('records PullImageFailed once to each owner, then the NodeImage, with the status message', async () => {
    const events = recorder();
    const effect = recordPullEvent({
      events,
      barrier: { durable: async () => {} },
      subjects: { subjectsOf: () => ({ nodeImage: NODE_IMAGE, owners: [JOB] }) },
    });
    expect(await run(effect, input('Failed'))).toEqual({ recorded: 2 });
    expect(events.calls).toEqual([
      ['kruise-daemon-imagepuller', JOB, 'Warning', 'PullImageFailed', 'Image nginx:1 rpc error: not found'],
      ['kruise-daemon-imagepuller', NODE_IMAGE, 'Warning', 'PullImageFailed', 'Image nginx:1 rpc error: not found'],
    ]);
  });

  it('records nothing before the log is durable', async () => {
    const events = recorder();
    let release: () => void = () => {};
    const durable = new Promise<void>((resolve) => (release = resolve));
    const effect = recordPullEvent({ events, barrier: { durable: () => durable }, subjects: { subjectsOf: () => ({ nodeImage: NODE_IMAGE, owners: [] }) } });
    const done = run(effect, input('Succeeded'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(events.calls).toEqual([]);
    release();
    await done;
    expect(events.calls).toHaveLength(1);
  });
});

describe('the writeNodeImageStatus effect', () => {
  const ref = nodeImageRef('node-a', 'v1beta1');

  function writer(outcome: WriteOutcome) {
    const calls: Array<{ ref: ObjectRef; status: unknown }> = [];
    const write = async (r: ObjectRef, status: unknown) => {
      calls.push({ ref: r, status });
      return outcome;
    };
    return { calls, write };
  }

  it('writes the status the source gives for this write, once, and reports how it ended', async () => {
    const w = writer('written');
    const taken: number[] = [];
    const effect = writeNodeImageStatus({
      writer: w,
      source: {
        take: (write) => {
          taken.push(write);
          return { ref, status: { desired: write } };
        },
      },
      barrier: { durable: async () => {} },
      now: () => 42,
      retryDelayMs: () => 3_500,
    });
    expect(await run<StatusWriteOutput>(effect, { write: 7 })).toEqual({ at: 42, outcome: 'written', retryAfterMs: 0 });
    expect(taken).toEqual([7]);
    expect(w.calls).toEqual([{ ref, status: { desired: 7 } }]);
  });

  it('names upstream’s requeue when the write did not land, and writes nothing while there is no NodeImage', async () => {
    const failing = writeNodeImageStatus({
      writer: writer('failed'),
      source: { take: () => ({ ref, status: {} }) },
      barrier: { durable: async () => {} },
      now: () => 1,
    });
    const out = await run<StatusWriteOutput>(failing, { write: 1 });
    expect(out.outcome).toBe('failed');
    expect(out.retryAfterMs).toBeGreaterThanOrEqual(3_000);
    expect(out.retryAfterMs).toBeLessThanOrEqual(5_000);
    const w = writer('written');
    const none = writeNodeImageStatus({
      writer: w,
      source: { take: () => undefined },
      barrier: { durable: async () => {} },
      now: () => 1,
      retryDelayMs: () => 4_000,
    });
    expect(await run<StatusWriteOutput>(none, { write: 1 })).toEqual({ at: 1, outcome: 'noObject', retryAfterMs: 4_000 });
    expect(w.calls).toEqual([]);
  });
});
