// A SIMULATED CRI runtime for tests: a test double of a container runtime (not containerd),
// serving runtime.v1 over a unix socket for where a real containerd cannot run. See server.ts.
export {
  SIMULATED_RUNTIME_NAME,
  SIMULATED_RUNTIME_VERSION,
  startCriDouble,
  type CriDouble,
  type CriDoubleCall,
  type CriDoubleOptions,
  type CriDoubleState,
  type RegistryImage,
  type SimContainer,
  type SimImage,
  type SimSandbox,
} from './server.js';
export { LINUX_KILL_EXIT_CODE, LINUX_TERM_EXIT_CODE, WINDOWS_STOP_EXIT_CODE, normalizeImageRef, type Platform } from './behaviour.js';
