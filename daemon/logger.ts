// The daemon's logger: pino JSON lines on stdout by default, or pino-pretty for humans.
// Secrets that pass through the daemon (registry auth, pull secrets, tokens) are redacted by path.
// pino-pretty (and its dependencies) is loaded only when pretty output is asked for: the JSON
// default, what the DaemonSet runs, does not carry it.

import { createRequire } from 'node:module';
import { isatty } from 'node:tty';
import pino from 'pino';

export const LOG_REDACT_PATHS: readonly string[] = [
  'password',
  '*.password',
  'auth',
  '*.auth',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'secret',
  '*.secret',
  'dockerconfigjson',
  '*.dockerconfigjson',
  'data[".dockerconfigjson"]',
  '*.data[".dockerconfigjson"]',
  'data[".dockercfg"]',
  '*.data[".dockercfg"]',
  'registryAuth',
  '*.registryAuth',
];

export const LOG_REDACT_CENSOR = '[REDACTED]';

export interface LoggerOptions {
  format: 'json' | 'pretty';
  /** A pino level name; wins over `verbosity` when given. */
  level?: string;
  /** klog's --v: >= 4 → debug, >= 6 → trace, otherwise info. */
  verbosity?: number;
  /** A stream, or a file descriptor (default 1, stdout). */
  destination?: NodeJS.WritableStream | number;
}

export function levelForVerbosity(v: number): 'info' | 'debug' | 'trace' {
  if (v >= 6) return 'trace';
  if (v >= 4) return 'debug';
  return 'info';
}

function isTty(dest: NodeJS.WritableStream | number): boolean {
  if (typeof dest === 'number') return isatty(dest);
  return (dest as { isTTY?: boolean }).isTTY === true;
}

export function createLogger(opts: LoggerOptions): pino.Logger {
  const destination = opts.destination ?? 1;
  const options: pino.LoggerOptions = {
    level: opts.level ?? levelForVerbosity(opts.verbosity ?? 0),
    redact: { paths: [...LOG_REDACT_PATHS], censor: LOG_REDACT_CENSOR },
  };
  // fd destinations are written synchronously so the last lines survive a crash or process.exit.
  const sink: pino.DestinationStream = typeof destination === 'number' ? pino.destination({ dest: destination, sync: true }) : destination;
  if (opts.format === 'json') return pino(options, sink);

  // pino-pretty's prettifier run inline in the main thread: no worker transport and no
  // asynchronous stream pipeline, so a pretty line is written before info() returns.
  // pino-pretty is CommonJS, so require() loads it synchronously and createLogger stays synchronous.
  const { prettyFactory } = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
  const prettify = prettyFactory({ colorize: isTty(destination) });
  const prettySink: pino.DestinationStream = {
    write(line: string): void {
      sink.write(prettify(line));
    },
  };
  return pino(options, prettySink);
}
