// Pure drivers for the image-tag machine: no live actor, no effect runs. Child results are fed as
// the `xstate.done.actor.<id>` / `xstate.error.actor.<id>` events XState would make, and timers as
// `xstate.after.<delay>.<stateId>` events.
import { initialTransition, transition, type EventObject } from 'xstate';
import { imageTagMachine, type ImageTagInput } from '../../../machines/image-pull/image-tag.machine.js';
import type { ImageStatusOutput, PlatformCheckOutput, PullEventInput, RuntimeImage } from '../../../machines/image-pull/types.js';

export type Snapshot = ReturnType<typeof imageTagMachine.transition>;
export type Action = ReturnType<typeof transition>[1][number];

/** 2026-03-01T00:00:00Z: the worker's start in most tests. */
export const T0 = Date.UTC(2026, 2, 1);

export const NGINX: RuntimeImage = { id: 'sha256:aaaa', repoTags: ['docker.io/library/nginx:1.21'], repoDigests: ['docker.io/library/nginx@sha256:dddd'] };

export function inputOf(overrides: Partial<ImageTagInput> = {}): ImageTagInput {
  return { name: 'nginx', tag: '1.21', version: 1, imagePullPolicy: 'Always', pullSecrets: [], ...overrides };
}

export const ev = {
  slot: (at: number) => ({ type: 'engine.slotGranted', at }) as const,
  progress: (bytesDone: number, bytesTotal: number, at?: number) =>
    ({ type: 'cri.pullProgress', bytesDone, bytesTotal, ...(at !== undefined && { at }) }) as const,
  pulled: (at: number) => ({ type: 'cri.pullSucceeded', at }) as const,
  pullFailed: (at: number, message: string, deadlineExceeded?: boolean) =>
    ({ type: 'cri.pullFailed', at, message, ...(deadlineExceeded !== undefined && { deadlineExceeded }) }) as const,
  persisted: (at: number) => ({ type: 'k8s.statusPersisted', at }) as const,
  removed: (at: number) => ({ type: 'k8s.tagRemoved', at }) as const,
  versionChanged: (version: number, at: number) => ({ type: 'k8s.tagVersionChanged', version, at }) as const,
  presence: (output: ImageStatusOutput) => ({ type: 'xstate.done.actor.presenceCheck', output }),
  presenceError: (error: unknown) => ({ type: 'xstate.error.actor.presenceCheck', error }),
  verified: (output: ImageStatusOutput) => ({ type: 'xstate.done.actor.pullVerification', output }),
  verifyError: (error: unknown) => ({ type: 'xstate.error.actor.pullVerification', error }),
  pullError: (error: unknown) => ({ type: 'xstate.error.actor.criPullImage', error }),
  platform: (output: PlatformCheckOutput) => ({ type: 'xstate.done.actor.platformCheck', output }),
  platformError: (error: unknown) => ({ type: 'xstate.error.actor.platformCheck', error }),
  attemptTimedOut: () => ({ type: 'xstate.after.attemptTimeout.imageTag.pulling' }),
  backoffOver: () => ({ type: 'xstate.after.retryBackoff.imageTag.backingOff' }),
  eventRecorded: (recorded = 1) => ({ type: 'xstate.done.actor.pullEvent', output: { recorded } }),
  eventError: (error: unknown) => ({ type: 'xstate.error.actor.pullEvent', error }),
  resumed: (at: number) => ({ type: 'engine.resumed', at }) as const,
};

/** Folds events over the machine, keeping every step's snapshot and actions. */
export class Run {
  snapshot: Snapshot;
  actions: Action[];
  readonly history: Array<{ snapshot: Snapshot; actions: Action[] }> = [];

  constructor(input: ImageTagInput) {
    [this.snapshot, this.actions] = initialTransition(imageTagMachine, input);
    this.history.push({ snapshot: this.snapshot, actions: this.actions });
  }

  send(...events: EventObject[]): this {
    for (const event of events) {
      [this.snapshot, this.actions] = transition(imageTagMachine, this.snapshot, event as never);
      this.history.push({ snapshot: this.snapshot, actions: this.actions });
    }
    return this;
  }

  /** Ends a finished actor (succeeded/failed): its Event recorded and its status persisted; no-op otherwise. */
  settle(): this {
    if (this.state === 'succeeded' || this.state === 'failed') this.send(ev.eventRecorded(), ev.persisted(this.context.clockMs));
    return this;
  }

  /** The top-level state (`succeeded` for `{ succeeded: { event: …, entry: … } }`). */
  get state(): string {
    const value = this.snapshot.value as unknown;
    return typeof value === 'string' ? value : Object.keys(value as object)[0]!;
  }

  get context() {
    return this.snapshot.context;
  }

  /** Every runtime and registry effect spawned so far, in order: `{id, input}` (the Event effect is in `pullEvents()`). */
  spawned(): Array<{ id: string; input: unknown }> {
    return this.children().filter((c) => c.id !== 'pullEvent');
  }

  /** Inputs of every `recordPullEvent` effect spawned so far. */
  pullEvents(): PullEventInput[] {
    return this.children()
      .filter((c) => c.id === 'pullEvent')
      .map((c) => c.input as PullEventInput);
  }

  private children(): Array<{ id: string; input: unknown }> {
    return this.history
      .flatMap((h) => h.actions.filter((a) => a.type === 'xstate.spawnChild').map((a) => paramsOf(a) as { id: string; input: unknown }))
      .map(({ id, input }) => ({ id, input }));
  }

  /** Delays scheduled so far for one named delay, in ms, in order. */
  delays(name: string): number[] {
    return this.history.flatMap((h) =>
      h.actions
        .filter((a) => a.type === 'xstate.raise' && (paramsOf(a) as { id?: string }).id?.startsWith(`xstate.after.${name}.`))
        .map((a) => (paramsOf(a) as { delay: number }).delay),
    );
  }

  /** Every event the machine emitted for its glue, in order. */
  emitted(): Array<{ type: string; [k: string]: unknown }> {
    return this.history.flatMap((h) =>
      h.actions.filter((a) => a.type === 'xstate.emit').map((a) => (paramsOf(a) as { event: { type: string; [k: string]: unknown } }).event),
    );
  }

  /** Every progress value the context showed, step by step. */
  progressSeen(): number[] {
    return this.history.map((h) => h.snapshot.context.progress);
  }
}

function paramsOf(action: Action): unknown {
  return (action as unknown as { params: unknown }).params;
}
