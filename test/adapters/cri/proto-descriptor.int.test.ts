// Our runtime.v1 subset against the descriptor the installed containerd actually serves. The
// recovered descriptor lives in memory only; nothing from it is written to the repository.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { runtimeV1Descriptor, shapeOfDescriptor, shapeOfProtoFile, type ProtoShape } from './support/descriptor.js';

const CONTAINERD = process.env.KRUISED_CONTAINERD_BINARY ?? '/usr/bin/containerd';
const OUR_PROTO = fileURLToPath(new URL('../../../adapters/cri/proto/runtime-v1.proto', import.meta.url));
const present = existsSync(CONTAINERD);

if (!present) {
  console.warn(
    `\n!!! proto-descriptor.int.test.ts SKIPPED: ${CONTAINERD} is absent, so our runtime.v1 subset is NOT checked against a real containerd descriptor.\n`,
  );
}

describe.skipIf(!present)(`our runtime.v1 subset against the descriptor inside ${CONTAINERD}`, () => {
  let theirs: ProtoShape;
  let ours: ProtoShape;

  beforeAll(() => {
    const file = runtimeV1Descriptor(readFileSync(CONTAINERD));
    if (file === undefined) throw new Error(`no runtime.v1 api.proto descriptor found in ${CONTAINERD}`);
    theirs = shapeOfDescriptor(file);
    ours = shapeOfProtoFile(OUR_PROTO);
  });

  it('finds the CRI services with the RPCs kubelet and kruise-daemon use in the binary', () => {
    expect([...theirs.services.get('runtime.v1.RuntimeService')!.keys()]).toEqual(expect.arrayContaining(['Version', 'ListContainers', 'ExecSync']));
    expect([...theirs.services.get('runtime.v1.ImageService')!.keys()]).toEqual(expect.arrayContaining(['PullImage', 'ImageFsInfo']));
  });

  it('declares only RPCs the runtime serves, with the same request and response types', () => {
    for (const [service, methods] of ours.services) {
      for (const [name, method] of methods) {
        expect(theirs.services.get(service)?.get(name), `${service}/${name}`).toEqual(method);
      }
    }
    expect(ours.services.get('runtime.v1.RuntimeService')?.size).toBe(13);
    expect(ours.services.get('runtime.v1.ImageService')?.size).toBe(5);
  });

  it("gives every field of every message the runtime's number, type and cardinality", () => {
    const mismatches: string[] = [];
    for (const [message, fields] of ours.messages) {
      const real = theirs.messages.get(message);
      if (real === undefined) {
        mismatches.push(`${message}: no such message`);
        continue;
      }
      for (const [name, field] of fields) {
        const r = real.get(name);
        if (r === undefined) mismatches.push(`${message}.${name}: no such field`);
        else if (r.number !== field.number || r.type !== field.type || r.repeated !== field.repeated) {
          mismatches.push(`${message}.${name}: ours ${JSON.stringify(field)}, runtime ${JSON.stringify(r)}`);
        }
      }
    }
    expect(mismatches).toEqual([]);
    expect(ours.messages.size).toBeGreaterThan(50);
  });

  it('keeps every field the runtime sends in the messages callers read states, ids, times and exit codes from', () => {
    for (const message of ['VersionResponse', 'Container', 'ContainerMetadata', 'ExecSyncResponse', 'Image', 'PodSandbox', 'AuthConfig', 'FilesystemUsage']) {
      const full = `runtime.v1.${message}`;
      expect([...ours.messages.get(full)!.keys()].sort(), full).toEqual([...theirs.messages.get(full)!.keys()].sort());
    }
    const status = [...theirs.messages.get('runtime.v1.ContainerStatus')!.keys()].filter((f) => f !== 'resources');
    expect([...ours.messages.get('runtime.v1.ContainerStatus')!.keys()].sort()).toEqual(status.sort());
  });

  it("gives every enum value the runtime's number and leaves none out", () => {
    for (const [name, values] of ours.enums) {
      expect(Object.fromEntries(values), name).toEqual(Object.fromEntries(theirs.enums.get(name) ?? []));
    }
  });
});
