// A preStop hook run the way upstream's daemon runs it: through kubelet's lifecycle handler runner
// (k8s 1.32, which kruise-daemon links). What fails and how the failure reads:
// * exec: ExecSync with timeout 0 (no runtime deadline; the caller bounds it by the grace). A
//   non-zero exit is `command '<argv joined>' exited with <code>: <stderr>` (cri-client's text);
//   the exit code is worded by the platform when it has a name (NTSTATUS, signals).
// * httpGet: only with an explicit host. Upstream asks a CRI pod status that never carries IPs for
//   the pod IP, so a hook without host fails `failed to find networking container`. The request
//   itself is the lifecycle-HTTP adapter's (adapters/http-get: kubelet's URL, headers, redirects,
//   HTTPS-to-HTTP fallback); any answer counts as done, only a request that gets none fails.
// * anything else (tcpSocket, an empty handler): `invalid handler: <Go's rendering of the handler>`.
// The event message is kubelet's `... lifecycle hook (...) for Container "c" in Pod "p" failed -
// error: ...`, with the hook's output (stdout then stderr, CRLF normalised) quoted as Go's %q does.
// Nothing from the container's environment is read or logged here.
import type { ContainerManager } from '../../adapters/cri/index.js';
import { lifecycleHttp, userAgentFor, type LifecycleHttp } from '../../adapters/http-get/index.js';
import type { ExitCodes, OutputShaping } from '../../adapters/platform/index.js';
import type { ContainerPortSpec, PreStopHandler } from '../../machines/crr/types.js';
import { errorText, goQuote } from '../../machines/shared/index.js';

export type PreStopCri = Pick<ContainerManager, 'execSync'>;

export interface PreStopTarget {
  /** The runtime's own container ID (no scheme). */
  readonly containerId: string;
  readonly containerName: string;
  readonly ports: readonly ContainerPortSpec[];
  /** kubelet's format.Pod: `<name>_<namespace>(<uid>)`. */
  readonly podDesc: string;
}

export interface PreStopPlatform {
  readonly exitCodes: ExitCodes;
  readonly output: OutputShaping;
}

/** What a hook run ended with: its failure, if any, and the host of an HTTPS hook answered over HTTP after a retry. */
export interface PreStopResult {
  readonly failure?: HookFailure;
  readonly httpFallback?: string;
}

export interface HookFailure {
  /** The error alone (kill.preStopFinished's `error`). */
  readonly error: string;
  /** kubelet's FailedPreStopHook message. */
  readonly eventMessage: string;
}

/** kubelet's lifecycle requests send this agent (the version part is the k8s minor kruise links). */
export const LIFECYCLE_USER_AGENT = userAgentFor('lifecycle');

/** Go's %v of a []string. */
const goList = (items: readonly string[]): string => `[${items.join(' ')}]`;

/** Go's %v of an intstr.IntOrString value: `{type intVal strVal}`. */
const goIntOrString = (port: number | string): string => (typeof port === 'number' ? `{0 ${port} }` : `{1 0 ${port}}`);

/** The generated String() of a core/v1 LifecycleHandler that has neither exec nor httpGet. */
function goHandler(handler: PreStopHandler): string {
  const tcp = handler.tcpSocket ? `&TCPSocketAction{Port:${goIntOrString(handler.tcpSocket.port)},Host:${handler.tcpSocket.host ?? ''},}` : 'nil';
  return `&LifecycleHandler{Exec:nil,HTTPGet:nil,TCPSocket:${tcp},Sleep:nil,}`;
}

/** "command 'sh -c x' exited with 3": the number as cri-client prints it, plus the platform's name when it has one. */
export function exitedWith(exitCodes: ExitCodes, code: number): string {
  const named = exitCodes.describe(code).name !== undefined;
  return named ? exitCodes.message(code).replace(/^exit code /, '') : String(code);
}

/** kubelet's FailedPreStopHook text for a hook that ran (exec carries its output, HTTP does not). */
export function hookFailure(handler: PreStopHandler, target: PreStopTarget, error: string, output = ''): HookFailure {
  const where = `for Container ${goQuote(target.containerName)} in Pod ${goQuote(target.podDesc)} failed - error: ${error}`;
  if (handler.exec) return { error, eventMessage: `Exec lifecycle hook (${goList(handler.exec.command)}) ${where}, message: ${goQuote(output)}` };
  return { error, eventMessage: `HTTP lifecycle hook (${handler.httpGet?.path ?? ''}) ${where}` };
}

async function runExec(
  cri: PreStopCri,
  target: PreStopTarget,
  command: readonly string[],
  platform: PreStopPlatform,
  signal: AbortSignal,
): Promise<HookFailure | undefined> {
  const { output } = platform;
  let error: string;
  let text = '';
  try {
    const res = await cri.execSync(signal, { container_id: target.containerId, cmd: [...command], timeout: 0 });
    if (res.exit_code === 0) return undefined;
    text = output.decode(Buffer.concat([res.stdout, res.stderr]));
    error = `command '${command.join(' ')}' exited with ${exitedWith(platform.exitCodes, res.exit_code)}: ${output.message(output.decode(res.stderr))}`;
  } catch (e) {
    if (signal.aborted) throw e;
    error = errorText(e);
  }
  return hookFailure({ exec: { command } }, target, error, output.message(text));
}

async function runHttpGet(
  http: LifecycleHttp,
  target: PreStopTarget,
  action: NonNullable<PreStopHandler['httpGet']>,
  signal: AbortSignal,
): Promise<PreStopResult> {
  if (!action.host) {
    return { failure: hookFailure({ httpGet: action }, target, `failed to find networking container: the CRI pod status of ${target.podDesc} carries no IPs`) };
  }
  try {
    const { fellBackToHttp } = await http.run(action, { host: action.host, ports: target.ports }, signal);
    return fellBackToHttp === undefined ? {} : { httpFallback: fellBackToHttp };
  } catch (error) {
    if (signal.aborted) throw error;
    return { failure: hookFailure({ httpGet: action }, target, errorText(error)) };
  }
}

/**
 * Runs the hook; resolves with its failure (none when it succeeded). Rejects only when `signal`
 * aborts (the caller's grace ran out or the effect was stopped). `http` defaults to the real
 * lifecycle-HTTP adapter.
 */
export async function runPreStop(
  cri: PreStopCri,
  target: PreStopTarget,
  handler: PreStopHandler,
  platform: PreStopPlatform,
  signal: AbortSignal,
  http: LifecycleHttp = lifecycleHttp(),
): Promise<PreStopResult> {
  if (handler.exec) {
    const failure = await runExec(cri, target, handler.exec.command, platform, signal);
    return failure === undefined ? {} : { failure };
  }
  if (handler.httpGet) return runHttpGet(http, target, handler.httpGet, signal);
  const error = `invalid handler: ${goHandler(handler)}`;
  return { failure: { error, eventMessage: `Cannot run handler: ${error}` } };
}
