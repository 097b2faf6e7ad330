// The CRI client against the bed's real containerd: every call the contract lists (§2.3), the
// calls a kubelet simulator needs, deadlines, cancellation and the error vocabulary.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCriClient, CriError, type CriClient } from '../../../adapters/cri/index.js';
import { runtimeBed, runtimeBedSkipReason } from '../../bed/runtime-bed.js';
import { removeSimPod, runSimPod, startSimContainer, type SimPod } from './support/kubelet-sim.js';

const bed = runtimeBed();

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

describe.skipIf(bed === undefined)(`the CRI client against a real containerd ${runtimeBedSkipReason()}`.trim(), () => {
  let cri: CriClient;

  beforeAll(() => {
    cri = createCriClient({ endpoint: bed!.endpoint, platform: 'linux' });
  });
  afterAll(() => cri.close());

  it('reads the runtime name and CRI API version from Version', async () => {
    const v = await cri.version(undefined);
    expect(v).toMatchObject({ runtime_name: 'containerd', runtime_api_version: 'v1', version: '0.1.0' });
    expect(v.runtime_version).not.toBe('');
  });

  it('reports the image filesystem with its mountpoint and a byte count as a decimal string', async () => {
    const { image_filesystems } = await cri.imageFsInfo(undefined);
    expect(image_filesystems.length).toBeGreaterThan(0);
    const fs = image_filesystems[0]!;
    expect(fs.fs_id?.mountpoint).toMatch(/^\//);
    expect(fs.used_bytes?.value).toMatch(/^\d+$/);
    expect(fs.timestamp).toMatch(/^\d{18,}$/);
  });

  describe('images', () => {
    it('pulls an image from an open registry and then finds it with ImageStatus and ListImages', async () => {
      const { image_ref } = await cri.pullImage(undefined, { image: { image: bed!.images.busybox } });
      expect(image_ref).toMatch(/^sha256:[0-9a-f]{64}$/);
      const { image } = await cri.imageStatus(undefined, { image: { image: bed!.images.busybox } });
      expect(image).toMatchObject({ id: image_ref });
      expect(image!.repo_tags).toContain(bed!.images.busybox);
      expect(Number(image!.size)).toBeGreaterThan(0);
      const listed = (await cri.listImages(undefined)).images.find((i) => i.id === image_ref);
      expect(listed?.repo_digests.some((d) => d.includes('@sha256:'))).toBe(true);
    });

    it('fails a private pull without credentials as unauthenticated and terminal', async () => {
      const error = await rejection(cri.pullImage(undefined, { image: { image: bed!.images.private } }));
      expect(error).toBeInstanceOf(CriError);
      expect(error).toMatchObject({ type: 'cri.unauthenticated', retryable: false, code: 2, method: 'PullImage' });
      expect((error as CriError).details).toMatch(/401/);
      expect((error as CriError).message).toMatch(/^rpc error: code = Unknown desc = /);
    });

    it('pulls the private image with username and password, and RemoveImage makes it unknown again', async () => {
      const { image_ref } = await cri.pullImage(undefined, { image: { image: bed!.images.private }, auth: { ...bed!.auth } });
      expect(image_ref).toMatch(/^sha256:/);
      expect((await cri.imageStatus(undefined, { image: { image: bed!.images.private } })).image?.id).toBe(image_ref);
      await cri.removeImage(undefined, { image: { image: image_ref } });
      expect((await cri.imageStatus(undefined, { image: { image: bed!.images.private } })).image).toBeNull();
    });

    it('answers a missing tag with notFound', async () => {
      const error = await rejection(cri.pullImage(undefined, { image: { image: `${bed!.registry}/busybox:no-such-tag` } }));
      expect(error).toMatchObject({ type: 'cri.notFound', retryable: false });
    });
  });

  describe('a pod with a running busybox container', () => {
    let pod: SimPod;
    let id: string;

    beforeAll(async () => {
      await cri.pullImage(undefined, { image: { image: bed!.images.busybox } });
      pod = await runSimPod(cri, bed!.podNetwork);
      id = await startSimContainer(cri, pod, 'main', bed!.images.busybox, ['sleep', '3600']);
    });
    afterAll(async () => {
      if (pod !== undefined) await removeSimPod(cri, pod);
    });

    it('shows the sandbox as ready in PodSandboxStatus and ListPodSandbox', async () => {
      const { status } = await cri.podSandboxStatus(undefined, { pod_sandbox_id: pod.sandboxId });
      expect(status).toMatchObject({ id: pod.sandboxId, state: 'SANDBOX_READY', metadata: { uid: pod.uid } });
      const { items } = await cri.listPodSandbox(undefined, { filter: { label_selector: { 'io.kubernetes.pod.uid': pod.uid } } });
      expect(items.map((p) => p.id)).toEqual([pod.sandboxId]);
    });

    it('lists the container by pod UID label with kubelet labels and annotations intact', async () => {
      const { containers } = await cri.listContainers(undefined, { filter: { label_selector: { 'io.kubernetes.pod.uid': pod.uid } } });
      expect(containers).toHaveLength(1);
      expect(containers[0]).toMatchObject({
        id,
        pod_sandbox_id: pod.sandboxId,
        state: 'CONTAINER_RUNNING',
        metadata: { name: 'main', attempt: 0 },
        labels: { 'io.kubernetes.container.name': 'main' },
        annotations: { 'io.kubernetes.container.hash': 'a1b2c3d4', 'io.kubernetes.container.restartCount': '0' },
      });
    });

    it('reports a running status with nanosecond timestamps kept exact as strings', async () => {
      const { status } = await cri.containerStatus(undefined, { container_id: id });
      expect(status).toMatchObject({ id, state: 'CONTAINER_RUNNING', exit_code: 0, finished_at: '0' });
      expect(status!.created_at).toMatch(/^\d{19}$/);
      expect(BigInt(status!.started_at)).toBeGreaterThanOrEqual(BigInt(status!.created_at));
    });

    it('runs a command with ExecSync and returns its stdout', async () => {
      const r = await cri.execSync(undefined, { container_id: id, cmd: ['echo', 'hi'], timeout: 10 });
      expect(r.exit_code).toBe(0);
      expect(r.stdout.toString('utf8')).toBe('hi\n');
      expect(r.stderr.length).toBe(0);
    });

    it("returns a failing command's exit code as data, not as an error", async () => {
      const r = await cri.execSync(undefined, { container_id: id, cmd: ['sh', '-c', 'echo oops >&2; exit 3'], timeout: 0 });
      expect(r.exit_code).toBe(3);
      expect(r.stderr.toString('utf8')).toBe('oops\n');
    });

    it('gives up on a call whose deadline passes with deadlineExceeded, which is retryable', async () => {
      const started = Date.now();
      const error = await rejection(cri.execSync(undefined, { container_id: id, cmd: ['sleep', '30'] }, { timeoutMs: 300 }));
      // The client's DEADLINE_EXCEEDED, or containerd's UNKNOWN "context deadline exceeded" if it answers first.
      expect(error).toMatchObject({ type: 'cri.deadlineExceeded', retryable: true });
      // Bound by what the test controls: the command sleeps 30 s, and the call did not wait for it.
      expect(Date.now() - started).toBeLessThan(30_000);
    });

    it('cancels an exec without a deadline when the caller aborts, rejecting with the abort reason', async () => {
      const controller = new AbortController();
      const reason = new Error('stop waiting');
      setTimeout(() => controller.abort(reason), 200);
      const started = Date.now();
      expect(await rejection(cri.execSync(controller.signal, { container_id: id, cmd: ['sleep', '30'], timeout: 0 }))).toBe(reason);
      expect(Date.now() - started).toBeLessThan(30_000); // the command's 30 s, which the call did not wait for
    });

    it('rejects at once, without calling, when the signal is already aborted', async () => {
      const error = await rejection(cri.version(AbortSignal.abort()));
      expect(error).toBeInstanceOf(DOMException);
      expect((error as DOMException).name).toBe('AbortError');
    });

    it('answers an unknown container with notFound', async () => {
      const error = await rejection(cri.containerStatus(undefined, { container_id: 'no-such-container' }));
      expect(error).toMatchObject({ type: 'cri.notFound', code: 5, method: 'ContainerStatus' });
    });

    it('honours the StopContainer grace for a container that ignores TERM, then kills it', async () => {
      const stubborn = await startSimContainer(cri, pod, 'stubborn', bed!.images.busybox, ['sh', '-c', 'trap "" TERM; while true; do sleep 1; done']);
      const grace = 2;
      const started = Date.now();
      await cri.stopContainer(undefined, { container_id: stubborn, timeout: grace });
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(grace * 1000 - 50);
      const { status } = await cri.containerStatus(undefined, { container_id: stubborn });
      expect(status).toMatchObject({ state: 'CONTAINER_EXITED', exit_code: 137 });
      await cri.removeContainer(undefined, { container_id: stubborn });
      await expect(cri.containerStatus(undefined, { container_id: stubborn })).rejects.toMatchObject({ type: 'cri.notFound' });
    });
  });
});
