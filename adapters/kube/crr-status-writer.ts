// The CRR writer: the status writes of contract §4.5 for one ContainerRecreateRequest at a time,
// against the CRR version the API server serves (the CRR counterpart of status-writer.ts, which
// coalesces NodeImage intents and hands back no resourceVersion; here every write answers with one):
// * phase (Pending, Recreating): set status.phase on the informer's copy and PUT /status with it
//   (v1.9.0's write, one round trip); when there is no copy, or on a 409, GET the CRR and PUT the
//   fresh object (master's GET-modify-PUT), reading again on every further 409.
// * states: one merge-patch of /status, `{"status":{"containerRecreateStates":[...]}}`, each
//   entry in upstream's JSON (`message` and `isKilled` omitted when empty/false, as Go's omitempty).
// * complete: GET, then PUT /status with phase Completed, completionTime and message (omitted
//   when empty), the rest of the status kept.
// A write that would change nothing (the phase is already so) or that would touch a CRR already
// completed (by the manager, or by an earlier run of this very write) is not sent. That, and the
// fixed completionTime the machine chose, make every write safe to repeat after a crash.
// A 404 is no error: the CRR is gone and its result is null. Conflicts re-read up to 5 times
// (client-go's retry.DefaultRetry); 5xx, 429 (Retry-After honoured) and unanswered requests are
// retried with backoff a bounded number of times, then the write throws and the machine's own
// backoff takes over. No client-side rate limit: upstream has none for CRRs.
import { Backoff, sleep, type BackoffOptions } from './backoff.js';
import { KubeApiError } from './errors.js';
import type { KubeObject } from './objects.js';
import { crrRef, objectPath, type KruiseVersion, type ObjectRef } from './resources.js';
import type { KubeTransport } from './transport.js';

/** One `status.containerRecreateStates` entry, in upstream's shape. */
export interface CrrContainerState {
  readonly name: string;
  readonly phase: 'Pending' | 'Recreating' | 'Failed' | 'Succeeded';
  readonly message?: string;
  readonly isKilled?: boolean;
}

/** One status write to the CRR `name`: a phase, the container states, or the completion. */
export type CrrStatusWrite =
  | { readonly name: string; readonly kind: 'phase'; readonly phase: 'Pending' | 'Recreating' }
  | { readonly name: string; readonly kind: 'states'; readonly states: readonly CrrContainerState[] }
  | { readonly name: string; readonly kind: 'complete'; readonly message: string; readonly completionTime: string };

export interface CrrStatusWriterOptions {
  readonly transport: Pick<KubeTransport, 'request'>;
  /** The served CRR version (discovery): v1beta1 on master, v1alpha1 on v1.9 and older. */
  readonly crrVersion: KruiseVersion;
  /** Re-reads after a 409, per write (default 5). */
  readonly maxConflicts?: number;
  /** Retries of 5xx, 429 and unanswered requests, per write (default 5). */
  readonly maxRetries?: number;
  readonly backoff?: Partial<BackoffOptions>;
  /** The informer's copy of a CRR, if it has one: a phase write's first PUT starts from it. */
  readonly cached?: (namespace: string, name: string) => KubeObject | undefined;
}

export interface CrrWriteResult {
  readonly name: string;
  /** The resourceVersion the server answered with; null when the CRR is gone or nothing was sent. */
  readonly resourceVersion: string | null;
}

type CrrStatus = Record<string, unknown>;

/** One entry as Go's json.Marshal writes ContainerRecreateState: name, phase, message?, isKilled?. */
export function upstreamState(s: CrrContainerState): CrrContainerState {
  return { name: s.name, phase: s.phase, ...(s.message ? { message: s.message } : {}), ...(s.isKilled ? { isKilled: true } : {}) };
}

/** The status a GET-modify-PUT write wants, or null when it must not be sent. */
function modified(write: Exclude<CrrStatusWrite, { kind: 'states' }>, live: CrrStatus): CrrStatus | null {
  if (live.completionTime) return null; // a completed CRR is final
  if (write.kind === 'phase') return live.phase === write.phase ? null : { ...live, phase: write.phase };
  const { message: _previous, ...rest } = live;
  return { ...rest, phase: 'Completed', completionTime: write.completionTime, ...(write.message ? { message: write.message } : {}) };
}

class Retry {
  constructor(
    readonly why: 'conflict' | 'transient',
    readonly error: KubeApiError,
  ) {}
}

/** One attempt of one write: its resourceVersion, null, or a Retry. Throws what is not worth retrying. */
async function attempt(
  deps: CrrStatusWriterOptions,
  ref: ObjectRef,
  write: CrrStatusWrite,
  signal: AbortSignal,
  cached: KubeObject | undefined,
): Promise<string | null | Retry> {
  const { transport } = deps;
  const rv = (o: KubeObject) => o.metadata?.resourceVersion ?? null;
  try {
    if (write.kind === 'states') {
      const body = { status: { containerRecreateStates: write.states.map(upstreamState) } };
      return rv(
        await transport.request<KubeObject>({ method: 'PATCH', path: objectPath(ref, 'status'), body, contentType: 'application/merge-patch+json', signal }),
      );
    }
    const live = cached ?? (await transport.request<KubeObject>({ method: 'GET', path: objectPath(ref), signal }));
    const status = modified(write, (live.status ?? {}) as CrrStatus);
    if (status === null) return null;
    return rv(await transport.request<KubeObject>({ method: 'PUT', path: objectPath(ref, 'status'), body: { ...live, status }, signal }));
  } catch (error) {
    if (signal.aborted || !(error instanceof KubeApiError)) throw error;
    if (error.type === 'kube.notFound') return null;
    if (error.type === 'kube.conflict') return new Retry('conflict', error);
    if (error.retryable) return new Retry('transient', error);
    throw error;
  }
}

/**
 * The informer's copy a write's first attempt starts from, or undefined to GET. Only a phase write
 * trusts it: a completion must keep the newest states (often this daemon's own patch the copy has
 * not seen yet), and a 409 means the copy is stale. Nothing to send by the copy's word is not
 * trusted either: the server says so by a GET.
 */
function copyToWrite(deps: CrrStatusWriterOptions, namespace: string, write: CrrStatusWrite): KubeObject | undefined {
  if (write.kind !== 'phase') return undefined;
  const copy = deps.cached?.(namespace, write.name);
  return copy !== undefined && modified(write, (copy.status ?? {}) as CrrStatus) !== null ? copy : undefined;
}

/** One write with its bounded retries. */
async function writeOne(deps: CrrStatusWriterOptions, namespace: string, write: CrrStatusWrite, signal: AbortSignal): Promise<CrrWriteResult> {
  const ref = crrRef(namespace, write.name, deps.crrVersion);
  const backoff = new Backoff({ initialMs: 200, maxMs: 10_000, ...deps.backoff });
  let conflicts = 0;
  let failures = 0;
  let cached = copyToWrite(deps, namespace, write);
  for (;;) {
    const outcome = await attempt(deps, ref, write, signal, cached);
    cached = undefined;
    if (!(outcome instanceof Retry)) return { name: write.name, resourceVersion: outcome };
    const exhausted = outcome.why === 'conflict' ? ++conflicts > (deps.maxConflicts ?? 5) : ++failures > (deps.maxRetries ?? 5);
    if (exhausted)
      throw new Error(`${write.kind} write of ContainerRecreateRequest ${namespace}/${write.name} gave up: ${outcome.error.message}`, { cause: outcome.error });
    if (outcome.why === 'transient') await sleep(backoff.next(outcome.error.retryAfterMs ?? 0), signal);
  }
}

/** Writes CRR statuses through the CRR controller's client; nothing is queued or coalesced. */
export class CrrStatusWriter {
  constructor(private readonly options: CrrStatusWriterOptions) {}

  /** One write; resolves with the resourceVersion the server answered (null: the CRR is gone, or nothing had to be sent). */
  write(namespace: string, write: CrrStatusWrite, signal: AbortSignal): Promise<CrrWriteResult> {
    return writeOne(this.options, namespace, write, signal);
  }

  /** The writes in order; the first that gives up rejects the whole list (every write is safe to repeat). */
  async writeAll(namespace: string, writes: readonly CrrStatusWrite[], signal: AbortSignal): Promise<CrrWriteResult[]> {
    const results: CrrWriteResult[] = [];
    for (const write of writes) results.push(await writeOne(this.options, namespace, write, signal));
    return results;
  }
}
