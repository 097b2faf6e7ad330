// kubelet's MakeDockerKeyring: one keyring from every pull secret (then the fallbacks). A secret
// that does not parse fails the whole build (contract §3.5 step 4) with BadPullSecretError.
import { parsePullSecrets, type PullSecretLike } from './docker-config.js';
import { Keyring, type KeyringLike } from './keyring.js';

export function keyringFromSecrets(secrets: readonly PullSecretLike[], fallbacks: readonly KeyringLike[] = []): Keyring {
  const keyring = new Keyring(fallbacks);
  keyring.add(parsePullSecrets(secrets));
  return keyring;
}
