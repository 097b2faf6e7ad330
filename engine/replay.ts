// `kruised replay`: folds a log through today's machines with no effects, and checks at every
// record that today's code reaches the snapshot the log recorded. The first difference stops the
// replay with a divergence report; unreadable input (missing, not a log, corrupt in the middle)
// is an input error. A torn tail (the normal trace of a crash) is reported and replay goes on.
// An incarnation whose spawn is no longer on disk (its early segments were collected after a
// checkpoint) starts at its first checkpoint, and is checked from there on; a checkpoint inside a
// history that is folded from its spawn must agree with the fold.
import type { MachineRegistry } from '../machines/registry-types.js';
import { ActorFold, type FoldStep } from './fold.js';
import type { LogRecord } from './log/record.js';
import { CorruptLogError, type SegmentScan, scanSegment, type TornTail } from './log/scan.js';
import { resolveLogInput } from './log/segments.js';
import { snapshotHash } from './snapshot-hash.js';

export class ReplayInputError extends Error {
  override readonly name = 'ReplayInputError';
}

export interface Divergence {
  readonly seq: number;
  readonly key: string;
  readonly machine: string;
  /** The version that wrote the record, and the one replaying it. */
  readonly loggedVersion: string;
  readonly currentVersion: string | undefined;
  readonly event: unknown;
  readonly expected: string | undefined;
  readonly actual: string;
  readonly reason: string;
  /** The state value today's machine reached, for the report. */
  readonly actualState?: unknown;
}

export interface ActorTimeline {
  readonly key: string;
  readonly machine: string;
  readonly version: string;
  readonly steps: FoldStep[];
  /** The seq of the checkpoint the timeline starts at, when its spawn is no longer in the log. */
  readonly fromCheckpoint?: number;
  /** Where today's machine left the incarnation: its last snapshot's status, value and context. */
  final: { status: string; value: unknown; context: unknown };
}

export interface ReplayResult {
  readonly records: number;
  readonly actors: ActorTimeline[];
  readonly tornTails: TornTail[];
  readonly divergence?: Divergence;
}

export interface ReplayOptions {
  readonly registry: MachineRegistry;
  /** Only this key's actors. */
  readonly key?: string;
  /** Keep per-step timelines (the CLI does; benchmarks do not). */
  readonly keepSteps?: boolean;
  /** Called after each record of a folded incarnation with the snapshot today's machine reached (the inspectors). */
  readonly onFolded?: (record: LogRecord, snapshot: ActorFold['snapshot']) => void;
}

interface FoldState {
  readonly fold: ActorFold;
  readonly timeline: ActorTimeline;
  /** Set when today's machine threw on an event: only a logged actor error may follow. */
  threw?: string;
}

export async function replayLog(pathOrDir: string, options: ReplayOptions): Promise<ReplayResult> {
  const folds = new Map<string, FoldState>();
  const actors: ActorTimeline[] = [];
  const tornTails: TornTail[] = [];
  let count = 0;
  let divergence: Divergence | undefined;
  const onRecord = (record: LogRecord): boolean => {
    if (options.key !== undefined && record.key !== options.key) return true;
    count += 1;
    const before = folds.get(record.key)?.fold;
    divergence = step(record, folds, actors, options);
    const after = folds.get(record.key)?.fold ?? before;
    if (after && options.onFolded) options.onFolded(record, after.snapshot);
    return divergence === undefined;
  };
  for (const segment of await segmentsOf(pathOrDir)) {
    let scan: SegmentScan;
    try {
      scan = await scanSegment(segment, { onRecord, failOnCorrupt: true });
    } catch (error) {
      if (error instanceof CorruptLogError) throw new ReplayInputError(error.message);
      throw new ReplayInputError(`cannot read ${segment.path}: ${(error as Error).message}`);
    }
    if (divergence) break;
    if (scan.records === 0 && scan.sizeBytes > 0) throw new ReplayInputError(`${segment.path} holds no valid record; it is not an event log`);
    if (scan.tornTail) tornTails.push(scan.tornTail);
  }
  for (const { fold, timeline } of folds.values()) timeline.final = finalOf(fold);
  return { records: count, actors, tornTails, ...(divergence ? { divergence } : {}) };
}

function step(record: LogRecord, folds: Map<string, FoldState>, actors: ActorTimeline[], options: ReplayOptions): Divergence | undefined {
  const entry = options.registry.get(record.machine);
  const diverge = (reason: string, actual = '', actualState?: unknown): Divergence => ({
    seq: record.seq,
    key: record.key,
    machine: record.machine,
    loggedVersion: record.version,
    currentVersion: entry?.version,
    event: record.event,
    expected: record.state,
    actual,
    reason,
    ...(actualState === undefined ? {} : { actualState }),
  });
  if (!entry) return diverge(`machine ${record.machine} is not known to this build`);
  const current = folds.get(record.key);
  if (record.kind === 'spawn' || (record.kind === 'checkpoint' && !current)) {
    let fold: ActorFold;
    try {
      fold = new ActorFold(entry.machine, record);
    } catch (error) {
      const from = record.kind === 'spawn' ? 'the logged input' : `the checkpoint #${record.seq}`;
      return diverge(`today's machine cannot start from ${from}: ${(error as Error).message}`);
    }
    const timeline: ActorTimeline = {
      key: record.key,
      machine: record.machine,
      version: record.version,
      steps: [],
      final: finalOf(fold),
      ...(record.kind === 'checkpoint' ? { fromCheckpoint: record.seq } : {}),
    };
    folds.set(record.key, { fold, timeline });
    actors.push(timeline);
    if (options.keepSteps) timeline.steps.push(fold.firstStep);
    return fold.firstStep.matches
      ? undefined
      : diverge(record.kind === 'spawn' ? 'initial snapshot differs' : 'checkpoint snapshot differs', fold.firstStep.hash, fold.firstStep.to);
  }
  if (!current) return undefined; // history starts mid-actor (segment removed) before any checkpoint: nothing to check against
  const reason = record.kind === 'stop' ? (record.event as { reason?: string } | null)?.reason : undefined;
  if (current.threw !== undefined && reason !== 'error') {
    // Live, the actor went on (or finished) where today's machine throws: that is a divergence.
    return diverge(`today's machine throws on an earlier event of this actor: ${current.threw}`);
  }
  if (record.kind === 'stop') {
    folds.delete(record.key);
    current.timeline.final = finalOf(current.fold);
    const status = current.fold.snapshot.status;
    if (options.keepSteps) current.timeline.steps.push({ record, from: current.fold.snapshot.value, to: current.fold.snapshot.value, hash: '', matches: true });
    if (reason === 'done' && status !== 'done') {
      return diverge(`the log says the actor finished, today's machine is ${status}`, snapshotHash(current.fold.snapshot), current.fold.snapshot.value);
    }
    return undefined;
  }
  if (record.kind === 'checkpoint') {
    // The history goes on from its spawn: the checkpoint must be the snapshot the fold reached.
    const { snapshot } = current.fold;
    const hash = snapshotHash(snapshot);
    const matches = record.state === undefined || record.state === hash;
    if (options.keepSteps) current.timeline.steps.push({ record, from: snapshot.value, to: snapshot.value, hash, matches });
    return matches ? undefined : diverge('checkpoint differs from the folded history', hash, snapshot.value);
  }
  let result: FoldStep;
  try {
    result = current.fold.apply(record);
  } catch (error) {
    // The live actor may have failed on this event too: the next record tells (stop, reason error).
    current.threw = (error as Error).message;
    if (options.keepSteps) current.timeline.steps.push({ record, from: current.fold.snapshot.value, to: current.fold.snapshot.value, hash: '', matches: true });
    return undefined;
  }
  if (options.keepSteps) current.timeline.steps.push(result);
  return result.matches ? undefined : diverge('snapshot differs', result.hash, result.to);
}

function finalOf(fold: ActorFold): ActorTimeline['final'] {
  const { status, value, context } = fold.snapshot;
  return { status, value, context };
}

async function segmentsOf(pathOrDir: string) {
  try {
    const segments = await resolveLogInput(pathOrDir);
    if (segments.length === 0) throw new ReplayInputError(`${pathOrDir} holds no event log segments (events-*.jsonl)`);
    return segments;
  } catch (error) {
    if (error instanceof ReplayInputError) throw error;
    throw new ReplayInputError(`cannot read ${pathOrDir}: ${(error as Error).message}`);
  }
}
