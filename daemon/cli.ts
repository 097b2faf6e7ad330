#!/usr/bin/env node
// The `kruised` command: run (the node daemon), replay (read an event log), inspect (the inspector
// page for a log or a daemon), charts (export the statecharts), demo (the engine end to end on this
// machine). Exit codes: 0 success, 1 runtime failure, 2 usage or unreadable input, 3 replay
// divergence.
//
// Each subcommand imports what it needs when it runs: `kruised run` does not load the replay
// formatter, the chart writer or the demo, and `replay` does not load the daemon (a module's
// code and data stay in the process once loaded; docs/architecture.md, "Memory").
import { FlagError } from './flag-parse.js';
import { parseSubcommandArgs, type OptionSpec } from './subcommand-args.js';

const USAGE = `kruised: a drop-in kruise-daemon for Linux and Windows nodes

usage:
  kruised run [upstream kruise-daemon flags]     run the node daemon (kruised run --help)
  kruised replay <file-or-dir> [--key K] [--json] fold an event log through today's machines
  kruised replay <file-or-dir> --inspect WS-URL [--key K] [--speed N [--max-gap S] | --step]
                                                  send its actors to Stately's inspector (docs/inspect.md)
  kruised inspect --log <file-or-dir> [--key K] [--port N]
  kruised inspect --addr HOST:PORT [--port N] [--inspect WS-URL]
                                                  the inspector page on 127.0.0.1 for a log, or a daemon's
                                                  --actors-addr (docs/inspect.md)
  kruised charts --out DIR                        write each machine's Stately JSON and Mermaid chart
  kruised demo [--data-dir DIR] [--workers N] [--chunk-delay-ms MS] [--cluster=false] [--json]
`;

const REPLAY_OPTIONS: OptionSpec = { key: 'string', json: 'bool', inspect: 'string', speed: 'string', 'max-gap': 'string', step: 'bool' };
const CHARTS_OPTIONS: OptionSpec = { out: 'string' };
const INSPECT_OPTIONS: OptionSpec = { log: 'string', key: 'string', addr: 'string', port: 'string', inspect: 'string' };
/** `kruised inspect`'s page, beside upstream's 10221 (metrics) and 10222 (pprof), and the daemon's --actors-addr examples (10223). */
const INSPECT_PORT = 10224;
const DEMO_OPTIONS: OptionSpec = {
  'data-dir': 'string',
  workers: 'string',
  'chunk-delay-ms': 'string',
  json: 'bool',
  fsync: 'string',
  'kill-at-seq': 'string',
  cluster: 'bool',
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'run':
      return run(rest);
    case 'replay':
      return replay(rest);
    case 'charts':
      return charts(rest);
    case 'inspect':
      return inspect(rest);
    case 'demo':
      return demo(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`kruised: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
      return 2;
  }
}

async function run(args: string[]): Promise<number> {
  const { daemonFlagsHelp, parseDaemonFlags } = await import('./flags.js');
  const { platformOsOf } = await import('../adapters/platform/index.js');
  // The flags' per-OS defaults and registrations come from this OS's platform profile.
  const platform = platformOsOf(process.platform);
  const flags = parseDaemonFlags(args, { platform, env: process.env });
  if (flags.help) {
    process.stdout.write(daemonFlagsHelp(platform));
    return 0;
  }
  const { createLogger } = await import('./logger.js');
  const { runDaemon } = await import('./run.js');
  const logger = createLogger({ format: flags.logFormat, verbosity: flags.verbosity });
  for (const { flag, message } of flags.warnings) logger.warn({ flag }, message);
  return runDaemon(flags, logger);
}

async function replay(args: string[]): Promise<number> {
  const { options, positionals } = parseSubcommandArgs(args, REPLAY_OPTIONS);
  const [input] = positionals;
  if (input === undefined || positionals.length > 1) throw new FlagError('replay takes exactly one log file or directory');
  const key = options.key as string | undefined;
  if (options.inspect !== undefined) return replayInspect(input, options);
  for (const flag of ['speed', 'max-gap', 'step']) if (options[flag] !== undefined) throw new FlagError(`--${flag} paces a replay sent with --inspect`);
  const { ReplayInputError, replayLog } = await import('../engine/replay.js');
  const { formatTimeline, timelineJson } = await import('../engine/replay-format.js');
  const { machineRegistry } = await import('../machines/registry.js');
  // Unreadable input exits 2, as a usage error does.
  const result = await replayLog(input, { registry: machineRegistry, keepSteps: true, ...(key === undefined ? {} : { key }) }).catch((error: unknown) => {
    throw error instanceof ReplayInputError ? new FlagError(error.message) : error;
  });
  process.stdout.write(options.json ? timelineJson(result) : formatTimeline(result));
  return result.divergence ? 3 : 0;
}

async function replayInspect(input: string, options: Record<string, string | boolean>): Promise<number> {
  const url = options.inspect as string;
  const speed = nonNegativeNumber(options.speed, 0, '--speed');
  const maxGapS = nonNegativeNumber(options['max-gap'], 5, '--max-gap');
  if (options.json === true) throw new FlagError('--json prints a timeline; it does not go with --inspect');
  if (options.step === true && options.speed !== undefined) throw new FlagError('--step and --speed exclude each other: --step sends one record per line read');
  const { parseInspectorUrl } = await import('../inspect/addresses.js');
  const { InspectorConnectError } = await import('../inspect/stately.js');
  try {
    parseInspectorUrl(url);
  } catch (error) {
    throw new FlagError(`--inspect: ${(error as Error).message}`);
  }
  const { replayToInspector } = await import('../inspect/replay-inspect.js');
  const { ReplayInputError } = await import('../engine/replay.js');
  const { machineRegistry } = await import('../machines/registry.js');
  const print = (line: string) => void process.stdout.write(`${line}\n`);
  let outcome: Awaited<ReturnType<typeof replayToInspector>>;
  try {
    outcome = await replayToInspector(input, {
      url,
      registry: machineRegistry,
      speed,
      maxGapMs: maxGapS * 1000,
      step: options.step === true,
      input: process.stdin,
      print,
      ...(options.key === undefined ? {} : { key: options.key as string }),
    });
  } catch (error) {
    if (error instanceof ReplayInputError) throw new FlagError(error.message);
    if (error instanceof InspectorConnectError) {
      process.stderr.write(`kruised: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
  const { result, sent, total, messages } = outcome;
  const actors = new Set(result.actors.map((a) => a.key)).size;
  print(`sent ${sent} of ${total} records (${actors} actors, ${messages} inspection events) to ${url}`);
  for (const torn of result.tornTails) print(`note: ${torn.file} ends in a torn write of ${torn.tornBytes} bytes (a crash mid-write); ignored`);
  const d = result.divergence;
  if (d) {
    print(`DIVERGENCE at #${d.seq} (${d.key}, ${d.machine} logged by version ${d.loggedVersion}, replayed with ${d.currentVersion ?? 'none'}): ${d.reason}`);
    print('  the inspector shows the records up to it; `kruised replay` without --inspect gives the full report');
    return 3;
  }
  print(`replay clean: ${result.records} records`);
  return 0;
}

function nonNegativeNumber(value: unknown, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (typeof value !== 'string' || value.trim() === '' || !Number.isFinite(n) || n < 0) {
    throw new FlagError(`${name} must be a non-negative number, got ${JSON.stringify(value)}`);
  }
  return n;
}

async function inspect(args: string[]): Promise<number> {
  const { options, positionals } = parseSubcommandArgs(args, INSPECT_OPTIONS);
  if (positionals.length > 0) throw new FlagError(`inspect takes no positional arguments; a log goes after --log (got ${JSON.stringify(positionals[0])})`);
  const log = options.log as string | undefined;
  const addr = options.addr as string | undefined;
  if ((log === undefined) === (addr === undefined))
    throw new FlagError("inspect needs either --log <file-or-dir> or --addr HOST:PORT (a daemon's --actors-addr)");
  if (options.key !== undefined && log === undefined) throw new FlagError('--key narrows a log: it goes with --log');
  if (options.inspect !== undefined && addr === undefined)
    throw new FlagError('--inspect relays a daemon to Stately: it goes with --addr (for a log, use kruised replay --inspect)');
  const port = positiveInt(options.port, INSPECT_PORT, '--port');
  if (port > 65535) throw new FlagError(`--port must be at most 65535, got ${port}`);
  if (options.inspect !== undefined) {
    const { parseInspectorUrl } = await import('../inspect/addresses.js');
    try {
      parseInspectorUrl(options.inspect as string);
    } catch (error) {
      throw new FlagError(`--inspect: ${(error as Error).message}`);
    }
  }
  const { startInspect } = await import('../inspect/inspect-command.js');
  const { ReplayInputError } = await import('../engine/replay.js');
  const { machineRegistry } = await import('../machines/registry.js');
  let running: Awaited<ReturnType<typeof startInspect>>;
  try {
    running = await startInspect({
      registry: machineRegistry,
      port,
      print: (line) => void process.stdout.write(`${line}\n`),
      ...(log === undefined ? {} : { log }),
      ...(addr === undefined ? {} : { addr }),
      ...(options.key === undefined ? {} : { key: options.key as string }),
      ...(options.inspect === undefined ? {} : { inspect: options.inspect as string }),
    });
  } catch (error) {
    if (error instanceof ReplayInputError) throw new FlagError(error.message);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new FlagError(`port ${port} on 127.0.0.1 is taken: choose another with --port (0 picks a free one)`);
    process.stderr.write(`kruised: ${addr === undefined ? '' : `cannot follow the daemon at ${addr}: `}${(error as Error).message}\n`);
    return 1;
  }
  process.stdout.write('Ctrl-C stops it.\n');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await running.stop();
  return 0;
}

async function charts(args: string[]): Promise<number> {
  const { options } = parseSubcommandArgs(args, CHARTS_OPTIONS);
  const out = options.out as string | undefined;
  if (out === undefined) throw new FlagError('charts needs --out DIR');
  const { resolve } = await import('node:path');
  const { writeCharts } = await import('../visualizations/write-charts.js');
  const { machineRegistry } = await import('../machines/registry.js');
  for (const path of await writeCharts(machineRegistry, resolve(out))) process.stdout.write(`${path}\n`);
  return 0;
}

async function demo(args: string[]): Promise<number> {
  const { options } = parseSubcommandArgs(args, DEMO_OPTIONS);
  const { mkdtemp } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { fileURLToPath } = await import('node:url');
  const { runDemo } = await import('./demo.js');
  const dataDir = (options['data-dir'] as string | undefined) ?? (await mkdtemp(join(tmpdir(), 'kruised-demo-')));
  const json = options.json === true;
  const fsync = (options.fsync as string | undefined) ?? 'group';
  if (fsync !== 'group' && fsync !== 'always') throw new FlagError('--fsync must be group or always');
  const result = await runDemo({
    dataDir,
    workers: positiveInt(options.workers, 3, '--workers'),
    chunkDelayMs: positiveInt(options['chunk-delay-ms'], 25, '--chunk-delay-ms'),
    fsync,
    print: json ? () => {} : (line) => process.stdout.write(`${line}\n`),
    ...(options['kill-at-seq'] === undefined ? {} : { killAtSeq: positiveInt(options['kill-at-seq'], 0, '--kill-at-seq') }),
  });
  if (json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return result.replayClean ? 0 : 3;
  }
  process.stdout.write('\nresults:\n');
  for (const [key, outcome] of Object.entries(result.outcomes)) {
    process.stdout.write(`  ${key.padEnd(9)} ${outcome.state.padEnd(36)} attempts ${outcome.attempts}  progress ${outcome.progress}%  ${outcome.message}\n`);
  }
  if (options.cluster !== false) {
    // The test bed's pieces (real containerd, fake API server, kubelet simulator) around the real
    // daemon; loaded only here, so `kruised run` never loads test-bed code.
    const { runClusterDemo } = await import('../test/bed/demo/cluster-demo.js');
    await runClusterDemo(dataDir, (line) => process.stdout.write(`${line}\n`));
  }
  const kruised = fileURLToPath(new URL('../../bin/kruised', import.meta.url));
  process.stdout.write(
    `\nevent log: ${result.logDir} (replay ${result.replayClean ? 'clean' : 'DIVERGED'})\nread it with:\n  ${kruised} replay ${result.logDir}\n  ${kruised} replay ${result.logDir} --key missing\n`,
  );
  return result.replayClean ? 0 : 3;
}

function positiveInt(value: unknown, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new FlagError(`${name} must be a non-negative integer, got ${JSON.stringify(value)}`);
  return n;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof FlagError) {
      process.stderr.write(`kruised: ${error.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`kruised: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
