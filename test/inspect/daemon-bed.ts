// `kruised run` for the inspector tests, as the image puller runs on a node: the fake API server with
// the daemon's RBAC, the bed's containerd and registries, a pull secret for the htpasswd registry
// in the daemon's config namespace, and a NodeImage whose tags the test sets.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { authorizerFromRules, type FakeApiServer, kruiseDaemonRules, startFakeApiServer } from '../bed/apiserver/index.js';
import type { RuntimeBed } from '../bed/runtime-bed.js';
import { CLI, type CliResult, startCli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';
import { freePort } from './inspector-server.js';

export const NODE = 'node-a';
export const NODE_IMAGE = { apiVersion: 'apps.kruise.io/v1beta1', kind: 'NodeImage', name: NODE } as const;
export const PULL_SECRET = { namespace: 'kruise-daemon-config', name: 'registry-creds' } as const;

type NodeImageStatus = { succeeded?: number; failed?: number };

export interface InspectDaemonBed {
  readonly api: FakeApiServer;
  readonly dataDir: string;
  readonly logDir: string;
  /** Every form the pull secret's password takes: plain, in the basic-auth pair, the Secret's data. */
  readonly secretForms: readonly string[];
  start(extraArgs: readonly string[]): Promise<ReturnType<typeof startCli>>;
  /** Sets the NodeImage's tags: the private image through the pull secret, an open one, and one that does not exist. */
  pullThree(): void;
  /** Resolves when every tag has a terminal phase in the NodeImage status. */
  settled(count: number): Promise<void>;
  close(): Promise<void>;
}

export async function inspectDaemonBed(bed: RuntimeBed): Promise<InspectDaemonBed> {
  const api = await startFakeApiServer({ authorize: authorizerFromRules(kruiseDaemonRules) });
  const dataDir = await tempDir('kruised-inspect-daemon-');
  const kubeconfig = join(dataDir, 'kubeconfig');
  await writeFile(kubeconfig, api.kubeconfigYaml());
  const { username, password } = bed.auth;
  const basic = Buffer.from(`${username}:${password}`).toString('base64');
  const dockerConfig = Buffer.from(JSON.stringify({ auths: { [bed.authRegistry]: { username, password, auth: basic } } })).toString('base64');
  api.store.create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: PULL_SECRET,
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': dockerConfig },
  });
  api.store.create({ apiVersion: 'apps.kruise.io/v1beta1', kind: 'NodeImage', metadata: { name: NODE }, spec: {} });
  const tag = (t: string, backoffLimit: number) => ({ tag: t, version: 0, imagePullPolicy: 'Always', pullPolicy: { backoffLimit, timeoutSeconds: 60 } });
  const split = (ref: string) => [ref.slice(0, ref.lastIndexOf(':')), ref.slice(ref.lastIndexOf(':') + 1)] as const;
  return {
    api,
    dataDir,
    logDir: join(dataDir, 'events'),
    secretForms: [password, basic, dockerConfig],
    async start(extraArgs) {
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
    pullThree() {
      const [privateName, privateTag] = split(bed.images.private);
      const [openName, openTag] = split(bed.images.busybox2);
      api.store.mutate(NODE_IMAGE, (ni) => {
        ni.spec = {
          images: {
            [privateName]: { pullSecrets: [PULL_SECRET], tags: [tag(privateTag, 0)] },
            [openName]: { tags: [tag(openTag, 0), tag('not-there', 1)] },
          },
        };
      });
    },
    async settled(count) {
      await api.store.waitFor(
        NODE_IMAGE,
        (o) => {
          const st = o?.status as NodeImageStatus | undefined;
          return (st?.succeeded ?? 0) + (st?.failed ?? 0) === count;
        },
        90_000,
      );
    },
    close: () => api.close(),
  };
}

/** The CLI with its stdin a pipe fed `input` (then closed): `kruised replay --step` reads it. */
export function runCliWithInput(args: readonly string[], input: string): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  child.stdin.end(input);
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

/** `kruised inspect …` started; resolves with its page's URL once it prints it. */
export async function inspectCli(args: readonly string[]): Promise<{ url: string; cli: ReturnType<typeof startCli> }> {
  const cli = startCli(['inspect', ...args, '--port', '0']);
  let out = '';
  cli.child.stdout!.on('data', (c) => (out += c));
  for (let i = 0; i < 400 && !/http:\/\/127\.0\.0\.1:\d+\//.test(out); i += 1) {
    if (cli.child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  const url = /http:\/\/127\.0\.0\.1:\d+\//.exec(out)?.[0];
  if (!url) throw new Error(`kruised inspect printed no URL: ${out} ${(await cli.done).stderr}`);
  return { url, cli };
}
