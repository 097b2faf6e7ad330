import { describe, expect, it } from 'vitest';
import { experimental, type ChannelOptions } from '@grpc/grpc-js';
import { parseUri } from '@grpc/grpc-js/build/src/uri-parser.js';
import { CriError, grpcTarget, parseCriEndpoint, type ParsedEndpoint } from '../../../adapters/cri/index.js';

const pipe = (name: string, host = '.'): Partial<ParsedEndpoint> => ({
  protocol: 'npipe',
  host,
  name,
  address: `//${host}/pipe/${name}`,
  path: `\\\\${host}\\pipe\\${name}`,
});

function failure(endpoint: string, platform: 'linux' | 'windows'): CriError {
  try {
    parseCriEndpoint(endpoint, platform);
  } catch (error) {
    return error as CriError;
  }
  throw new Error(`expected ${endpoint} to be refused on ${platform}`);
}

describe('parsing Windows CRI endpoints as kubelet does', () => {
  // kubelet's util_windows_test.go vectors first, then the other spellings seen in the field.
  it.each([
    ['npipe://./pipe/mypipe', pipe('mypipe')],
    ['npipe:////./pipe/mypipe2', pipe('mypipe2')],
    ['npipe:/pipe/mypipe3', pipe('mypipe3')],
    ['npipe:\\\\.\\pipe\\mypipe4', pipe('mypipe4')],
    ['npipe:\\pipe\\mypipe5', pipe('mypipe5')],
    ['npipe://./pipe/containerd-containerd', pipe('containerd-containerd')],
    ['NPIPE://./pipe/containerd-containerd', pipe('containerd-containerd')],
    ['npipe://./pipe/containerd-containerd?ignored#too', pipe('containerd-containerd')],
    ['npipe://./pipe/my%20pipe', pipe('my pipe')],
    ['npipe://server/pipe/remote', pipe('remote', 'server')],
    ['tcp://localhost:15880', { protocol: 'tcp', address: 'localhost:15880' }],
  ])('reads %s as %o', (endpoint, expected) => {
    const parsed = parseCriEndpoint(endpoint, 'windows');
    expect(parsed).toMatchObject(expected);
    expect(parsed.warning).toBeUndefined();
  });

  it.each([
    ['\\\\.\\pipe\\x', pipe('x')],
    ['//./pipe/x', pipe('x')],
  ])('accepts the scheme-less pipe path %s that kubelet refuses, with a deprecation warning', (endpoint, expected) => {
    const parsed = parseCriEndpoint(endpoint, 'windows');
    expect(parsed).toMatchObject(expected);
    expect(parsed.warning).toMatch(/deprecated/);
  });

  it.each([
    ['unix:///tmp/s1.sock', /protocol "unix" not supported/],
    ['tcp1://abc', /protocol "tcp1" not supported/],
    ['a b c', /no scheme/],
    ['npipe:pipe/x', /relative path/],
    ['npipe://./notpipe/x', /not a named pipe/],
    ['npipe://./pipe/', /not a named pipe/],
    ['npipe:\\\\?\\pipe\\x', /not a named pipe/],
    ['tcp:///nohost', /without host/],
  ])('refuses %s', (endpoint, message) => {
    const error = failure(endpoint, 'windows');
    expect(error).toBeInstanceOf(CriError);
    expect(error).toMatchObject({ type: 'cri.invalidArgument', retryable: false });
    expect(error.details).toMatch(message);
  });
});

describe('parsing Linux CRI endpoints as kubelet does', () => {
  it.each([
    ['unix:///run/containerd/containerd.sock', '/run/containerd/containerd.sock'],
    ['unix:/run/crio/crio.sock', '/run/crio/crio.sock'],
    ['UNIX:///hostvarrun/containerd.sock', '/hostvarrun/containerd.sock'],
    ['unix:///tmp/with%20space.sock', '/tmp/with space.sock'],
  ])('reads %s as the socket %s', (endpoint, path) => {
    expect(parseCriEndpoint(endpoint, 'linux')).toEqual({ protocol: 'unix', path });
  });

  it("accepts a bare absolute path as kubelet's deprecated unix:// fallback", () => {
    expect(parseCriEndpoint('/run/containerd/containerd.sock', 'linux')).toMatchObject({
      protocol: 'unix',
      path: '/run/containerd/containerd.sock',
      warning: expect.stringMatching(/deprecated/),
    });
  });

  it.each([
    ['npipe://./pipe/containerd-containerd', /protocol "npipe" not supported/],
    ['tcp://localhost:1234', /protocol "tcp" not supported/],
    ['unix://run/containerd.sock', /unexpected host "run"/],
    ['unix://', /empty socket path/],
    ['relative/containerd.sock', /absolute/],
    ['unix:///bad%zzescape', /percent-escape/],
  ])('refuses %s', (endpoint, message) => {
    expect(failure(endpoint, 'linux').details).toMatch(message);
  });
});

describe('the grpc-js target for an endpoint', () => {
  it('dials a unix socket as unix://PATH', () => {
    expect(grpcTarget(parseCriEndpoint('unix:///run/containerd/containerd.sock', 'linux'))).toBe('unix:///run/containerd/containerd.sock');
  });

  it('dials a named pipe as unix: followed by the backslashed pipe path', () => {
    expect(grpcTarget(parseCriEndpoint('npipe:////./pipe/containerd-containerd', 'windows'))).toBe('unix:\\\\.\\pipe\\containerd-containerd');
  });

  it('hands the pipe path to a pipe resolver and dials the socket it returns', () => {
    const seen: string[] = [];
    const target = grpcTarget(parseCriEndpoint('npipe://./pipe/containerd-containerd', 'windows'), (p) => {
      seen.push(p);
      return '/tmp/x/stand-in.sock';
    });
    expect(seen).toEqual(['\\\\.\\pipe\\containerd-containerd']);
    expect(target).toBe('unix:///tmp/x/stand-in.sock');
  });

  it('dials tcp through the dns resolver', () => {
    expect(grpcTarget(parseCriEndpoint('tcp://localhost:15880', 'windows'))).toBe('dns:localhost:15880');
  });

  it('makes grpc-js itself hand net.connect the Windows pipe path for the pipe target', async () => {
    const target = grpcTarget(parseCriEndpoint('npipe://./pipe/containerd-containerd', 'windows'));
    const uri = parseUri(target);
    expect(uri).toMatchObject({ scheme: 'unix', path: '\\\\.\\pipe\\containerd-containerd' });
    const addresses = await new Promise<unknown>((resolve) => {
      const options: ChannelOptions = {};
      const resolver = experimental.createResolver(
        uri!,
        (endpoints) => {
          resolve(endpoints.ok ? endpoints.value.flatMap((e) => e.addresses) : endpoints.error);
          return true;
        },
        options,
      );
      resolver.updateResolution();
    });
    expect(addresses).toEqual([{ path: '\\\\.\\pipe\\containerd-containerd' }]);
  });
});
