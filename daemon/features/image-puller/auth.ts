// Credentials for a pull (contract §3.5): the tag's pull-secret references are read through the
// secrets reader (the daemon's config namespace only), parsed into a kubelet-style keyring, and
// looked up for the reference. Matched credentials are tried in order with no anonymous fallback;
// no match means one anonymous pull. A referenced secret that does not exist (or lies outside the
// config namespace) contributes nothing, as upstream, but is reported so a failed pull can name
// it; a malformed one fails the attempt with a message naming it (never its contents).
import type { SecretsReader } from '../../../adapters/kube/index.js';
import { keyringFromSecrets, pullAttempts } from '../../../adapters/registry-auth/index.js';
import type { AuthFor } from '../../../effects/image-pull/index.js';

export function authFromPullSecrets(secrets: Pick<SecretsReader, 'get'>): AuthFor {
  return async (reference, pullSecrets) => {
    const found = [];
    const unavailable: string[] = [];
    for (const ref of pullSecrets) {
      const lookup = await secrets.get(ref.name, ref.namespace);
      if (lookup.type === 'found') found.push(lookup.secret);
      else unavailable.push(`${ref.namespace}/${ref.name} ${lookup.type === 'notFound' ? 'not found' : 'not readable: outside the daemon config namespace'}`);
    }
    const credentials = found.length === 0 ? [] : pullAttempts(reference, keyringFromSecrets(found)).credentials;
    return { credentials, unavailable };
  };
}
