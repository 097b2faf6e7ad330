// The credential order of one pull attempt (contract §3.5):
//   1. each matching credential, most specific first; the first successful pull wins;
//   2. credentials matched and all failed → the attempt fails with the aggregated errors,
//      with NO anonymous fallback;
//   3. no credential matched → one anonymous pull (`auth` unset);
//   4. a keyring that could not be built (bad secret) fails the attempt: callers let the
//      BadPullSecretError from parsing propagate.
// This file makes the plan; effects/image-pull/pull-attempt.ts runs it against the runtime.
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

function usernamePasswordOnly(config: AuthConfig): AuthConfig {
  return { username: config.username, password: config.password, auth: '', server_address: '', identity_token: '', registry_token: '' };
}
