// The SIMULATED CRI runtime (a test double, not containerd) through the REAL CRI client over a
// real unix socket: version, images with and without auth, sandboxes and containers, exec, stop
// semantics on the linux and windows profiles, and injected errors.
import { status as Status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CriError, createCriClient, type CriClient } from '../../../adapters/cri/index.js';
import { startCriDouble, WINDOWS_STOP_EXIT_CODE, type CriDouble } from './index.js';

const ID1 = `sha256:${'1'.repeat(64)}`;
const ID2 = `sha256:${'2'.repeat(64)}`;
const IMAGES = {
  'busybox:1': { id: ID1, sizeBytes: 2_000_000 },
  'registry.local/private:1': { id: ID2, sizeBytes: 1_000_000, requiresAuth: { username: 'alice', password: 's3cret' } },
};

const sandboxConfig = (name: string) => ({
  metadata: { name, uid: `uid-${name}`, namespace: 'default' },
  labels: { app: name },
  linux: { security_context: { namespace_options: { network: 'NODE' as const } } },
});

async function rejection(p: Promise<unknown>): Promise<CriError> {
  const e = await p.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(e instanceof CriError)) throw new Error(`expected a CriError, got ${String(e)}`);
  return e;
}

describe('the simulated CRI runtime on the linux profile, through the real CRI client', () => {
  let double: CriDouble;
  let cri: CriClient;
  beforeAll(async () => {
    double = await startCriDouble({ platform: 'linux', images: IMAGES });
    cri = createCriClient({ endpoint: double.endpoint, platform: 'linux' });
  });
  afterAll(async () => {
    cri?.close();
    await double?.close();
  });

  async function runContainer(name: string, command: string[], envs: { key: string; value: string }[] = []): Promise<string> {
    await cri.pullImage(undefined, { image: { image: 'busybox:1' } });
    const { pod_sandbox_id } = await cri.runPodSandbox(undefined, { config: sandboxConfig(name) });
    const { container_id } = await cri.createContainer(undefined, {
      pod_sandbox_id,
      config: { metadata: { name }, image: { image: 'busybox:1' }, command, envs, labels: { c: name }, annotations: { note: 'kept' } },
    });
    await cri.startContainer(undefined, { container_id });
    return container_id;
  }

  it('answers Version as simulated-cri, never as containerd, with runtime API v1', async () => {
    const v = await cri.version(undefined);
    expect(v.runtime_name).toBe('simulated-cri');
    expect(v.runtime_api_version).toBe('v1');
    const fs = (await cri.imageFsInfo(undefined)).image_filesystems;
    expect(fs).toHaveLength(1);
    expect(BigInt(fs[0]!.used_bytes!.value)).toBeGreaterThan(0n);
  });

  it('pulls a familiar name under its normalised reference and lists it, and reports an unknown image as not found', async () => {
    expect(await cri.imageStatus(undefined, { image: { image: 'docker.io/library/busybox:1' } })).toMatchObject({ image: null });
    const { image_ref } = await cri.pullImage(undefined, { image: { image: 'busybox:1' } });
    expect(image_ref).toBe(ID1);
    const status = (await cri.imageStatus(undefined, { image: { image: 'docker.io/library/busybox:1' } })).image;
    expect(status).toMatchObject({ id: ID1, repo_tags: ['docker.io/library/busybox:1'], size: '2000000' });
    expect(status!.repo_digests[0]).toMatch(/^docker\.io\/library\/busybox@sha256:[0-9a-f]{64}$/);
    expect((await cri.listImages(undefined)).images.map((i) => i.id)).toContain(ID1);

    const missing = await rejection(cri.pullImage(undefined, { image: { image: 'nope:9' } }));
    expect(missing.code).toBe(Status.UNKNOWN);
    expect(missing.details).toMatch(/^failed to pull and unpack image "docker\.io\/library\/nope:9".*not found$/);
  });

  it('refuses a private image without credentials as 401 Unauthorized (cri.unauthenticated), pulls it with them, and redacts the password in its call log', async () => {
    const refused = await rejection(cri.pullImage(undefined, { image: { image: 'registry.local/private:1' }, auth: { username: 'alice', password: 'wrong' } }));
    expect(refused.type).toBe('cri.unauthenticated');
    expect(refused.details).toContain('401 Unauthorized');
    expect((await cri.pullImage(undefined, { image: { image: 'registry.local/private:1' }, auth: { username: 'alice', password: 's3cret' } })).image_ref).toBe(
      ID2,
    );
    const auth = Buffer.from('alice:s3cret').toString('base64');
    expect((await cri.pullImage(undefined, { image: { image: 'registry.local/private:1' }, auth: { auth } })).image_ref).toBe(ID2);
    const logged = JSON.stringify(double.calls.filter((c) => c.method === 'PullImage'));
    expect(logged).not.toContain('s3cret');
    expect(logged).not.toContain(auth);
    expect(logged).toContain('<redacted>');
  });

  it('runs a sandbox and a container, lists and filters them, and reports the container status with labels, annotations and image', async () => {
    const id = await runContainer('web', ['sleep', '3600'], [{ key: 'GREETING', value: 'hi' }]);
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const status = (await cri.containerStatus(undefined, { container_id: id })).status!;
    expect(status).toMatchObject({
      state: 'CONTAINER_RUNNING',
      exit_code: 0,
      labels: { c: 'web' },
      annotations: { note: 'kept' },
      image: { image: 'docker.io/library/busybox:1' },
    });
    expect(status.image_ref).toMatch(/^docker\.io\/library\/busybox@sha256:/);
    expect(BigInt(status.started_at)).toBeGreaterThanOrEqual(BigInt(status.created_at));
    const sandboxId = (await cri.listPodSandbox(undefined, { filter: { label_selector: { app: 'web' } } })).items.map((s) => s.id);
    expect(sandboxId).toHaveLength(1);
    expect((await cri.listContainers(undefined, { filter: { pod_sandbox_id: sandboxId[0] } })).containers.map((c) => c.id)).toEqual([id]);
    expect((await cri.listContainers(undefined, { filter: { state: { state: 'CONTAINER_EXITED' }, label_selector: { c: 'web' } } })).containers).toEqual([]);
    expect((await cri.podSandboxStatus(undefined, { pod_sandbox_id: sandboxId[0]! })).status?.state).toBe('SANDBOX_READY');
  });

  it('execs echo, env, an exit code, cat of a set file and an unknown command, and refuses exec in an exited container like containerd', async () => {
    const id = await runContainer('exec', ['sleep', '3600'], [{ key: 'GREETING', value: 'hi' }]);
    const exec = (cmd: string[]) => cri.execSync(undefined, { container_id: id, cmd, timeout: 5 });
    expect((await exec(['echo', 'hello', 'world'])).stdout.toString()).toBe('hello world\n');
    expect((await exec(['env'])).stdout.toString()).toContain('GREETING=hi\n');
    expect((await exec(['sh', '-c', 'exit 3'])).exit_code).toBe(3);
    double.state.containers.get(id)!.files.set('/etc/msg', 'from the map');
    expect((await exec(['cat', '/etc/msg'])).stdout.toString()).toBe('from the map');
    const unknown = await exec(['frobnicate']);
    expect([unknown.exit_code, unknown.stderr.toString()]).toEqual([127, 'sh: frobnicate: not found\n']);
    const slow = await rejection(cri.execSync(undefined, { container_id: id, cmd: ['sleep', '5'], timeout: 1 }));
    expect(slow.type).toBe('cri.deadlineExceeded');

    await cri.stopContainer(undefined, { container_id: id, timeout: 0 });
    const refused = await rejection(exec(['echo', 'x']));
    expect(refused.details).toBe('container is in CONTAINER_EXITED state');
  });

  it('stops a TERM-ignoring container only after its grace period, with exit 137, and an ordinary one at once with exit 143', async () => {
    const stubborn = await runContainer('stubborn', ['sh', '-c', 'trap "" TERM; sleep 3600']);
    let t0 = Date.now();
    await cri.stopContainer(undefined, { container_id: stubborn, timeout: 2 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1900);
    expect((await cri.containerStatus(undefined, { container_id: stubborn })).status).toMatchObject({
      state: 'CONTAINER_EXITED',
      exit_code: 137,
      reason: 'Error',
    });

    const polite = await runContainer('polite', ['sleep', '3600']);
    t0 = Date.now();
    await cri.stopContainer(undefined, { container_id: polite, timeout: 30 });
    expect(Date.now() - t0).toBeLessThan(30_000); // bound by the 30 s grace the test gives, which it did not wait for
    const status = (await cri.containerStatus(undefined, { container_id: polite })).status!;
    expect(status).toMatchObject({ state: 'CONTAINER_EXITED', exit_code: 143 });
    expect(BigInt(status.finished_at)).toBeGreaterThanOrEqual(BigInt(status.started_at));
  });

  it('lets `sleep 1` end by itself with exit 0 (Completed) and `sh -c "exit 4"` at once with exit 4 (Error)', async () => {
    const failer = await runContainer('failer', ['sh', '-c', 'exit 4']);
    const sleeper = await runContainer('sleeper', ['sleep', '1']);
    // Read right after its start (the second of `sleep 1` is not spent on setting up the other one).
    expect((await cri.containerStatus(undefined, { container_id: sleeper })).status?.state).toBe('CONTAINER_RUNNING');
    expect((await cri.containerStatus(undefined, { container_id: failer })).status).toMatchObject({ state: 'CONTAINER_EXITED', exit_code: 4, reason: 'Error' });
    let status = (await cri.containerStatus(undefined, { container_id: sleeper })).status;
    for (const deadline = Date.now() + 10_000; status?.state === 'CONTAINER_RUNNING' && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      status = (await cri.containerStatus(undefined, { container_id: sleeper })).status;
    }
    expect(status).toMatchObject({ state: 'CONTAINER_EXITED', exit_code: 0, reason: 'Completed' });
  });

  it('refuses a container whose image is not present as not found, and answers a missing container as not found', async () => {
    const { pod_sandbox_id } = await cri.runPodSandbox(undefined, { config: sandboxConfig('noimage') });
    const refused = await rejection(
      cri.createContainer(undefined, { pod_sandbox_id, config: { metadata: { name: 'x' }, image: { image: 'registry.local/absent:1' } } }),
    );
    expect(refused.type).toBe('cri.notFound');
    expect((await rejection(cri.containerStatus(undefined, { container_id: 'f'.repeat(64) }))).type).toBe('cri.notFound');
  });

  it('fails the next calls of a method with an injected gRPC status, then answers normally again', async () => {
    double.injectError('Version', Status.UNAVAILABLE, 'simulated outage', 2);
    expect((await rejection(cri.version(undefined))).type).toBe('cri.unavailable');
    expect((await rejection(cri.version(undefined))).details).toBe('simulated outage');
    expect((await cri.version(undefined)).runtime_name).toBe('simulated-cri');
  });
});

describe('the simulated CRI runtime on the windows profile', () => {
  let double: CriDouble;
  let cri: CriClient;
  beforeAll(async () => {
    double = await startCriDouble({ platform: 'windows', images: { 'mcr.microsoft.com/windows/nanoserver:ltsc2022': { id: ID1, sizeBytes: 120_000_000 } } });
    cri = createCriClient({ endpoint: double.endpoint, platform: 'linux' });
  });
  afterAll(async () => {
    cri?.close();
    await double?.close();
  });

  it('stops a container with the NTSTATUS exit code -1073741510 (0xC000013A) and answers exec with CRLF line ends', async () => {
    const image = 'mcr.microsoft.com/windows/nanoserver:ltsc2022';
    await cri.pullImage(undefined, { image: { image } });
    const { pod_sandbox_id } = await cri.runPodSandbox(undefined, { config: { metadata: { name: 'win', uid: 'uid-win', namespace: 'default' } } });
    const { container_id } = await cri.createContainer(undefined, {
      pod_sandbox_id,
      config: { metadata: { name: 'win' }, image: { image }, command: ['cmd', '/c', 'ping -t localhost'], envs: [{ key: 'A', value: '1' }] },
    });
    await cri.startContainer(undefined, { container_id });

    expect((await cri.execSync(undefined, { container_id, cmd: ['cmd', '/c', 'echo', 'hello'], timeout: 5 })).stdout.toString()).toBe('hello\r\n');
    expect((await cri.execSync(undefined, { container_id, cmd: ['cmd', '/c', 'set'], timeout: 5 })).stdout.toString()).toContain('A=1\r\n');
    expect((await cri.execSync(undefined, { container_id, cmd: ['cmd', '/c', 'exit', '5'], timeout: 5 })).exit_code).toBe(5);
    const unknown = await cri.execSync(undefined, { container_id, cmd: ['cmd', '/c', 'frob'], timeout: 5 });
    expect(unknown.exit_code).toBe(1);
    expect(unknown.stderr.toString()).toContain("'frob' is not recognized as an internal or external command");

    await cri.stopContainer(undefined, { container_id, timeout: 10 });
    const status = (await cri.containerStatus(undefined, { container_id })).status!;
    expect(status.exit_code).toBe(-1073741510);
    expect(status.exit_code).toBe(WINDOWS_STOP_EXIT_CODE);
    expect(status.exit_code >>> 0).toBe(0xc000013a);
  });
});
