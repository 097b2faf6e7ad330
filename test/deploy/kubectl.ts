// The real kubectl (v1.32 with kustomize v5, preinstalled on these machines) run against a test's
// API server: its own kubeconfig file, its own discovery cache, no environment leaking in.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface KubectlResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Why kubectl cannot run here, or undefined. */
export function kubectlSkipReason(): string | undefined {
  const probe = spawnSync('kubectl', ['version', '--client', '-o', 'json'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return 'kubectl is not installed (the node machines ship v1.32 as /usr/bin/kubectl)';
  const minor = Number((JSON.parse(probe.stdout) as { clientVersion?: { minor?: string } }).clientVersion?.minor?.replace(/\D.*$/, ''));
  return minor >= 27 ? undefined : `kubectl 1.${minor} is too old (needs OpenAPI v3 support, 1.27 or later)`;
}

export interface Kubectl {
  readonly kubeconfig: string;
  run(args: readonly string[], options?: { cwd?: string; input?: string; timeoutMs?: number }): Promise<KubectlResult>;
  /** `sh -c` a command line that uses kubectl, with KUBECONFIG set (for README commands with pipes and heredocs). */
  shell(command: string, options?: { cwd?: string; timeoutMs?: number; env?: Record<string, string> }): Promise<KubectlResult>;
}

export function kubectlFor(kubeconfigYaml: string): Kubectl {
  const dir = mkdtempSync(join(tmpdir(), 'kubectl-'));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, kubeconfigYaml, { mode: 0o600 });
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, KUBECONFIG: kubeconfig, KUBECACHEDIR: join(dir, 'cache') };
  const exec = (file: string, args: readonly string[], options: { cwd?: string; input?: string; timeoutMs?: number; env?: Record<string, string> }) =>
    new Promise<KubectlResult>((resolve) => {
      const child = spawn(file, args, { cwd: options.cwd, env: { ...env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
      child.stdin.end(options.input ?? '');
    });
  return {
    kubeconfig,
    run: (args, options = {}) => exec('kubectl', args, options),
    shell: (command, options = {}) => exec('sh', ['-c', command], options),
  };
}
