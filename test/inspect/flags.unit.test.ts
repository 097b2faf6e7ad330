// `kruised run --inspect` and `--actors-addr`: off by default, checked at parse time (exit 2), and the
// actor endpoint only ever on loopback.
import { describe, expect, it } from 'vitest';
import { FlagError, parseDaemonFlags } from '../../daemon/flags.js';

const parse = (...args: string[]) => parseDaemonFlags(args, { platform: 'linux', env: { NODE_NAME: 'n' } });

describe('the inspection flags of kruised run', () => {
  it('are off by default', () => {
    expect(parse()).toMatchObject({ inspect: '', actorsAddr: '' });
  });

  it('take a ws:// or wss:// inspector URL and a loopback address', () => {
    expect(parse('--inspect=ws://127.0.0.1:8080', '--actors-addr', '127.0.0.1:10223')).toMatchObject({
      inspect: 'ws://127.0.0.1:8080',
      actorsAddr: '127.0.0.1:10223',
    });
    expect(parse('--inspect=wss://inspector.example:443/x', '--actors-addr=[::1]:10223').actorsAddr).toBe('[::1]:10223');
    expect(parse('--actors-addr=localhost:0').actorsAddr).toBe('localhost:0');
  });

  it('refuse what is not a ws URL, and any actor address beyond loopback (Go-style :PORT binds every interface)', () => {
    expect(() => parse('--inspect=http://127.0.0.1:8080')).toThrow(FlagError);
    expect(() => parse('--inspect=127.0.0.1:8080')).toThrow(/invalid argument "127.0.0.1:8080" for "--inspect" flag/);
    for (const addr of [':10223', '0.0.0.0:10223', '10.1.2.3:10223', '[::]:10223', 'node-a:10223', '127.0.0.1']) {
      expect(() => parse(`--actors-addr=${addr}`), addr).toThrow(FlagError);
    }
    expect(() => parse('--actors-addr=:10223')).toThrow(/not a loopback address: actor data is served on 127.0.0.1 or \[::1\] only/);
  });
});
