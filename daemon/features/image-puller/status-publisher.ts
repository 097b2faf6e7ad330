// Hands the NodeImage status the puller rebuilds to the StatusWriter (contract §3.6) within
// upstream's budget, 0.5 writes/s burst 5, which the publisher keeps itself (the daemon's writer
// has no bucket of its own for NodeImage), deciding per change how soon it goes (write-urgency.ts):
// a settled status at once with any token; a new tag version within 250 ms (so a burst of spec
// changes shares a write) when a token is spare (one stays for a terminal write), else as soon as
// one is; a terminal phase while others pull after
// a short hold, so close finishes share a write; progress and other refreshes on the progress
// cadence with a spare token only. One write is in flight at a time and always carries the newest
// status. A status the object already holds costs no token (the writer skips it and the token is
// given back). A failed write is tried again after upstream's 3–5 s requeue. When a write lands
// (written, or skipped because the object already held it) `onPersisted` gets the status now in
// the API server, so the puller can tell finished actors their entry is safe.
import { nodeImageRef, TokenBucket, type KruiseVersion, type KubeObject, type StatusWriter } from '../../../adapters/kube/index.js';
import type { NodeImageStatus } from './status.js';
import { writeUrgency, type WriteUrgency } from './write-urgency.js';

export interface StatusWriteBudget {
  /** Token bucket (upstream: 0.5 writes/s, burst 5 per NodeImage). */
  readonly qps: number;
  readonly burst: number;
  /** How long a new tag version waits for the rest of a burst of spec changes (default 250 ms). */
  readonly announceDelayMs: number;
  /** How long a terminal phase waits for others to finish while tags still pull (default 3 s, upstream's shortest requeue). */
  readonly finishHoldMs: number;
  /** Shortest gap between refresh (progress) writes (default 5 s, upstream's longest requeue). */
  readonly refreshIntervalMs: number;
}

export const UPSTREAM_BUDGET: StatusWriteBudget = { qps: 0.5, burst: 5, announceDelayMs: 250, finishHoldMs: 3_000, refreshIntervalMs: 5_000 };

export interface StatusPublisherOptions {
  readonly nodeName: string;
  readonly writer: Pick<StatusWriter, 'write'>;
  readonly now: () => number;
  /** The NodeImage API version to write; default the observed object's. */
  readonly nodeImageVersion?: KruiseVersion;
  /** Delay before a failed write is tried again (default 3–5 s, upstream's requeue). */
  readonly retryDelayMs?: () => number;
  readonly budget?: Partial<StatusWriteBudget>;
  /** A write carrying `status` landed. */
  readonly onPersisted: (status: NodeImageStatus) => void;
}

const versionOf = (obj: KubeObject): KruiseVersion => (obj.apiVersion?.endsWith('/v1alpha1') ? 'v1alpha1' : 'v1beta1');

export class StatusPublisher {
  private readonly budget: StatusWriteBudget;
  private readonly tokens: TokenBucket;
  private nodeImage: KubeObject | undefined;
  private desired: NodeImageStatus | undefined;
  /** The last status known to be in the API server (a write of it landed). */
  private landed: NodeImageStatus | undefined;
  private last: NodeImageStatus | undefined;
  private inFlight: Promise<void> | undefined;
  private lastSentAt = -Infinity;
  /** When the pending new tag version, and the pending terminal change, were first seen. */
  private announceSince: number | undefined;
  private finishSince: number | undefined;
  private retryAt = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private writes = 0;
  private stopped = false;

  constructor(private readonly options: StatusPublisherOptions) {
    this.budget = { ...UPSTREAM_BUDGET, ...options.budget };
    this.tokens = new TokenBucket(this.budget.qps, this.budget.burst, options.now);
  }

  /** The puller's newest status for the observed `nodeImage`. */
  publish(nodeImage: KubeObject, status: NodeImageStatus): void {
    this.nodeImage = nodeImage;
    this.desired = status;
    this.consider();
  }

  /** The NodeImage is gone: nothing pending is written, and a recreated one starts from scratch. */
  reset(): void {
    this.nodeImage = undefined;
    this.desired = undefined;
    this.landed = undefined;
    this.last = undefined;
    this.finishSince = undefined;
    this.clearTimer();
  }

  /** Sends what is pending now, whatever its urgency and the budget (shutdown), then stops. */
  stop(): void {
    if (!this.stopped && !this.inFlight && this.urgency() !== 'none') this.send();
    this.stopped = true;
    this.clearTimer();
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
    while (this.inFlight) await this.inFlight;
  }

  private urgency(): WriteUrgency {
    if (!this.nodeImage || !this.desired) return 'none';
    return writeUrgency(this.desired, this.landed ?? (this.nodeImage.status as NodeImageStatus | undefined), this.nodeImage.status);
  }

  /** Writes now when the change is due and the budget allows, else looks again when it might be. */
  private consider(): void {
    this.clearTimer();
    if (this.stopped || this.inFlight) return;
    const urgency = this.urgency();
    if (urgency === 'none') {
      this.announceSince = undefined;
      this.finishSince = undefined;
      return;
    }
    const now = this.options.now();
    if (urgency === 'announce') this.announceSince ??= now;
    if (urgency === 'finish') this.finishSince ??= now;
    const dueAt = Math.max(
      this.retryAt,
      urgency === 'announce'
        ? this.announceSince! + this.budget.announceDelayMs
        : urgency === 'finish'
          ? this.finishSince! + this.budget.finishHoldMs
          : urgency === 'refresh'
            ? this.lastSentAt + this.budget.refreshIntervalMs
            : now,
    );
    // A settled or finished status may take the last token; others leave one for it.
    const needed = urgency === 'settle' || urgency === 'finish' ? 1 : 2;
    const available = this.tokens.available;
    if (now >= dueAt && available >= needed && this.tokens.tryTake()) return this.send();
    const tokenAt = available >= needed ? now : now + ((needed - available) / this.budget.qps) * 1000;
    this.timer = setTimeout(() => this.consider(), Math.max(1, Math.ceil(Math.max(dueAt, tokenAt) - now)));
  }

  private send(): void {
    const nodeImage = this.nodeImage!;
    const desired = this.desired!;
    this.last = desired;
    this.writes += 1;
    this.lastSentAt = this.options.now();
    this.announceSince = undefined;
    this.finishSince = undefined;
    const ref = nodeImageRef(this.options.nodeName, this.options.nodeImageVersion ?? versionOf(nodeImage));
    this.inFlight = this.options.writer.write(ref, desired).then((outcome) => {
      this.inFlight = undefined;
      if (outcome === 'skipped') this.tokens.refund();
      if (outcome === 'written' || outcome === 'skipped') {
        this.landed = desired;
        this.options.onPersisted(desired);
      } else if (outcome === 'failed') {
        this.retryAt = this.options.now() + (this.options.retryDelayMs?.() ?? 3_000 + Math.random() * 2_000);
      }
      this.consider();
    });
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
