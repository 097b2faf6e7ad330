// Options of kruised's own subcommands (replay, charts, demo): `--name value`, `--name=value`,
// bare `--flag` for booleans; anything unknown is an error, like the daemon's flags.
import { FlagError } from './flags.js';

export type OptionSpec = Readonly<Record<string, 'string' | 'bool'>>;

export function parseSubcommandArgs(args: readonly string[], spec: OptionSpec): { options: Record<string, string | boolean>; positionals: string[] } {
  const options: Record<string, string | boolean> = {};
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i]!;
    if (!arg.startsWith('--') || arg === '--') {
      if (arg !== '--') positionals.push(arg);
      else {
        positionals.push(...args.slice(i + 1));
        break;
      }
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const kind = spec[name];
    if (kind === undefined) throw new FlagError(`unknown flag: --${name}`);
    if (kind === 'bool') {
      options[name] = eq < 0 ? true : arg.slice(eq + 1) === 'true';
    } else if (eq >= 0) {
      options[name] = arg.slice(eq + 1);
    } else {
      const value = args[i + 1];
      if (value === undefined) throw new FlagError(`flag needs an argument: --${name}`);
      options[name] = value;
      i += 1;
    }
  }
  return { options, positionals };
}
