// The Events recorder against the fake API server: upstream's sources, namespaces and message
// shapes, correlation of repeats into one Event's count, and a caller that is never blocked.
import { describe, expect, it } from 'vitest';
import {
  containerFieldPath,
  EMISSION_ANNOTATION,
  emissionEventName,
  EVENT_COMPONENTS,
  EVENT_REASONS,
  EventRecorder,
  eventMessages,
  involvedObjectOf,
  type KubeObject,
} from '../../../adapters/kube/index.js';
import { nodeImageObject, podObject } from '../../bed/apiserver/fixtures.js';
import { kubeFixture, until } from './support.js';

const eventsIn = (api: Awaited<ReturnType<typeof kubeFixture>>['api'], namespace: string) =>
  api.store.list('v1', 'Event', { namespace }) as Array<
    KubeObject & { count?: number; reason?: string; message?: string; firstTimestamp?: string; lastTimestamp?: string }
  >;

describe('events recorder', () => {
  it('puts a NodeImage event in namespace default with upstream source, reason, type and message', async () => {
    const { api, clients } = await kubeFixture();
    const nodeImage = api.store.create(nodeImageObject('node-a'));
    const recorder = new EventRecorder({ transport: clients.forController(EVENT_COMPONENTS.imagePuller), host: 'node-a' });
    recorder
      .forComponent(EVENT_COMPONENTS.imagePuller)
      .event(involvedObjectOf(nodeImage), 'Normal', EVENT_REASONS.pullImageSucceed, eventMessages.pullImageSucceed('nginx', '1.25', 12_345.5));
    await recorder.idle();
    const [event] = eventsIn(api, 'default');
    expect(event).toMatchObject({
      metadata: { namespace: 'default', name: expect.stringMatching(/^node-a\.[0-9a-f]+$/) },
      involvedObject: { kind: 'NodeImage', apiVersion: 'apps.kruise.io/v1beta1', name: 'node-a', uid: nodeImage.metadata.uid },
      reason: 'PullImageSucceed',
      type: 'Normal',
      message: 'Image nginx:1.25, ecalpsedTime 12.3455s',
      source: { component: 'kruise-daemon-imagepuller', host: 'node-a' },
      reportingComponent: 'kruise-daemon-imagepuller',
      reportingInstance: 'node-a',
      count: 1,
    });
    expect((event?.involvedObject as { namespace?: string } | undefined)?.namespace).toBeUndefined();
    expect(event?.involvedObject).toBeDefined();
    expect(event?.firstTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('puts a pod container event in the pod namespace with its field path', async () => {
    const { api, clients } = await kubeFixture();
    const pod = api.store.create(podObject('web-0', 'node-a', { namespace: 'shop' }));
    const recorder = new EventRecorder({ transport: clients.transport, host: 'node-a' });
    recorder.record(
      EVENT_COMPONENTS.crr,
      involvedObjectOf(pod, containerFieldPath('main')),
      'Normal',
      EVENT_REASONS.killing,
      eventMessages.crrKilling('main', 'restart-1'),
    );
    await recorder.idle();
    expect(eventsIn(api, 'shop')[0]).toMatchObject({
      involvedObject: { kind: 'Pod', namespace: 'shop', name: 'web-0', fieldPath: 'spec.containers{main}' },
      message: 'Stopping container main by ContainerRecreateRequest restart-1',
      source: { component: 'kruise-daemon-crr', host: 'node-a' },
    });
  });

  it('aggregates 10 identical events written one after another into one Event with count 10, by patching', async () => {
    const { api, clients } = await kubeFixture();
    const nodeImage = api.store.create(nodeImageObject('node-a'));
    const recorder = new EventRecorder({ transport: clients.transport, host: 'node-a' });
    for (let i = 0; i < 10; i += 1) {
      recorder.record(EVENT_COMPONENTS.imagePuller, involvedObjectOf(nodeImage), 'Warning', EVENT_REASONS.pullImageFailed, 'Image nginx:1.25 not found');
      await recorder.idle();
    }
    const events = eventsIn(api, 'default');
    expect(events).toHaveLength(1);
    expect(events[0]?.count).toBe(10);
    const patches = api.requests.filter({ method: 'PATCH', resource: 'events' });
    expect(patches).toHaveLength(9);
    expect(patches[0]?.contentType).toBe('application/strategic-merge-patch+json');
    expect(recorder.stats()).toMatchObject({ recorded: 10, created: 1, patched: 9 });
  });

  it('folds 10 identical events recorded while the API is slow into one create with count 10', async () => {
    const { api, clients } = await kubeFixture();
    const nodeImage = api.store.create(nodeImageObject('node-a'));
    const recorder = new EventRecorder({ transport: clients.transport, host: 'node-a' });
    const removeLatency = api.faults.addLatency(200, { resource: 'events' });
    const ref = involvedObjectOf(nodeImage);
    recorder.record(EVENT_COMPONENTS.imagePuller, { ...ref, name: 'warm-up' }, 'Normal', 'WarmUp', 'keeps the writer busy');
    for (let i = 0; i < 10; i += 1) recorder.record(EVENT_COMPONENTS.imagePuller, ref, 'Warning', EVENT_REASONS.pullImageFailed, 'Image nginx:1.25 not found');
    await recorder.idle();
    removeLatency();
    const failed = eventsIn(api, 'default').filter((e) => e.reason === 'PullImageFailed');
    expect(failed.map((e) => e.count)).toEqual([10]);
    expect(api.requests.filter({ resource: 'events' })).toHaveLength(2);
    expect(recorder.stats().folded).toBe(9);
  });

  it('keeps different messages apart as separate Events', async () => {
    const { api, clients } = await kubeFixture();
    const pod = api.store.create(podObject('web-0', 'node-a'));
    const recorder = new EventRecorder({ transport: clients.transport, host: 'node-a' });
    const probe = recorder.forComponent(EVENT_COMPONENTS.podProbe);
    probe.event(involvedObjectOf(pod), 'Normal', EVENT_REASONS.probeSucceeded, 'ok');
    probe.event(involvedObjectOf(pod), 'Normal', EVENT_REASONS.probeFailed, 'connection refused');
    await recorder.idle();
    expect(
      eventsIn(api, 'default')
        .map((e) => [e.reason, e.message, e.count])
        .sort(),
    ).toEqual([
      ['KruiseProbeFailed', 'connection refused', 1],
      ['KruiseProbeSucceeded', 'ok', 1],
    ]);
  });

  it('never blocks the caller: with a full queue it drops events and counts them', async () => {
    const { api, clients } = await kubeFixture();
    const pod = api.store.create(podObject('web-0', 'node-a'));
    const recorder = new EventRecorder({ transport: clients.transport, host: 'node-a', queueSize: 5, spamBurst: 100 });
    const removeLatency = api.faults.addLatency(300, { resource: 'events' });
    for (let i = 0; i < 20; i += 1) recorder.record(EVENT_COMPONENTS.podProbe, involvedObjectOf(pod), 'Normal', EVENT_REASONS.probeFailed, `attempt ${i}`);
    // Before the event loop turns once (no clock involved): all 20 calls returned, the overflow
    // already dropped rather than waiting for room, and no write has reached the server yet.
    const atOnce = recorder.stats();
    expect(atOnce.recorded).toBe(20);
    expect(atOnce.dropped.queueFull).toBeGreaterThan(0);
    expect(api.requests.filter({ resource: 'events' })).toEqual([]);
    await recorder.idle();
    removeLatency();
    const { created, dropped } = recorder.stats();
    expect(dropped.queueFull).toBeGreaterThan(0);
    expect(created + dropped.queueFull).toBe(20);
    expect(eventsIn(api, 'default')).toHaveLength(created);
  });

  it('drops a flood about one object past the spam filter burst, as client-go does', async () => {
    const { api, clients } = await kubeFixture();
    const pod = api.store.create(podObject('web-0', 'node-a'));
    const recorder = new EventRecorder({ transport: clients.transport, host: 'node-a', spamBurst: 3 });
    for (let i = 0; i < 5; i += 1) recorder.record(EVENT_COMPONENTS.podProbe, involvedObjectOf(pod), 'Normal', EVENT_REASONS.probeFailed, `attempt ${i}`);
    await recorder.idle();
    expect(recorder.stats().dropped.spam).toBe(2);
    await until(() => eventsIn(api, 'default').length === 3, 'three events');
  });
});

describe('events recorder: exactly once per logical emission (recordOnce)', () => {
  const killing = (recorder: EventRecorder, pod: KubeObject, identity: string) =>
    recorder.recordOnce(
      identity,
      EVENT_COMPONENTS.crr,
      involvedObjectOf(pod, containerFieldPath('main')),
      'Normal',
      EVENT_REASONS.killing,
      'Stopping container main',
    );

  it('names the Event from the identity, and a re-emission by a new recorder (a restarted daemon) finds it there: one Event', async () => {
    const { api, clients } = await kubeFixture();
    const pod = api.store.create(podObject('web-0', 'node-a'));
    const first = new EventRecorder({ transport: clients.transport, host: 'node-a' });
    expect(await killing(first, pod, 'crr-uid/main/containerd://abc')).toBe('created');
    const again = new EventRecorder({ transport: clients.transport, host: 'node-a' });
    expect(await killing(again, pod, 'crr-uid/main/containerd://abc')).toBe('existed');
    expect(again.stats()).toMatchObject({ created: 0, existed: 1 });

    const events = eventsIn(api, 'default');
    expect(events).toHaveLength(1);
    const name = emissionEventName('crr-uid/main/containerd://abc', EVENT_COMPONENTS.crr, involvedObjectOf(pod, containerFieldPath('main')), 'Killing');
    expect(name).toMatch(/^web-0\.[0-9a-f]{16}$/);
    expect(events[0]).toMatchObject({
      metadata: { name, annotations: { [EMISSION_ANNOTATION]: 'crr-uid/main/containerd://abc' } },
      reason: 'Killing',
      count: 1,
      source: { component: 'kruise-daemon-crr', host: 'node-a' },
    });
    expect(api.requests.filter({ method: 'POST', resource: 'events' }).map((r) => r.status)).toEqual([201, 409]);
  });

  it('keeps two emissions with the same text apart (no series), and writes a repeat still queued once', async () => {
    const { api, clients } = await kubeFixture();
    const pod = api.store.create(podObject('web-0', 'node-a'));
    const recorder = new EventRecorder({ transport: clients.transport, host: 'node-a' });
    const removeLatency = api.faults.addLatency(100, { resource: 'events' });
    const outcomes = await Promise.all([killing(recorder, pod, 'kill-1'), killing(recorder, pod, 'kill-1'), killing(recorder, pod, 'kill-2')]);
    removeLatency();
    expect(outcomes).toEqual(['created', 'created', 'created']);
    expect(api.requests.filter({ method: 'POST', resource: 'events' })).toHaveLength(2);
    expect(api.requests.filter({ method: 'PATCH', resource: 'events' })).toHaveLength(0);
    const events = eventsIn(api, 'default');
    expect(events.map((e) => [e.metadata?.annotations?.[EMISSION_ANNOTATION], e.count]).sort()).toEqual([
      ['kill-1', 1],
      ['kill-2', 1],
    ]);
  });

  it('retries a write the server failed, and settles dropped once the tries are spent', async () => {
    const { api, clients } = await kubeFixture();
    const pod = api.store.create(podObject('web-0', 'node-a'));
    const recorder = new EventRecorder({ transport: clients.transport, host: 'node-a', retryDelayMs: 1, maxTries: 3 });
    api.faults.failNext(2, { status: 500, match: { resource: 'events' } });
    expect(await killing(recorder, pod, 'kill-1')).toBe('created');
    api.faults.failNext(3, { status: 500, match: { resource: 'events' } });
    expect(await killing(recorder, pod, 'kill-2')).toBe('dropped');
    expect(recorder.stats().dropped.failed).toBe(1);
    expect(eventsIn(api, 'default').map((e) => e.metadata?.annotations?.[EMISSION_ANNOTATION])).toEqual(['kill-1']);
  });

  it('settles dropped at once when the flood filter or a full queue drops it', async () => {
    const { api, clients } = await kubeFixture();
    const pod = api.store.create(podObject('web-0', 'node-a'));
    const recorder = new EventRecorder({ transport: clients.transport, host: 'node-a', spamBurst: 1 });
    const outcomes = await Promise.all([killing(recorder, pod, 'kill-1'), killing(recorder, pod, 'kill-2')]);
    expect(outcomes).toEqual(['created', 'dropped']);
    expect(recorder.stats().dropped.spam).toBe(1);
  });
});
