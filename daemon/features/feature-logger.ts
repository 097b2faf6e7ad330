// The logger a feature's glue writes to: pino's (obj, msg) shape, so the daemon passes a pino child
// logger and tests pass nothing (the silent one).
export interface FeatureLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export const silentFeatureLogger: FeatureLogger = { info() {}, warn() {}, error() {} };
