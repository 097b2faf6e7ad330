// The puller's side of its NodeImage status writes (contract §3.6). The decisions (holds, cadence,
// the 0.5 writes/s burst 5 token bucket, one write at a time, requeue after a failure, flush) are
// the nodeImageStatus machine's (machines/image-pull/node-image-status.machine.ts); this glue
// only feeds it and serves it:
//   - `publish()` keeps the newest status and tells the actor (`engine.statusChanged`) when the
//     class of what is pending changes (write-urgency.ts); progress inside a class costs nothing;
//   - the actor's write effect takes the newest status from `take()` when it runs;
//   - the actor's emitted `nodeImageStatus.written` says which write landed, so the status it
//     carried becomes `landed` and `onPersisted` tells the puller's finished tags they are safe.
// The actor is spawned on the first change there is to publish, under key `NodeImage/<node>`, and
// ends when `reset()` says the NodeImage is gone. The glue never reads the actor's context.
import { nodeImageRef, type KruiseVersion, type KubeObject, type ObjectRef } from '../../../adapters/kube/index.js';
import type { NodeImageStatusSource } from '../../../effects/image-pull/index.js';
import type { ActorHost } from '../../../engine/host.js';
import { nodeImageStatusMachine, type NodeImageStatusEmitted } from '../../../machines/image-pull/node-image-status.machine.js';
import { UPSTREAM_BUDGET, type StatusWriteBudget, type WriteUrgency } from '../../../machines/image-pull/write-budget.js';
import type { NodeImageStatus } from './status.js';
import { writeUrgency } from './write-urgency.js';

export { UPSTREAM_BUDGET, type StatusWriteBudget } from '../../../machines/image-pull/write-budget.js';

/** What the publisher needs of the actor host. */
export type ActorPort = Pick<ActorHost, 'deliver' | 'send' | 'has'>;

export interface StatusPublisherOptions {
  readonly nodeName: string;
  readonly now: () => number;
  /** The NodeImage API version to write; default the observed object's. */
  readonly nodeImageVersion?: KruiseVersion;
  /** The write budget and cadence (default upstream's). */
  readonly budget?: Partial<StatusWriteBudget>;
  /** A write carrying `status` landed (written, or skipped because the object already held it). */
  readonly onPersisted: (status: NodeImageStatus) => void;
}

/** The actor key of a node's NodeImage status writes. */
export const statusActorKey = (nodeName: string): string => `NodeImage/${nodeName}`;

const versionOf = (obj: KubeObject): KruiseVersion => (obj.apiVersion?.endsWith('/v1alpha1') ? 'v1alpha1' : 'v1beta1');

export class StatusPublisher implements NodeImageStatusSource {
  readonly key: string;
  private readonly budget: StatusWriteBudget;
  private host: ActorPort | undefined;
  private nodeImage: KubeObject | undefined;
  private desired: NodeImageStatus | undefined;
  /** The last status known to be in the API server (a write of it landed). */
  private landed: NodeImageStatus | undefined;
  private last: NodeImageStatus | undefined;
  /** The class the actor was last told, or undefined when it is not known (no actor, or a resumed one). */
  private told: WriteUrgency | undefined;
  /** The status the running write took, by write number. */
  private taken: { readonly write: number; readonly status: NodeImageStatus } | undefined;
  private inFlight: { readonly done: Promise<void>; readonly settle: () => void } | undefined;
  private writes = 0;
  private stopped = false;

  constructor(private readonly options: StatusPublisherOptions) {
    this.key = statusActorKey(options.nodeName);
    this.budget = { ...UPSTREAM_BUDGET, ...options.budget };
  }

  /** The host the actor lives in (before any publish). */
  attach(host: ActorPort): void {
    this.host = host;
  }

  /** The puller's newest status for the observed `nodeImage`. */
  publish(nodeImage: KubeObject, status: NodeImageStatus): void {
    this.nodeImage = nodeImage;
    this.desired = status;
    this.tell();
  }

  /** The NodeImage is gone: its actor ends, nothing pending is written, and a recreated one starts from scratch. */
  reset(): void {
    if (this.host?.has(this.key)) this.host.send(this.key, { type: 'k8s.nodeImageGone', at: this.options.now() });
    this.nodeImage = undefined;
    this.desired = undefined;
    this.landed = undefined;
    this.last = undefined;
    this.told = undefined;
    this.taken = undefined;
    this.settleInFlight();
  }

  /** Shutdown: the actor writes what is pending now, whatever its holds and budget; nothing more is told after. */
  stop(): void {
    if (this.stopped) return;
    this.tell();
    if (this.host?.has(this.key)) this.host.send(this.key, { type: 'engine.flush', at: this.options.now() });
    this.stopped = true;
  }

  /** The status most recently handed to the writer. */
  lastStatus(): NodeImageStatus | undefined {
    return this.last;
  }

  get writeCount(): number {
    return this.writes;
  }

  /** Resolves once the write in flight, and any it leads to at once, have settled. */
  async idle(): Promise<void> {
    while (this.inFlight) await this.inFlight.done;
  }

  /** The write effect's source: the newest status, remembered under the write's number. */
  take(write: number): { ref: ObjectRef; status: unknown } | undefined {
    if (!this.nodeImage || !this.desired) return undefined;
    this.markInFlight();
    this.taken = { write, status: this.desired };
    this.last = this.desired;
    this.writes += 1;
    return { ref: nodeImageRef(this.options.nodeName, this.options.nodeImageVersion ?? versionOf(this.nodeImage)), status: this.desired };
  }

  /** The actor's emitted events (the feature routes those of its key here). */
  onEmitted(event: NodeImageStatusEmitted): void {
    if (event.type === 'nodeImageStatus.writing') {
      this.markInFlight();
      return;
    }
    const taken = this.taken?.write === event.write ? this.taken : undefined;
    if (event.outcome === 'written' || event.outcome === 'skipped') {
      // The actor has nothing pending after a landed write: what changed meanwhile is told anew.
      this.told = 'none';
      if (taken) {
        this.landed = taken.status;
        this.options.onPersisted(taken.status);
      }
    }
    // Not from inside the actor's step: telling it is a send to the same actor. Queued before the
    // write settles, so `idle()` sees a write this leads to at once.
    queueMicrotask(() => this.tell());
    this.settleInFlight();
  }

  /** The actor ended (gone, or it failed): a later change spawns a new one. */
  onStopped(): void {
    this.told = undefined;
    this.settleInFlight();
  }

  private urgency(): WriteUrgency {
    if (!this.nodeImage || !this.desired) return 'none';
    return writeUrgency(this.desired, this.landed ?? (this.nodeImage.status as NodeImageStatus | undefined), this.nodeImage.status);
  }

  private tell(): void {
    const host = this.host;
    if (!host || this.stopped || !this.nodeImage) return;
    const urgency = this.urgency();
    if (urgency === this.told) return;
    this.told = urgency;
    if (urgency === 'none' && !host.has(this.key)) return; // nothing to publish: no actor for it
    const budget = this.budget;
    host.deliver(this.key, nodeImageStatusMachine.id, { type: 'engine.statusChanged', urgency, at: this.options.now() }, () => ({ budget }));
  }

  private markInFlight(): void {
    if (this.inFlight) return;
    let settle: () => void = () => {};
    const done = new Promise<void>((resolve) => (settle = resolve));
    this.inFlight = { done, settle };
  }

  private settleInFlight(): void {
    const inFlight = this.inFlight;
    this.inFlight = undefined;
    inFlight?.settle();
  }
}
