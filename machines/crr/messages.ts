// Every text the crrPod machine writes into a CRR's status, in one place. Upstream's are verbatim
// (`openkruise/kruise pkg/daemon/containerrecreate/crr_daemon_controller.go`, contract §4.3); the
// ones marked "ours" exist only because kruised does something upstream does not.
import { goQuote } from '../shared/index.js';

/** containerRecreateStates[].message when the runtime has no container of that name. */
export const NOT_FOUND_ON_NODE = 'not found container on Node';

/** containerRecreateStates[].message when StopContainer (or the kill path) failed. */
export const killContainerError = (error: string): string => `kill container error: ${error}`;

/** status.message of a CRR completed because its runtime could not be chosen. */
export const runtimeNotFound = (inner: string): string => `failed to find runtime service: ${inner}`;

// The inner texts of runtimeNotFound, as upstream's newRuntimeManager words them.
export const noStatusContext = (container: string): string => `no statusContext or empty containerID in ${container} container`;
export const unparsableContainerId = (containerId: string, container: string, error: string): string =>
  `failed to parse containerID ${containerId} in ${container} container: ${error}`;
/** kubelet's ContainerID.ParseString error (`%q` of the raw text). */
export const invalidContainerId = (raw: string): string => `invalid container ID: ${goQuote(raw)}`;
export const differentRuntimeTypes = (first: string, other: string): string => `has different runtime types ${first}, ${other} in Pod`;
export const NO_RUNTIME_TYPE = 'no runtime type found in Pod';
export const runtimeServiceMissing = (name: string): string => `not found runtime service for ${name} in daemon`;

/** status.message of a CRR whose unready-acquired time does not parse (v1.9.0 and later). */
export const unreadyTimeUnparsable = (text: string, error: string): string => `failed to parse unready time ${text}: ${error}`;

/**
 * Ours: containerRecreateStates[].message of a container that exited and will not be restarted
 * (restartPolicy Never, OnFailure after exit 0, or a terminal pod), so its entry is Succeeded
 * instead of staying Recreating until activeDeadlineSeconds (contract §4.6).
 */
export const exitedNotRestarted = (exitText: string | null, why: string): string =>
  `${exitText === null ? 'exited' : `exited with ${exitText}`}; not restarted: ${why}`;

/** Ours: containerRecreateStates[].message's inner error when a kill stage outlived its deadline (kruised bounds every wait). */
export function killStageTimedOut(
  stage: 'preStop' | 'stopping',
  deadline: { ms: number; boundSeconds: number; criDeadlineMs: number; slackMs: number },
): string {
  const s = (ms: number): string => `${ms / 1000}s`;
  const parts = `${stage === 'preStop' ? 'grace' : 'stop grace'} ${deadline.boundSeconds}s + CRI call deadline ${s(deadline.criDeadlineMs)} + ${s(deadline.slackMs)} slack`;
  return stage === 'preStop'
    ? `the kill did not get past its preStop hook within ${s(deadline.ms)} (${parts})`
    : `StopContainer did not return within ${s(deadline.ms)} (${parts})`;
}
