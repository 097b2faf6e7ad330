// The credential order of one pull attempt (contract §3.5):
//   1. each matching credential, most specific first; the first successful pull wins;
//   2. credentials matched and all failed → the attempt fails with the aggregated errors,
//      with NO anonymous fallback;
//   3. no credential matched → one anonymous pull (`auth` unset);
//   4. a keyring that could not be built (bad secret) fails the attempt: callers let the
//      BadPullSecretError from parsing propagate.
import { AllCredentialsFailedError } from './errors.js';
import { normaliseRepository } from './image-ref.js';
import type { AuthConfig, KeyringLike } from './keyring.js';

export interface PullAttemptOptions {
  /**
   * `usernamePassword` (default) sends what kruise-daemon sends, `{username, password}` only;
   * `all` sends every AuthConfig field the keyring holds (docker's identity/registry tokens too).
   */
  readonly fields?: 'usernamePassword' | 'all';
}

export interface PullAttemptPlan {
  /** The normalised repository the keyring was asked about. */
  readonly repository: string;
  /** Credentials to try, in order. */
  readonly credentials: readonly AuthConfig[];
  /** True only when no credential matched: then a single anonymous pull is made. */
  readonly anonymousAllowed: boolean;
}

export function pullAttempts(image: string, keyring: KeyringLike, options: PullAttemptOptions = {}): PullAttemptPlan {
  const repository = normaliseRepository(image);
  const matched = keyring.lookup(repository);
  const credentials = options.fields === 'all' ? matched : matched.map(usernamePasswordOnly);
  return { repository, credentials, anonymousAllowed: credentials.length === 0 };
}

/**
 * Runs a plan: `pull(auth)` per credential until one resolves, or `pull(undefined)` once when
 * anonymous is allowed. Rejects with AllCredentialsFailedError (the pull errors, in order) when
 * every credential failed; an anonymous failure rejects with its own error.
 */
export async function runPullAttempts<T>(plan: PullAttemptPlan, pull: (auth: AuthConfig | undefined) => Promise<T>): Promise<T> {
  if (plan.anonymousAllowed) return pull(undefined);
  const errors: unknown[] = [];
  for (const auth of plan.credentials) {
    try {
      return await pull(auth);
    } catch (error) {
      errors.push(error);
    }
  }
  throw new AllCredentialsFailedError(errors);
}

function usernamePasswordOnly(config: AuthConfig): AuthConfig {
  return { username: config.username, password: config.password, auth: '', server_address: '', identity_token: '', registry_token: '' };
}
