// Hands the NodeImage status the puller rebuilds to the StatusWriter (contract §3.6): a status
// equal to the last one sent is not sent again while a write is in flight or the observed object
// already shows it; a failed write is tried again after upstream's 3–5 s requeue. When a write
// lands (written, or skipped because the object already held it) `onPersisted` gets the status
// that is now in the API server, so the puller can tell finished actors their entry is safe.
import {
  jsonEqual,
  nodeImageRef,
  type KruiseVersion,
  type KubeObject,
  type StatusWriter,
  type WriteOutcome,
} from '../../../adapters/kube/index.js';
import type { NodeImageStatus } from './status.js';

export interface StatusPublisherOptions {
  readonly nodeName: string;
  readonly writer: Pick<StatusWriter, 'write'>;
  /** The NodeImage API version to write; default the observed object's. */
  readonly nodeImageVersion?: KruiseVersion;
  /** Delay before a failed write is tried again (default 3–5 s, upstream's requeue). */
  readonly retryDelayMs?: () => number;
  /** A write carrying `status` landed. */
  readonly onPersisted: (status: NodeImageStatus) => void;
}

const versionOf = (obj: KubeObject): KruiseVersion => (obj.apiVersion?.endsWith('/v1alpha1') ? 'v1alpha1' : 'v1beta1');

export class StatusPublisher {
  private lastSent: string | undefined;
  private last: NodeImageStatus | undefined;
  private inFlight: Array<Promise<WriteOutcome>> = [];
  private readonly retries = new Set<NodeJS.Timeout>();
  private nodeImage: KubeObject | undefined;
  private desired: NodeImageStatus | undefined;
  private writes = 0;
  private stopped = false;

  constructor(private readonly options: StatusPublisherOptions) {}

  /** The puller's newest status for the observed `nodeImage`. */
  publish(nodeImage: KubeObject, status: NodeImageStatus): void {
    this.nodeImage = nodeImage;
    this.desired = status;
    this.send();
  }

  /** The NodeImage is gone: nothing pending is written, and a recreated one starts from scratch. */
  reset(): void {
    this.nodeImage = undefined;
    this.desired = undefined;
    this.lastSent = undefined;
    this.last = undefined;
    this.clearRetries();
  }

  stop(): void {
    this.stopped = true;
    this.clearRetries();
  }

  /** The status most recently handed to the writer. */
  lastStatus(): NodeImageStatus | undefined {
    return this.last;
  }

  get writeCount(): number {
    return this.writes;
  }

  /** Resolves once every write handed over so far has settled. */
  async idle(): Promise<void> {
    while (this.inFlight.length > 0) await Promise.all(this.inFlight);
  }

  private send(): void {
    const { nodeImage, desired } = this;
    if (this.stopped || !nodeImage || !desired) return;
    const json = JSON.stringify(desired);
    // Same intent as last time: write again only when nothing is in flight and the object differs.
    if (json === this.lastSent && (this.inFlight.length > 0 || jsonEqual(nodeImage.status, desired))) return;
    this.lastSent = json;
    this.last = desired;
    this.writes += 1;
    const ref = nodeImageRef(this.options.nodeName, this.options.nodeImageVersion ?? versionOf(nodeImage));
    const write = this.options.writer.write(ref, desired);
    this.inFlight.push(write);
    void write.then((outcome) => {
      this.inFlight = this.inFlight.filter((w) => w !== write);
      if (outcome === 'written' || outcome === 'skipped') this.options.onPersisted(desired);
      if (outcome !== 'failed' || this.stopped) return;
      this.lastSent = undefined;
      const timer = setTimeout(() => {
        this.retries.delete(timer);
        this.send();
      }, this.options.retryDelayMs?.() ?? 3_000 + Math.random() * 2_000);
      this.retries.add(timer);
    });
  }

  private clearRetries(): void {
    for (const timer of this.retries) clearTimeout(timer);
    this.retries.clear();
  }
}
