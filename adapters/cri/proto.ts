// Loads proto/runtime-v1.proto once per path and exposes each RPC's path and codecs.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSync, type MethodDefinition, type Options, type PackageDefinition } from '@grpc/proto-loader';
import type { CriMethodName } from './deadlines.js';

/**
 * Decoding choices (types.ts documents the resulting shapes). `longs: String` because CRI
 * timestamps are int64 nanoseconds, beyond Number's exact integers.
 */
export const PROTO_LOADER_OPTIONS: Options = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

export const CRI_SERVICE_OF: Readonly<Record<CriMethodName, 'RuntimeService' | 'ImageService'>> = {
  Version: 'RuntimeService',
  RunPodSandbox: 'RuntimeService',
  StopPodSandbox: 'RuntimeService',
  RemovePodSandbox: 'RuntimeService',
  PodSandboxStatus: 'RuntimeService',
  ListPodSandbox: 'RuntimeService',
  CreateContainer: 'RuntimeService',
  StartContainer: 'RuntimeService',
  StopContainer: 'RuntimeService',
  RemoveContainer: 'RuntimeService',
  ListContainers: 'RuntimeService',
  ContainerStatus: 'RuntimeService',
  ExecSync: 'RuntimeService',
  ListImages: 'ImageService',
  ImageStatus: 'ImageService',
  PullImage: 'ImageService',
  RemoveImage: 'ImageService',
  ImageFsInfo: 'ImageService',
};

const here = dirname(fileURLToPath(import.meta.url));

/**
 * Where the .proto is: next to this module when run from source, or in the source tree when run
 * from dist/ (tsc does not copy .proto files; a build that ships dist/ alone must copy
 * adapters/cri/proto/ to dist/adapters/cri/proto/).
 */
export function defaultProtoPath(): string {
  const candidates = [join(here, 'proto', 'runtime-v1.proto'), join(here, '..', '..', '..', 'adapters', 'cri', 'proto', 'runtime-v1.proto')];
  const found = candidates.find((p) => existsSync(p));
  if (found === undefined) throw new Error(`runtime-v1.proto not found; looked at ${candidates.join(', ')}`);
  return found;
}

export type AnyMethodDefinition = MethodDefinition<object, object>;

const loaded = new Map<string, PackageDefinition>();

export function loadCriPackage(protoPath = defaultProtoPath()): PackageDefinition {
  let pkg = loaded.get(protoPath);
  if (pkg === undefined) {
    pkg = loadSync(protoPath, PROTO_LOADER_OPTIONS);
    loaded.set(protoPath, pkg);
  }
  return pkg;
}

export function criMethod(pkg: PackageDefinition, method: CriMethodName): AnyMethodDefinition {
  const service = pkg[`runtime.v1.${CRI_SERVICE_OF[method]}`] as Record<string, AnyMethodDefinition> | undefined;
  const def = service?.[method];
  if (def === undefined) throw new Error(`runtime.v1.${CRI_SERVICE_OF[method]}/${method} missing from the loaded proto`);
  return def;
}
