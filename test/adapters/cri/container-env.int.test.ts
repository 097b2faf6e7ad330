// Reading a container's environment for the env-from-metadata hash (adapters/cri/container-env.ts)
// on the bed's real containerd, and the exec fallback on the SIMULATED Windows-like runtime.
//
// On containerd the verbose ContainerStatus path and the exec path must see the same values, for
// values that upstream's own `env` parsing mangles (spaces, `=`, newlines, non-ASCII, trailing
// blanks), and both must give the hash the manager expects. On a shell-less image (the bed's
// `shellless`: one static binary, no `env`), upstream's `ExecSync(env)` fails, so its hash stays
// 0 (kruise #2136), while the verbose path gives the right hash.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readContainerEnvironment, runtimeSpecEnv, type ContainerEnvironment, type EnvCri } from '../../../adapters/cri/container-env.js';
import { createCriClient, CriError, type CriClient, type KeyValue } from '../../../adapters/cri/index.js';
import { platformProfile } from '../../../adapters/platform/index.js';
import { pickEnvValues, valueOfPicked, type ContainerEnvironmentRead } from '../../../machines/container-meta/container-environment.js';
import { currentEnvHash, expectedEnvHash, type EnvVarSpec } from '../../../machines/container-meta/env-hash.js';
import { startCriDouble, type CriDouble } from '../../bed/cri-double/index.js';
import { runtimeBed, runtimeBedSkipReason } from '../../bed/runtime-bed.js';
import { FakeFs, FakeProcess, FakeRunner, RecordingSleep } from '../platform/fakes.js';
import { containerConfig, removeSimPod, runSimPod, type SimPod } from './support/kubelet-sim.js';

const bed = runtimeBed();
const seams = { fs: new FakeFs(), process: new FakeProcess(), sleep: new RecordingSleep().sleep, run: new FakeRunner().run, env: {} };
const linux = platformProfile('linux', seams);
const windows = platformProfile('windows', seams);

// A pod whose env reads labels and annotations through the downward API, and the values the
// kubelet resolved them to, which is what it passes to CreateContainer.
const POD = {
  labels: { version: 'v2', 'app.kubernetes.io/name': 'web' },
  annotations: {
    spaces: 'a value with  spaces',
    equals: 'k=v==w',
    newlines: 'first line\nsecond=line\nthird',
    unicode: 'grüße 日本 😀 \u2028 <&>',
    trailing: '  padded  \t',
    empty: '',
  },
};
const fieldRef = (name: string, fieldPath: string): EnvVarSpec => ({ name, valueFrom: { fieldRef: { fieldPath } } });
const SPEC_ENV: EnvVarSpec[] = [
  fieldRef('VERSION', "metadata.labels['version']"),
  fieldRef('APP', "metadata.labels['app.kubernetes.io/name']"),
  ...Object.keys(POD.annotations).map((k) => fieldRef(`NOTE_${k.toUpperCase()}`, `metadata.annotations['${k}']`)),
  { name: 'DB_PASSWORD', value: 'not-for-the-log' },
];
const resolved = (spec: readonly EnvVarSpec[]): KeyValue[] =>
  spec.map((e) => {
    const path = e.valueFrom?.fieldRef?.fieldPath ?? '';
    const key = /\['(.*)'\]$/.exec(path)?.[1] ?? '';
    const value = path.startsWith('metadata.labels') ? POD.labels[key as keyof typeof POD.labels] : POD.annotations[key as keyof typeof POD.annotations];
    return { key: e.name, value: e.value ?? value ?? '' };
  });
const SELECTED = SPEC_ENV.filter((e) => e.valueFrom).map((e) => e.name);

function asRead(env: ContainerEnvironment): ContainerEnvironmentRead {
  if (env.source === 'unavailable') throw new Error(`no environment: ${env.reason}`);
  return env;
}

function currentHash(env: ContainerEnvironment): number {
  return currentEnvHash(SPEC_ENV, valueOfPicked(pickEnvValues(asRead(env), SELECTED)));
}

/** A CRI client that counts the calls the reader makes. */
function counting(cri: EnvCri): EnvCri & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    containerStatus: (s, r, o) => {
      calls.push(`ContainerStatus verbose=${r.verbose === true}`);
      return cri.containerStatus(s, r, o);
    },
    execSync: (s, r, o) => {
      calls.push(`ExecSync ${r.cmd.join(' ')} timeout=${r.timeout}`);
      return cri.execSync(s, r, o);
    },
  };
}

/** As if the runtime answered the verbose call without an OCI spec (CRI-dockerd, older runtimes). */
const NO_SPEC = { status: { status: null, info: {} } };

describe.skipIf(bed === undefined)(`a container's environment on a real containerd ${runtimeBedSkipReason()}`.trim(), () => {
  let cri: CriClient;
  let pod: SimPod;
  let busybox: string;
  let shellless: string;

  beforeAll(async () => {
    cri = createCriClient({ endpoint: bed!.endpoint, platform: 'linux' });
    await cri.pullImage(undefined, { image: { image: bed!.images.busybox } });
    await cri.pullImage(undefined, { image: { image: bed!.images.shellless } });
    pod = await runSimPod(cri, bed!.podNetwork, 'container-env');
    const start = async (name: string, image: string, command: string[]): Promise<string> => {
      const config = { ...containerConfig(pod, name, image, command), envs: resolved(SPEC_ENV) };
      const { container_id } = await cri.createContainer(undefined, { pod_sandbox_id: pod.sandboxId, config, sandbox_config: pod.config });
      await cri.startContainer(undefined, { container_id });
      return container_id;
    };
    busybox = await start('busybox', bed!.images.busybox, ['sleep', '3600']);
    shellless = await start('shellless', bed!.images.shellless, ['/opt/app/busybox.app', 'sleep', '3600']);
  });
  afterAll(async () => {
    if (pod) await removeSimPod(cri, pod);
    cri?.close();
  });

  it('answers from the OCI spec in one verbose ContainerStatus call, with no exec', async () => {
    const counted = counting(cri);
    const env = await readContainerEnvironment(counted, undefined, busybox, { platform: linux });
    expect(counted.calls).toEqual(['ContainerStatus verbose=true']);
    expect(env.source).toBe('runtime-spec');
    if (env.source !== 'runtime-spec') return;
    // the CRI envs in order, after the image's PATH and containerd's HOSTNAME
    expect(env.entries.slice(0, 2).map((e) => e.split('=')[0])).toEqual(['PATH', 'HOSTNAME']);
    expect(env.entries.slice(2)).toEqual(resolved(SPEC_ENV).map((kv) => `${kv.key}=${kv.value}`));
  });

  it('uses a verbose status the caller already has instead of asking again', async () => {
    const status = await cri.containerStatus(undefined, { container_id: busybox, verbose: true });
    expect(runtimeSpecEnv(status.info)).toHaveProperty('env');
    const counted = counting(cri);
    const env = await readContainerEnvironment(counted, undefined, busybox, { platform: linux, status });
    expect(counted.calls).toEqual([]);
    expect(env.source).toBe('runtime-spec');
  });

  it('reads the same values by exec (`env -0`) when the runtime gives no spec, and both give the manager’s hash', async () => {
    const counted = counting(cri);
    const byExec = await readContainerEnvironment(counted, undefined, busybox, { platform: linux, ...NO_SPEC });
    expect(counted.calls).toEqual(['ExecSync env -0 timeout=3']);
    expect(byExec).toMatchObject({ source: 'exec', command: ['env', '-0'], output: 'nul' });
    const bySpec = await readContainerEnvironment(cri, undefined, busybox, { platform: linux });

    const want = resolved(SPEC_ENV.filter((e) => e.valueFrom)).map((kv) => ({ name: kv.key, value: kv.value }));
    expect(pickEnvValues(asRead(bySpec), SELECTED)).toEqual(want);
    expect(pickEnvValues(asRead(byExec), SELECTED)).toEqual(want);
    const expected = expectedEnvHash(SPEC_ENV, POD);
    expect(currentHash(bySpec)).toBe(expected);
    expect(currentHash(byExec)).toBe(expected);
  });

  it('shows why upstream restarts such a container forever: its `env` line parsing gets another hash', async () => {
    const answer = await cri.execSync(undefined, { container_id: busybox, cmd: ['env'], timeout: 3 });
    const upstream: ContainerEnvironmentRead = {
      source: 'exec',
      command: ['env'],
      output: 'lines',
      stdout: answer.stdout.toString('utf8'),
      caseInsensitiveNames: false,
    };
    const values = new Map(pickEnvValues(upstream, SELECTED).map((v) => [v.name, v.value]));
    expect(values.get('NOTE_NEWLINES')).toBe('first line');
    expect(values.get('NOTE_TRAILING')).toBe('  padded');
    expect(currentEnvHash(SPEC_ENV, valueOfPicked(pickEnvValues(upstream, SELECTED)))).not.toBe(expectedEnvHash(SPEC_ENV, POD));
  });

  it('reads a shell-less container from the spec, where upstream’s exec of `env` fails and leaves its hash at 0', async () => {
    const upstream = await cri.execSync(undefined, { container_id: shellless, cmd: ['env'], timeout: 3 }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(upstream).toBeInstanceOf(CriError);
    expect((upstream as CriError).message).toMatch(/executable file not found/);

    const env = await readContainerEnvironment(cri, undefined, shellless, { platform: linux });
    expect(env.source).toBe('runtime-spec');
    expect(currentHash(env)).toBe(expectedEnvHash(SPEC_ENV, POD));
    expect(currentHash(env)).not.toBe(0);
  });

  it('says so, with every attempt, when neither the spec nor exec can answer', async () => {
    const env = await readContainerEnvironment(cri, undefined, shellless, { platform: linux, ...NO_SPEC });
    expect(env.source).toBe('unavailable');
    if (env.source !== 'unavailable') return;
    expect(env.attempts.map((a) => a.command.join(' '))).toEqual(['env -0', 'env']);
    expect(env.attempts.every((a) => /^cri\.unknown: .*executable file not found/.test(a.error ?? ''))).toBe(true);
    expect(env.reason).toMatch(/^the runtime returned no info\.info with the verbose ContainerStatus, and exec found no environment \(env -0: cri\.unknown/);
  });

  it('rejects with the CRI error when the container is gone', async () => {
    await expect(readContainerEnvironment(cri, undefined, 'f'.repeat(64), { platform: linux })).rejects.toMatchObject({ type: 'cri.notFound' });
  });
});

describe('a container’s environment on a Windows-like SIMULATED runtime (no spec: `cmd /c set`, CRLF)', () => {
  const IMAGE = 'registry.local/nanoserver:ltsc2022';
  let double: CriDouble;
  let cri: CriClient;
  let pod: SimPod;
  let id: string;

  beforeAll(async () => {
    double = await startCriDouble({ platform: 'windows', images: { [IMAGE]: { id: `sha256:${'d'.repeat(64)}`, sizeBytes: 1_000 } } });
    cri = createCriClient({ endpoint: double.endpoint, platform: 'linux' });
    await cri.pullImage(undefined, { image: { image: IMAGE } });
    pod = await runSimPod(cri, 'host', 'container-env-win');
    // Windows keeps a name's first spelling: the image's `Version` stays when the pod sets VERSION
    const envs = [{ key: 'Version', value: 'v2' }, ...resolved(SPEC_ENV).filter((kv) => kv.key !== 'VERSION' && kv.key !== 'NOTE_NEWLINES')];
    const config = { ...containerConfig(pod, 'main', IMAGE, ['cmd', '/c', 'ping -t localhost']), envs };
    ({ container_id: id } = await cri.createContainer(undefined, { pod_sandbox_id: pod.sandboxId, config, sandbox_config: pod.config }));
    await cri.startContainer(undefined, { container_id: id });
  });
  afterAll(async () => {
    cri?.close();
    await double?.close();
  });

  it('falls back to `cmd /c set` with upstream’s 3 s timeout, parses CRLF lines and matches names ignoring case', async () => {
    const before = double.calls.length;
    const env = await readContainerEnvironment(cri, undefined, id, { platform: windows });
    expect(double.calls.slice(before).map((c) => c.method)).toEqual(['ContainerStatus', 'ExecSync']);
    expect(double.calls.at(-1)?.request).toMatchObject({ cmd: ['cmd', '/c', 'set'], timeout: '3' });
    expect(env).toMatchObject({ source: 'exec', command: ['cmd', '/c', 'set'], output: 'lines', caseInsensitiveNames: true });
    if (env.source !== 'exec') return;
    expect(env.stdout).toContain('\r\n');

    const spec = SPEC_ENV.filter((e) => e.name !== 'NOTE_NEWLINES' && e.name !== 'NOTE_TRAILING');
    const values = new Map(pickEnvValues(env, SELECTED).map((v) => [v.name, v.value]));
    expect(values.get('VERSION')).toBe('v2'); // found as `Version`
    expect(values.get('NOTE_UNICODE')).toBe(POD.annotations.unicode);
    expect(values.get('NOTE_EQUALS')).toBe('k=v==w');
    expect(currentEnvHash(spec, valueOfPicked(pickEnvValues(env, SELECTED)))).toBe(expectedEnvHash(spec, POD));
  });
});
