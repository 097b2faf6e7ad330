// A container's environment without exec where the runtime can give it (kruise #2136: `env` is
// missing from distroless and Windows images, and exec is slow under load).
//
// 1. CRI ContainerStatus with `verbose: true`. containerd answers with `info.info`, a JSON
//    document whose `runtimeSpec` is the container's OCI runtime spec; `runtimeSpec.process.env`
//    is the `NAME=value` list the container's process was started with, which is what an exec'd
//    `env` prints (it can add HOME, which runc sets when the spec has none). Checked on
//    containerd 1.6 (test/adapters/cri/container-env.int.test.ts). Whether CRI-O answers with the
//    same key and shape is **[unverified]**; a runtime that does not gets the exec path.
//    A caller that already made the verbose call (a pod sync reads every container's status
//    anyway) passes its response in, and no extra call is made.
// 2. Only when that gives no env: ExecSync of the platform's env commands (adapters/platform/
//    env-read.ts: `env -0` then `env` on Linux, `cmd /c set` on Windows), each with upstream's
//    3 s timeout, until one exits 0.
// The result says which path answered and carries the environment as plain JSON (GoText strings,
// machines/container-meta/go-strings.ts), for machines/container-meta/container-environment.ts to
// read. It holds the whole environment, secrets included: cut it down (pickEnvValues) before it is
// logged or recorded.
//
// Errors: a failing ContainerStatus rejects with its CriError (a container that is gone is the
// caller's business); exec failures are the `unavailable` result (upstream logs them, keeps the
// hash at 0 and tries again in 3 s); an abort rejects with the signal's reason.
import { decodeEnvOutput, envReadCommands, type EnvOutputFormat } from '../platform/env-read.js';
import type { ExecShaping, PlatformOs } from '../platform/types.js';
import type { ContainerManager } from './client.js';
import { CriError } from './errors.js';
import type { ContainerStatusResponse, StringMap } from './types.js';

/** Upstream's ExecSync timeout for `env` (wrapEnvGetter), in seconds. */
export const ENV_EXEC_TIMEOUT_SECONDS = 3;

export type ContainerEnvironment =
  | {
      readonly source: 'runtime-spec';
      /** `runtimeSpec.process.env`, in order. */
      readonly entries: readonly string[];
      readonly caseInsensitiveNames: boolean;
    }
  | {
      readonly source: 'exec';
      readonly command: readonly string[];
      readonly output: EnvOutputFormat;
      /** The command's stdout as GoText. */
      readonly stdout: string;
      readonly caseInsensitiveNames: boolean;
      /** Why the runtime spec did not answer. */
      readonly specMissing: string;
    }
  | {
      readonly source: 'unavailable';
      /** One line for logs: why neither path answered. */
      readonly reason: string;
      readonly specMissing: string;
      readonly attempts: readonly ExecAttempt[];
    };

export interface ExecAttempt {
  readonly command: readonly string[];
  /** The exit code when the command ran. */
  readonly exitCode?: number;
  /** The CRI error (type and message) when it did not. */
  readonly error?: string;
}

export interface ContainerEnvOptions {
  /** The platform profile's OS and exec shaping: which commands, and whether names ignore case. */
  readonly platform: { readonly os: PlatformOs; readonly exec: Pick<ExecShaping, 'envCommand' | 'envNamesCaseInsensitive'> };
  /** A verbose ContainerStatus answer already in hand; without it one is made. */
  readonly status?: ContainerStatusResponse;
  /** Per exec, default 3 (upstream's). */
  readonly execTimeoutSeconds?: number;
}

export type EnvCri = Pick<ContainerManager, 'containerStatus' | 'execSync'>;

/** `runtimeSpec.process.env` from a verbose ContainerStatus `info` map, or why it is not there. */
export function runtimeSpecEnv(info: StringMap | undefined): { readonly env: readonly string[] } | { readonly missing: string } {
  const raw = info?.info;
  if (raw === undefined || raw === '') return { missing: 'the runtime returned no info.info with the verbose ContainerStatus' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    return { missing: `info.info is not JSON: ${(error as Error).message}` };
  }
  const env = (parsed as { runtimeSpec?: { process?: { env?: unknown } } } | null)?.runtimeSpec?.process?.env;
  if (env === undefined || env === null) return { missing: 'info.info has no runtimeSpec.process.env' };
  if (!Array.isArray(env) || !env.every((e) => typeof e === 'string')) return { missing: 'runtimeSpec.process.env is not a list of strings' };
  // JSON.parse is not Go's decoder: a lone surrogate escape is U+FFFD to Go (go-strings.ts)
  return { env: env.map((e: string) => e.toWellFormed()) };
}

/** Reads the environment of container `containerId` (see the file comment). */
export async function readContainerEnvironment(
  cri: EnvCri,
  signal: AbortSignal | undefined,
  containerId: string,
  options: ContainerEnvOptions,
): Promise<ContainerEnvironment> {
  const caseInsensitiveNames = options.platform.exec.envNamesCaseInsensitive;
  const status = options.status ?? (await cri.containerStatus(signal, { container_id: containerId, verbose: true }));
  const spec = runtimeSpecEnv(status.info);
  if ('env' in spec) return { source: 'runtime-spec', entries: spec.env, caseInsensitiveNames };

  const attempts: ExecAttempt[] = [];
  const timeout = options.execTimeoutSeconds ?? ENV_EXEC_TIMEOUT_SECONDS;
  for (const command of envReadCommands(options.platform)) {
    try {
      const answer = await cri.execSync(signal, { container_id: containerId, cmd: [...command.argv], timeout });
      if (answer.exit_code === 0) {
        const stdout = decodeEnvOutput(answer.stdout, options.platform.os);
        return { source: 'exec', command: command.argv, output: command.output, stdout, caseInsensitiveNames, specMissing: spec.missing };
      }
      attempts.push({ command: command.argv, exitCode: answer.exit_code });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (!(error instanceof CriError)) throw error;
      attempts.push({ command: command.argv, error: `${error.type}: ${error.message}` });
      // The runtime could not run this command (UNKNOWN: e.g. "executable file not found"): the
      // next one may still run. Anything else (deadline, runtime gone, container gone) would
      // fail the next command the same way.
      if (error.type !== 'cri.unknown') break;
    }
  }
  const tried = attempts.map((a) => `${a.command.join(' ')}: ${a.error ?? `exit code ${a.exitCode}`}`).join('; ');
  return { source: 'unavailable', reason: `${spec.missing}, and exec found no environment (${tried})`, specMissing: spec.missing, attempts };
}
