// The NodeImage status publishing as the daemon runs it, without the rest of the puller: the
// StatusPublisher glue, an ActorHost with the nodeImageStatus machine and its live write effect
// (writeNodeImageStatus over the given writer). The log is a real EventLog when a directory is
// given (recovery tests), else an in-memory double that keeps the records (fake-timer tests, where
// real file I/O would not keep pace with the faked clock).
import type { KubeObject, StatusWriter } from '../../../adapters/kube/index.js';
import { StatusPublisher, type NodeImageStatus, type StatusWriteBudget } from '../../../daemon/features/image-puller/index.js';
import { bindImagePull } from '../../../effects/image-pull/index.js';
import type { EngineClock } from '../../../engine/clock.js';
import { ActorHost } from '../../../engine/host.js';
import type { EventLog, OpenRecord } from '../../../engine/log/event-log.js';
import type { LogRecord } from '../../../engine/log/record.js';
import type { NodeImageStatusEmitted } from '../../../machines/image-pull/node-image-status.machine.js';
import { machineRegistry } from '../../../machines/registry.js';

/** An event log double: sequences and keeps records, commits nothing. */
export function memoryLog(): EventLog & { readonly records: OpenRecord[] } {
  const records: OpenRecord[] = [];
  const log = {
    records,
    strict: false,
    append(record: Omit<LogRecord, 'seq'>): OpenRecord {
      const open = { seq: records.length + 1, ...record } as OpenRecord;
      records.push(open);
      return open;
    },
    commit: async () => {},
    commitSync() {},
    durable: async () => {},
    // An in-memory log never fails and never rotates: nothing to tell listeners.
    listen: () => () => {},
  };
  return log as unknown as EventLog & { readonly records: OpenRecord[] };
}

export const NODE_IMAGE: KubeObject = { apiVersion: 'apps.kruise.io/v1beta1', kind: 'NodeImage', metadata: { name: 'node-a' } } as KubeObject;

export interface PublisherOnEngine {
  readonly publisher: StatusPublisher;
  readonly host: ActorHost;
}

export function publisherOnEngine(options: {
  readonly writer: Pick<StatusWriter, 'write'>;
  readonly now: () => number;
  readonly clock: EngineClock;
  readonly log?: EventLog;
  readonly onPersisted?: (status: NodeImageStatus) => void;
  readonly retryDelayMs?: () => number;
  readonly budget?: Partial<StatusWriteBudget>;
}): PublisherOnEngine {
  const publisher = new StatusPublisher({
    nodeName: 'node-a',
    now: options.now,
    onPersisted: options.onPersisted ?? (() => {}),
    ...(options.budget ? { budget: options.budget } : {}),
  });
  const host = new ActorHost({
    log: options.log ?? memoryLog(),
    clock: options.clock,
    registry: machineRegistry,
    bind: bindImagePull({
      // Only the status write runs here; the imageTag effects are never started.
      cri: {} as never,
      events: { recordOnce: async () => 'created' as const },
      subjects: { subjectsOf: () => ({ nodeImage: { kind: 'NodeImage', name: 'node-a' }, owners: [] }) },
      barrier: options.log ?? { durable: async () => {} },
      now: options.now,
      writer: options.writer,
      statusSource: publisher,
      ...(options.retryDelayMs ? { retryDelayMs: options.retryDelayMs } : {}),
    }),
    onEmitted: (key, event) => key === publisher.key && publisher.onEmitted(event as NodeImageStatusEmitted),
    onStopped: (key) => key === publisher.key && publisher.onStopped(),
  });
  publisher.attach(host);
  return { publisher, host };
}
