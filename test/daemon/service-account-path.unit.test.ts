// Where the daemon reads its service-account token (daemon/cluster.ts serviceAccountPrefix with
// the platform profiles): a Windows HostProcess pod in bind mode (containerd >= 1.7: volumes at
// their mountPath on the system drive) and in the older symlink mode (volumes under
// %CONTAINER_SANDBOX_MOUNT_POINT%), a Linux pod, and a kubeconfig that makes the question moot.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inClusterAuth, SERVICE_ACCOUNT_DIR } from '../../adapters/kube/index.js';
import { platformProfile } from '../../adapters/platform/index.js';
import { serviceAccountPrefix } from '../../daemon/cluster.js';

const IN_POD = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' };
const windows = (env: Record<string, string>) => platformProfile('windows', { env });
const only = (file: string) => (f: string) => f === file;

describe('the service-account files a Windows HostProcess pod reads', () => {
  const BIND_TOKEN = 'C:\\var\\run\\secrets\\kubernetes.io\\serviceaccount\\token';
  const SANDBOX = 'C:\\C\\0f3c9a51d2e4\\';
  const SYMLINK_TOKEN = 'C:\\C\\0f3c9a51d2e4\\var\\run\\secrets\\kubernetes.io\\serviceaccount\\token';

  it('in bind mode are on the system drive (CONTAINER_SANDBOX_MOUNT_POINT is still set, to C:\\hpc\\)', async () => {
    const env = { ...IN_POD, CONTAINER_SANDBOX_MOUNT_POINT: 'C:\\hpc\\', SystemDrive: 'C:' };
    const found = await serviceAccountPrefix({ kubeconfig: '' }, windows(env), env, only(BIND_TOKEN));
    expect(found).toMatchObject({ prefix: 'C:', tokenFile: BIND_TOKEN });
  });

  it('in symlink mode are under %CONTAINER_SANDBOX_MOUNT_POINT%, its trailing separator dropped from the prefix', async () => {
    const env = { ...IN_POD, CONTAINER_SANDBOX_MOUNT_POINT: SANDBOX };
    const found = await serviceAccountPrefix({ kubeconfig: '' }, windows(env), env, only(SYMLINK_TOKEN));
    expect(found).toMatchObject({ prefix: 'C:\\C\\0f3c9a51d2e4', tokenFile: SYMLINK_TOKEN });
    expect(found!.why).toMatch(/symlink mode/);
  });

  it('that hold no token anywhere make a clear error naming both places', async () => {
    const env = { ...IN_POD, CONTAINER_SANDBOX_MOUNT_POINT: SANDBOX };
    await expect(serviceAccountPrefix({ kubeconfig: '' }, windows(env), env, () => false)).rejects.toThrow(
      `no service-account token at ${BIND_TOKEN} (HostProcess bind mode`,
    );
    await expect(serviceAccountPrefix({ kubeconfig: '' }, windows(env), env, () => false)).rejects.toThrow(SYMLINK_TOKEN);
  });

  it('are not looked for with --kubeconfig, with $KUBECONFIG, or outside a pod', async () => {
    const env = { ...IN_POD, CONTAINER_SANDBOX_MOUNT_POINT: SANDBOX };
    const never = () => expect.unreachable('no file should be probed');
    expect(await serviceAccountPrefix({ kubeconfig: 'C:\\k\\config' }, windows(env), env, never)).toBeUndefined();
    expect(await serviceAccountPrefix({ kubeconfig: '' }, windows(env), { ...env, KUBECONFIG: 'C:\\k\\config' }, never)).toBeUndefined();
    expect(await serviceAccountPrefix({ kubeconfig: '' }, windows({}), {}, never)).toBeUndefined();
  });
});

describe('the service-account prefix on Linux, and what the client does with a prefix', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sa-prefix-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is empty for the projected volume on Linux', async () => {
    const found = await serviceAccountPrefix({ kubeconfig: '' }, platformProfile('linux'), IN_POD, only(`${SERVICE_ACCOUNT_DIR}/token`));
    expect(found).toMatchObject({ prefix: '', tokenFile: `${SERVICE_ACCOUNT_DIR}/token` });
  });

  it('is where the in-cluster client reads the token it sends', async () => {
    mkdirSync(join(dir, SERVICE_ACCOUNT_DIR), { recursive: true });
    writeFileSync(join(dir, SERVICE_ACCOUNT_DIR, 'token'), 'token-under-the-prefix\n');
    const auth = inClusterAuth({ prefix: dir, env: IN_POD, server: 'http://127.0.0.1:1' });
    const opts: RequestOptions = {};
    await auth.applyToHTTPSOptions(opts);
    expect(opts.headers).toEqual({ Authorization: 'Bearer token-under-the-prefix' });
  });
});
