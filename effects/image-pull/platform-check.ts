// The `imagePlatformCheck` effect of the imageTag machine (Windows nodes, windows.md §2.7): the
// image's platforms are read from its registry with the same credentials the pull would use
// (adapters/registry-auth/image-platforms.ts) and judged against this host by containerd's rules
// (adapters/platform/image-platform.ts). `cannotRun` carries a message naming the host and every
// entry the image offers; `unknown` (registry unreachable, refused, no index) lets the pull go
// ahead and is logged with its reason. Reads only, so repeating it is harmless.
import type { PlatformCheckInput, PlatformCheckOutput } from '../../machines/image-pull/types.js';
import { platformVerdict, type HostPlatform } from '../../adapters/platform/image-platform.js';
import type { ImagePlatformRules } from '../../adapters/platform/types.js';
import { imagePlatforms, type PlatformsLookup, type RegistryCredential } from '../../adapters/registry-auth/index.js';
import { durablePromise, type DurabilityBarrier } from '../durable.js';
import { credentialsOf, noAuth, type AuthFor } from './pull-attempt.js';

export interface PlatformCheckDeps {
  /** This node: os, architecture and OS version. */
  readonly host: HostPlatform;
  /** The host OS's matching rules (the Windows profile's `image`). */
  readonly rules: ImagePlatformRules;
  /** Default: the registry's HTTP API (imagePlatforms). */
  readonly lookup?: (reference: string, credentials: readonly RegistryCredential[], signal: AbortSignal) => Promise<PlatformsLookup>;
  readonly logger?: { warn(obj: object, msg: string): void };
}

export function imagePlatformCheck(deps: PlatformCheckDeps | undefined, barrier: DurabilityBarrier, authFor: AuthFor = noAuth, now: () => number = Date.now) {
  const lookup = deps?.lookup ?? ((reference, credentials, signal) => imagePlatforms(reference, credentials, { signal }));
  return durablePromise<PlatformCheckOutput, PlatformCheckInput>(barrier, async (input, signal) => {
    if (!deps) return { at: now(), verdict: 'unknown', message: 'this node does not check image platforms' };
    let credentials: readonly RegistryCredential[];
    try {
      credentials = credentialsOf(await authFor(input.reference, input.pullSecrets));
    } catch (error) {
      // The pull attempt will fail with the same keyring error; the platforms stay unknown.
      return unknown(`credentials could not be built: ${error instanceof Error ? error.message : String(error)}`);
    }
    const found = await lookup(input.reference, credentials, signal);
    if (found.type === 'unknown') return unknown(found.reason);
    const verdict = platformVerdict(found.entries, deps.host, deps.rules);
    return verdict.runs
      ? { at: now(), verdict: 'runs', message: '' }
      : { at: now(), verdict: 'cannotRun', message: `image ${input.reference} cannot run on this node: ${verdict.message}` };

    function unknown(reason: string): PlatformCheckOutput {
      deps!.logger?.warn({ reference: input.reference, reason }, 'the image platforms are unknown; pulling anyway');
      return { at: now(), verdict: 'unknown', message: reason };
    }
  });
}
