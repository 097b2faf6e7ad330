// One attempt of CRI PullImage as upstream's imageruntime/cri.go makes it (contract §3.5): the
// credentials `authFor` found are tried in order and the first success wins; when credentials
// were found and all failed, the attempt fails with their errors aggregated (no anonymous
// fallback); with none, the pull is anonymous and a failure reads
// `Failed to pull image reference "<ref>": <err>`. One deadline covers the whole attempt. A
// failure names the referenced pull secrets that could not be read (upstream skips them
// silently, which leaves a 401 unexplained).
import type { AuthConfig, CriClient, PodSandboxConfigInput } from '../../adapters/cri/index.js';
import { CriError } from '../../adapters/cri/index.js';
import type { PullSecretRef } from '../../machines/image-pull/types.js';

/**
 * What the tag's pull secrets give for a reference: credentials, most specific first ([] pulls
 * anonymously), and the referenced secrets that could not be read (`namespace/name not found`):
 * upstream skips those, and a failed pull says which were missing.
 */
export type AuthLookup = readonly AuthConfig[] | { readonly credentials: readonly AuthConfig[]; readonly unavailable: readonly string[] };

export type AuthFor = (reference: string, pullSecrets: readonly PullSecretRef[]) => AuthLookup | Promise<AuthLookup>;

export const noAuth: AuthFor = () => [];

/** The credentials of an AuthLookup, in order. */
export function credentialsOf(lookup: AuthLookup): readonly AuthConfig[] {
  return 'credentials' in lookup ? lookup.credentials : (lookup as readonly AuthConfig[]);
}

/** ` (pull secret a not found)`, or '' when every referenced secret was read. */
export function unavailableSecretsNote(unavailable: readonly string[]): string {
  if (unavailable.length === 0) return '';
  return ` (pull secret${unavailable.length > 1 ? 's' : ''} ${unavailable.join(', ')})`;
}

export interface PullAttempt {
  readonly reference: string;
  readonly sandboxConfig: PodSandboxConfigInput;
  readonly pullSecrets: readonly PullSecretRef[];
  /** The attempt's budget in ms; the runtime call gets what is left of it. */
  readonly timeoutMs: number;
}

export type PullOutcome = { readonly ok: true } | { readonly ok: false; readonly message: string; readonly deadlineExceeded: boolean };

/** k8s.io/apimachinery `utilerrors.NewAggregate(...).Error()`: one message as is, several as `[a, b]`, duplicates once. */
export function aggregateMessage(messages: readonly string[]): string {
  const unique = [...new Set(messages)];
  return unique.length === 1 ? unique[0]! : `[${unique.join(', ')}]`;
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
const isDeadline = (error: unknown): boolean => error instanceof CriError && error.type === 'cri.deadlineExceeded';

/** Runs one attempt; rejects only with the signal's reason when the caller aborts. */
export async function pullAttempt(
  cri: Pick<CriClient, 'pullImage'>,
  authFor: AuthFor,
  attempt: PullAttempt,
  signal: AbortSignal,
  now: () => number,
): Promise<PullOutcome> {
  const deadline = now() + Math.max(0, attempt.timeoutMs);
  const call = (auth: AuthConfig | undefined) =>
    cri.pullImage(
      signal,
      { image: { image: attempt.reference, annotations: {} }, sandbox_config: attempt.sandboxConfig, ...(auth ? { auth } : {}) },
      { timeoutMs: Math.max(1, deadline - now()) },
    );
  let auths: readonly AuthConfig[];
  let note: string;
  try {
    const lookup = await authFor(attempt.reference, attempt.pullSecrets);
    auths = credentialsOf(lookup);
    note = 'credentials' in lookup ? unavailableSecretsNote(lookup.unavailable) : '';
  } catch (error) {
    signal.throwIfAborted();
    return { ok: false, message: messageOf(error), deadlineExceeded: false };
  }
  signal.throwIfAborted();
  if (auths.length === 0) {
    try {
      await call(undefined);
      return { ok: true };
    } catch (error) {
      signal.throwIfAborted();
      return {
        ok: false,
        message: `Failed to pull image reference ${JSON.stringify(attempt.reference)}: ${messageOf(error)}${note}`,
        deadlineExceeded: isDeadline(error),
      };
    }
  }
  const errors: unknown[] = [];
  for (const auth of auths) {
    try {
      await call(auth);
      return { ok: true };
    } catch (error) {
      signal.throwIfAborted();
      errors.push(error);
      if (isDeadline(error)) break; // the attempt's budget is spent: later credentials would fail the same way
    }
  }
  return { ok: false, message: aggregateMessage(errors.map(messageOf)) + note, deadlineExceeded: errors.some(isDeadline) };
}
