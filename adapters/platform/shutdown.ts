// How a stop reaches the daemon, and the listeners that catch what can be caught
// (windows.md §4.1, §2.5, §6 "stop" and "signals").
//
// Linux: StopContainer sends SIGTERM, then SIGKILL after the grace period (10 s in the
// DaemonSet). Node gets the SIGTERM and shuts down in order.
//
// Windows (HostProcess): StopContainer turns SIGTERM into CTRL_SHUTDOWN_EVENT (hcsshim), which
// libuv does not handle ("only sent to services"), so no JS callback runs: Windows' default
// handler ends the process, or the job is torn down, or the final kill lands. Node's 'SIGTERM'
// listener never fires there. A stop is a crash, and correctness must not depend on any hook.
// SIGINT (Ctrl-C), SIGBREAK (Ctrl-Break) and SIGHUP (console close; about 10 s before Windows
// kills the process) still matter for interactive runs. 'exit' is registered as a synchronous
// last chance for exits that do go through Node (a fatal error, process.exit), never relied on.
import type { ShutdownHandlers, ShutdownRegistration, SignalSource, StopSemantics } from './types.js';

export const linuxStopSemantics: StopSemantics = {
  kind: 'signal-then-kill',
  stopSignal: 'SIGTERM',
  forcedBy: 'SIGKILL after terminationGracePeriodSeconds',
  hookedSignals: ['SIGTERM', 'SIGINT'],
  hooksExit: false,
  crashOnly: true,
  summary: 'a pod stop delivers SIGTERM to Node, then SIGKILL after the grace period',
};

export const windowsStopSemantics: StopSemantics = {
  kind: 'crash',
  stopSignal: null,
  forcedBy: 'CTRL_SHUTDOWN_EVENT, which libuv ignores, so Windows ends the process without running JS',
  hookedSignals: ['SIGINT', 'SIGBREAK', 'SIGHUP'],
  hooksExit: true,
  crashOnly: true,
  summary: 'a pod stop is a crash: no signal reaches Node (SIGTERM listeners never fire on Windows); exit handlers may not run',
};

export function registerShutdownHooks(semantics: StopSemantics, source: SignalSource, handlers: ShutdownHandlers): ShutdownRegistration {
  const registered: { event: string; listener: (...args: unknown[]) => void }[] = [];
  for (const signal of semantics.hookedSignals) {
    const listener = (): void => handlers.onSignal(signal);
    source.on(signal, listener);
    registered.push({ event: signal, listener });
  }
  if (semantics.hooksExit && handlers.onExit !== undefined) {
    const onExit = handlers.onExit;
    const listener = (...args: unknown[]): void => onExit(typeof args[0] === 'number' ? args[0] : 0);
    source.on('exit', listener);
    registered.push({ event: 'exit', listener });
  }
  let disposed = false;
  return {
    events: registered.map((r) => r.event),
    dispose: () => {
      if (disposed) return;
      disposed = true;
      for (const { event, listener } of registered) source.off(event, listener);
    },
  };
}
