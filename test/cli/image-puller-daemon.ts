// `kruised run` as the image-puller e2e tests start it: the fake API server with the daemon's
// RBAC, a kubeconfig for it, the bed's containerd, a data directory that outlives one daemon (so
// a restart recovers from the same log), and a wait for /healthz.
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { authorizerFromRules, kruiseDaemonRules, startFakeApiServer, type FakeApiServer } from '../bed/apiserver/index.js';
import type { RuntimeBed } from '../bed/runtime-bed.js';
import { startCli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';

export const NODE = 'node-a';
export const NODE_IMAGE = { apiVersion: 'apps.kruise.io/v1beta1', kind: 'NodeImage', name: NODE } as const;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface CliDaemonBed {
  readonly api: FakeApiServer;
  readonly dataDir: string;
  /** Starts `kruised run` on the shared data directory and resolves once /healthz answers 200. */
  start(extraArgs?: readonly string[]): Promise<ReturnType<typeof startCli>>;
  close(): Promise<void>;
}

export async function cliDaemonBed(bed: RuntimeBed): Promise<CliDaemonBed> {
  const api = await startFakeApiServer({ authorize: authorizerFromRules(kruiseDaemonRules) });
  const dataDir = await tempDir();
  const kubeconfig = join(dataDir, 'kubeconfig');
  await writeFile(kubeconfig, api.kubeconfigYaml());
  return {
    api,
    dataDir,
    async start(extraArgs = []) {
      const port = await freePort();
      const daemon = startCli(
        [
          'run',
          `--addr=127.0.0.1:${port}`,
          '--enable-pprof=false',
          `--data-dir=${dataDir}`,
          `--cri-endpoint=${bed.endpoint}`,
          `--kubeconfig=${kubeconfig}`,
          ...extraArgs,
        ],
        { NODE_NAME: NODE },
      );
      for (let i = 0; i < 1200; i += 1) {
        const health = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
        if (health?.status === 200) return daemon;
        if (daemon.child.exitCode !== null) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      daemon.child.kill('SIGKILL');
      throw new Error(`kruised run did not become healthy: ${(await daemon.done).stderr.slice(-2000)}`);
    },
    close: () => api.close(),
  };
}
