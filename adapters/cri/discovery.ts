// Runtime discovery as upstream's criruntime factory does it (contract §2.1, §2.2, §8): build the
// candidate list for the OS, keep the Linux ones whose socket exists, validate each in order
// (ImageFsInfo, ListImages, Version), and keep every survivor with the runtime name it reported.
// The first survivor serves images and is the default runtime; CRR and containermeta pick a
// survivor by the scheme of a kube container ID (`containerd://…`).
import { statSync } from 'node:fs';
import { createCriClient, type CriClient, type CriClientOptions } from './client.js';
import { toCriError, type CriError } from './errors.js';
import { LINUX_HOST_RUN_DIR, WINDOWS_CONTAINERD_ENDPOINT, linuxEndpointCandidates, windowsEndpointCandidates } from '../platform/endpoints.js';
import type { CriEndpointCandidate } from '../platform/types.js';

/** The candidate lists per OS live with the platform profiles; discovery validates them. */
export type RuntimeCandidate = CriEndpointCandidate;
export {
  LINUX_HOST_RUN_DIR as DEFAULT_HOST_RUN_DIR,
  WINDOWS_CONTAINERD_ENDPOINT as DEFAULT_WINDOWS_ENDPOINT,
  linuxEndpointCandidates as linuxRuntimeCandidates,
  windowsEndpointCandidates as windowsRuntimeCandidates,
};

function statExists(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false }) !== undefined;
}

/** The candidates worth dialling: pipes always, sockets when their file exists (stat follows symlinks). */
export function existingCandidates(candidates: readonly RuntimeCandidate[], exists: (path: string) => boolean = statExists): RuntimeCandidate[] {
  return candidates.filter((c) => c.statPath === null || exists(c.statPath));
}

export interface DiscoveredRuntime {
  readonly candidate: RuntimeCandidate;
  /** From Version, e.g. `containerd`, `cri-o`, `docker` (cri-dockerd). */
  readonly runtimeName: string;
  readonly runtimeVersion: string;
  readonly runtimeApiVersion: string;
  readonly client: CriClient;
}

export interface RejectedCandidate {
  readonly candidate: RuntimeCandidate;
  readonly step: 'connect' | 'ImageFsInfo' | 'ListImages' | 'Version';
  readonly error: CriError;
}

export interface Discovery {
  /** Survivors in candidate order. Empty means startup must fail, as upstream's does. */
  readonly runtimes: readonly DiscoveredRuntime[];
  readonly rejected: readonly RejectedCandidate[];
}

/**
 * How each candidate's client is made: createCriClient with `clientOptions` (whose `platform` is
 * the profile's `os`), or the caller's own `connect` (tests' doubles, a pipeResolver).
 */
export type DiscoverOptions = { readonly signal?: AbortSignal } & (
  | { readonly clientOptions: Omit<CriClientOptions, 'endpoint'>; readonly connect?: undefined }
  | { readonly connect: (candidate: RuntimeCandidate) => CriClient; readonly clientOptions?: undefined }
);

function clientsWith(clientOptions: Omit<CriClientOptions, 'endpoint'>): (candidate: RuntimeCandidate) => CriClient {
  return (candidate) => createCriClient({ ...clientOptions, endpoint: candidate.uri });
}

/** Validate candidates in order (contract §2.2). Only the caller's signal aborts the whole run. */
export async function discoverRuntimes(candidates: readonly RuntimeCandidate[], options: DiscoverOptions): Promise<Discovery> {
  const { signal } = options;
  const connect = options.connect !== undefined ? options.connect : clientsWith(options.clientOptions);
  const runtimes: DiscoveredRuntime[] = [];
  const rejected: RejectedCandidate[] = [];
  for (const candidate of candidates) {
    let client: CriClient;
    try {
      client = connect(candidate);
    } catch (error) {
      rejected.push({ candidate, step: 'connect', error: toCriError(error) });
      continue;
    }
    let step: RejectedCandidate['step'] = 'ImageFsInfo';
    try {
      // CRI v1 probe, 10 s as upstream; then ListImages with no deadline of its own.
      await client.imageFsInfo(signal, {}, { timeoutMs: 10_000 });
      step = 'ListImages';
      await client.listImages(signal, {}, { timeoutMs: null });
      step = 'Version';
      const v = await client.version(signal);
      runtimes.push({ candidate, runtimeName: v.runtime_name, runtimeVersion: v.runtime_version, runtimeApiVersion: v.runtime_api_version, client });
    } catch (error) {
      client.close();
      if (signal?.aborted) {
        for (const r of runtimes) r.client.close();
        throw signal.reason;
      }
      rejected.push({ candidate, step, error: toCriError(error) });
    }
  }
  return { runtimes, rejected };
}
