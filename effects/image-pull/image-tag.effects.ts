// Live effects of the image puller's machines (machines/image-pull). For `imageTag`:
// `criImageStatus` asks the runtime about one reference, `imagePlatformCheck` reads the image's
// platforms on Windows nodes (platform-check.ts), `criPullImage` runs one pull attempt
// (pull-attempt.ts) and, while it runs, polls containerd's content ingests and reports
// `cri.pullProgress`; it ends with `cri.pullSucceeded` or `cri.pullFailed` carrying the runtime's
// message; `recordPullEvent` records the outcome (pull-event.ts). For `nodeImageStatus`:
// `writeNodeImageStatus` writes the puller's newest status (status-write.ts). Every effect waits
// for the event log (durable.ts) and reads time only from the injected `now()`. The runtime calls
// and the write are safe to repeat after a crash: a status query reads again, a repeated pull finds
// the content already there, a repeated write finds the status already written, and a repeated
// Event is the same object (named from its identity: exactly once, pull-event.ts).
import type { AnyStateMachine } from 'xstate';
import type { ContentProgressReader, CriClient, Progress } from '../../adapters/cri/index.js';
import type { EventRecorder, StatusWriter } from '../../adapters/kube/index.js';
import { imageTagMachine, type ImageTagEvent } from '../../machines/image-pull/image-tag.machine.js';
import { nodeImageStatusMachine } from '../../machines/image-pull/node-image-status.machine.js';
import type { ImageStatusInput, ImageStatusOutput, PullImageInput } from '../../machines/image-pull/types.js';
import type { RegisteredMachine } from '../../machines/registry-types.js';
import { durableCallback, durablePromise, type DurabilityBarrier } from '../durable.js';
import { imagePlatformCheck, type PlatformCheckDeps } from './platform-check.js';
import { noAuth, pullAttempt, type AuthFor } from './pull-attempt.js';
import { recordPullEvent, type PullEventSubjects } from './pull-event.js';
import { watchOwnIngests } from './progress.js';
import { writeNodeImageStatus, type NodeImageStatusSource } from './status-write.js';

export interface ImageTagEffectsDeps {
  readonly cri: Pick<CriClient, 'imageStatus' | 'pullImage'>;
  /** The event log (anything with `durable()`). */
  readonly barrier: DurabilityBarrier;
  readonly now: () => number;
  /** Credentials per reference and pull secrets; default none (anonymous pulls). */
  readonly authFor?: AuthFor;
  /** containerd's content service for real progress; without it progress stays 0 until success. */
  readonly progressReader?: ContentProgressReader;
  /** How often the content service is polled during a pull (default 500 ms). */
  readonly progressIntervalMs?: number;
  /** Windows nodes: the host platform the image's index is judged against (platform-check.ts). */
  readonly platformCheck?: PlatformCheckDeps;
  /** Where PullImageSucceed / PullImageFailed go, and the objects they are about (the puller). */
  readonly events: Pick<EventRecorder, 'recordOnce'>;
  readonly subjects: PullEventSubjects;
}

export interface ImagePullEffectsDeps extends ImageTagEffectsDeps {
  /** The NodeImage status writer (no bucket of its own: the nodeImageStatus machine keeps upstream's budget). */
  readonly writer: Pick<StatusWriter, 'write'>;
  /** The puller's newest status. */
  readonly statusSource: NodeImageStatusSource;
  /** Delay before a status write that did not land is tried again (default 3–5 s, upstream's requeue). */
  readonly retryDelayMs?: () => number;
}

/** A pull whose body rejects ends as a failed attempt the machine backs off from, carrying the error's text. */
const pullFailed = (now: () => number) => (error: unknown) =>
  ({ type: 'cri.pullFailed', at: now(), message: error instanceof Error ? error.message : String(error) }) as const;

export function imageTagEffects(deps: ImageTagEffectsDeps) {
  const authFor = deps.authFor ?? noAuth;
  /** Per reference, the ingest refs its attempts were seen writing; forgotten on success. */
  const ingestsOf = new Map<string, Set<string>>();
  return {
    imagePlatformCheck: imagePlatformCheck(deps.platformCheck, deps.barrier, authFor, deps.now),
    recordPullEvent: recordPullEvent({ events: deps.events, subjects: deps.subjects, barrier: deps.barrier }),
    criImageStatus: durablePromise<ImageStatusOutput, ImageStatusInput>(deps.barrier, async (input, signal) => {
      const { image } = await deps.cri.imageStatus(signal, { image: { image: input.reference } });
      return { at: deps.now(), image: image === null ? null : { id: image.id, repoTags: [...image.repo_tags], repoDigests: [...image.repo_digests] } };
    }),
    criPullImage: durableCallback<ImageTagEvent, PullImageInput>(deps.barrier, pullFailed(deps.now), async (input, sendBack, signal) => {
      const polling = new AbortController();
      const stopPolling = () => polling.abort();
      signal.addEventListener('abort', stopPolling, { once: true });
      const mine = ingestsOf.get(input.reference) ?? new Set<string>();
      ingestsOf.set(input.reference, mine);
      const report = (p: Progress) => sendBack({ type: 'cri.pullProgress', bytesDone: p.bytesDone, bytesTotal: p.bytesTotal, at: deps.now() });
      const interval = deps.progressIntervalMs ?? 500;
      const watching = deps.progressReader ? watchOwnIngests(deps.progressReader, polling.signal, interval, report, mine) : Promise.resolve(false);
      try {
        const outcome = await pullAttempt(deps.cri, authFor, input, signal, deps.now);
        stopPolling();
        await watching;
        if (outcome.ok) ingestsOf.delete(input.reference);
        if (outcome.ok) sendBack({ type: 'cri.pullSucceeded', at: deps.now() });
        else sendBack({ type: 'cri.pullFailed', at: deps.now(), message: outcome.message, ...(outcome.deadlineExceeded ? { deadlineExceeded: true } : {}) });
      } finally {
        stopPolling();
        signal.removeEventListener('abort', stopPolling);
      }
    }),
  };
}

/** The host's `bind` for the image puller: live effects for `imageTag` and `nodeImageStatus`, other machines as they are. */
export function bindImagePull(deps: ImagePullEffectsDeps, extra: { delays?: Record<string, number | (() => number)> } = {}) {
  const tagActors = imageTagEffects(deps);
  const statusActors = {
    writeNodeImageStatus: writeNodeImageStatus({
      writer: deps.writer,
      source: deps.statusSource,
      barrier: deps.barrier,
      now: deps.now,
      ...(deps.retryDelayMs ? { retryDelayMs: deps.retryDelayMs } : {}),
    }),
  };
  return (entry: RegisteredMachine): AnyStateMachine => {
    if (entry.id === imageTagMachine.id) return entry.machine.provide({ actors: tagActors, ...(extra.delays ? { delays: extra.delays } : {}) } as never);
    if (entry.id === nodeImageStatusMachine.id) return entry.machine.provide({ actors: statusActors } as never);
    return entry.machine;
  };
}
