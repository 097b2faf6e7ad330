// The container runtime at startup, as upstream's runtime factory finds it (contract §1.5 step 5,
// §2.1–2.2): the platform's candidates (or --cri-endpoint), kept when their socket exists, each
// validated with ImageFsInfo, ListImages and Version. No usable runtime is fatal, with upstream's
// message, because users search for it ("failed to new runtime factory: not found container
// runtime sock"). Every rejected candidate is logged with the step and the runtime's error.
// Before any of that, the daemon's own files are checked: without the CRI proto no candidate can
// be dialled, and upstream's message would send the operator looking for a socket that is there.
import type { Logger } from 'pino';
import { discoverRuntimes, existingCandidates, loadCriPackage, type DiscoveredRuntime } from '../adapters/cri/index.js';
import type { PlatformProfile } from '../adapters/platform/index.js';
import type { DaemonFlags } from './flags.js';

export const NO_RUNTIME_MESSAGE = 'failed to new runtime factory: not found container runtime sock';

/** What is wrong with this installation of kruised when the CRI proto cannot be loaded, else undefined. */
export function criProtoProblem(protoPath?: string): string | undefined {
  try {
    loadCriPackage(protoPath);
    return undefined;
  } catch (error) {
    return (
      `kruised is installed incompletely and cannot talk CRI to any runtime: ${(error as Error).message}. ` +
      'The daemon was built without the files scripts/build.mjs copies into dist/ (adapters/cri/proto); build it, or its image, with that script'
    );
  }
}

export async function findRuntimes(flags: DaemonFlags, profile: PlatformProfile, logger: Logger, signal?: AbortSignal): Promise<readonly DiscoveredRuntime[]> {
  const problem = criProtoProblem();
  if (problem !== undefined) {
    logger.error(problem);
    throw new Error(problem);
  }
  const all = profile.cri.endpointCandidates({ socketFile: flags.socketFile, endpoint: flags.criEndpoint, hostRunDir: flags.hostRunDir });
  const candidates = existingCandidates(all);
  if (candidates.length === 0) logger.error({ looked: all.map((c) => c.uri) }, 'no CRI socket exists');
  const { runtimes, rejected } = await discoverRuntimes(candidates, {
    ...(signal ? { signal } : {}),
    clientOptions: { platform: profile.os, baseTimeoutMs: flags.criBaseTimeoutMs || profile.cri.baseTimeoutMs },
  });
  for (const { candidate, step, error } of rejected) logger.warn({ endpoint: candidate.uri, step, err: error.message }, 'CRI candidate rejected');
  for (const r of runtimes)
    logger.info({ endpoint: r.candidate.uri, runtime: r.runtimeName, version: r.runtimeVersion, api: r.runtimeApiVersion }, 'CRI runtime found');
  return runtimes;
}
