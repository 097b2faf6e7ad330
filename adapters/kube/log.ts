// The logger the kube adapter writes to: the (obj, msg) shape pino and the engine's HostLogger
// share, so the daemon passes its pino child logger and tests pass nothing.

export interface KubeLogger {
  debug?(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export const silentLogger: KubeLogger = { info() {}, warn() {}, error() {} };

/** An error as a log field: type, code and message only (never a response body or request). */
export function errField(error: unknown): object {
  if (error instanceof Error) {
    const { type, code } = error as { type?: unknown; code?: unknown };
    return { name: error.name, message: error.message, ...(type !== undefined ? { type } : {}), ...(code !== undefined ? { code } : {}) };
  }
  return { message: String(error) };
}
