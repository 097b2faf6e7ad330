// The two callback effects of the features map a body that rejects to the failure event their
// machine already handles: crrPod's killContainer to `kill.failed` (the chart resumes its walk),
// imageTag's criPullImage to `cri.pullFailed` (the chart backs off and retries).
import { type AnyActorLogic, createActor, type EventObject, setup } from 'xstate';
import { describe, expect, it } from 'vitest';
import { crrPodEffects, type CrrPodEffectsDeps } from '../../effects/crr/crr-pod.effects.js';
import { imageTagEffects } from '../../effects/image-pull/image-tag.effects.js';
import type { KillContainerInput } from '../../machines/crr/types.js';

/** Invokes `logic` with `input` under a parent that resolves with the first event it hears. */
function firstEventOf(logic: AnyActorLogic, input: unknown): Promise<EventObject> {
  return new Promise((resolve) => {
    const machine = setup({ actors: { effect: logic } }).createMachine({
      invoke: { id: 'effect', src: 'effect', input: () => input },
      on: { '*': { actions: ({ event }) => resolve(event) } },
    });
    createActor(machine).start();
  });
}

const NOW = Date.UTC(2026, 0, 1);
const durableNow = { durable: () => Promise.resolve() };

describe('callback effects of the features report a rejected body to their machine', () => {
  it('crrPod killContainer: kill.failed with the error text', async () => {
    const deps = {
      barrier: durableNow,
      now: () => NOW,
      criFor: () => {
        throw new Error('runtime table is broken');
      },
    } as unknown as CrrPodEffectsDeps;
    const input: KillContainerInput = {
      runtimeName: 'containerd',
      namespace: 'default',
      podName: 'web',
      podUid: 'uid-1',
      crrName: 'restart-web',
      container: { name: 'web', containerID: `containerd://${'a'.repeat(64)}`, preStop: null, ports: [] },
      gracePeriodSeconds: 30,
    };
    expect(await firstEventOf(crrPodEffects(deps).killContainer, input)).toEqual({ type: 'kill.failed', at: NOW, message: 'runtime table is broken' });
  });

  it('imageTag criPullImage: cri.pullFailed with the error text', async () => {
    const effects = imageTagEffects({
      cri: { imageStatus: async () => ({ image: null }), pullImage: async () => ({ image_ref: '' }) } as never,
      barrier: durableNow,
      now: () => NOW,
      events: { recordOnce: async () => 'created' as const },
      subjects: { subjectsOf: () => ({ nodeImage: { kind: 'NodeImage', name: 'node-a' }, owners: [] }) },
    });
    // An input the body cannot read makes it throw before any pull: the machine must still hear of it.
    const event = await firstEventOf(effects.criPullImage, null);
    expect(event).toMatchObject({ type: 'cri.pullFailed', at: NOW });
    expect((event as unknown as { message: string }).message).toMatch(/reading 'reference'/);
  });
});
