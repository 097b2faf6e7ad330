// kubelet's request for an HTTPGetAction. URLs and header names were checked against go1.23's
// net/url (url.Parse + URL.String, as formatURL uses them) and textproto.CanonicalMIMEHeaderKey.
import { describe, expect, it } from 'vitest';
import { canonicalHeaderName, formatUrl, httpGetRequest, resolveContainerPort } from '../../../adapters/http-get/index.js';

describe('formatUrl', () => {
  it.each([
    ['', 'http://10.0.0.7:8080'],
    ['/', 'http://10.0.0.7:8080/'],
    ['/healthz', 'http://10.0.0.7:8080/healthz'],
    ['drain?now=1', 'http://10.0.0.7:8080/drain?now=1'],
    ['/a b', 'http://10.0.0.7:8080/a%20b'],
    ['/a%2Fb', 'http://10.0.0.7:8080/a%2Fb'],
    ['/é', 'http://10.0.0.7:8080/%C3%A9'],
    ['/a|b', 'http://10.0.0.7:8080/a%7Cb'],
    ["/~user/$&'()*+,;=:@!", "http://10.0.0.7:8080/~user/$&'()*+,;=:@!"],
    ['/[x]', 'http://10.0.0.7:8080/[x]'],
    ['/x#frag', 'http://10.0.0.7:8080/x#frag'],
    ['//other/p', 'http://10.0.0.7:8080/p'],
    ['http://other:9/p?q#f', 'http://10.0.0.7:8080/p?q#f'],
    // url.Parse fails on a bad escape: the whole text is the path, escaped, '?' included.
    ['/%zz?q', 'http://10.0.0.7:8080/%25zz%3Fq'],
  ])('path %j gives %s', (path, url) => {
    expect(formatUrl('http', '10.0.0.7', 8080, path)).toBe(url);
  });

  it('brackets an IPv6 host', () => {
    expect(formatUrl('https', 'fd00::1', 443, '/x')).toBe('https://[fd00::1]:443/x');
  });
});

describe('canonicalHeaderName', () => {
  it.each([
    ['x-drain', 'X-Drain'],
    ['X-DRAIN', 'X-Drain'],
    ['content-type', 'Content-Type'],
    ['x_y', 'X_y'],
    ['bad name', 'bad name'],
    ['ünicode', 'ünicode'],
  ])('%s → %s', (name, canonical) => {
    expect(canonicalHeaderName(name)).toBe(canonical);
  });
});

describe('resolveContainerPort', () => {
  const ports = [{ name: 'admin', containerPort: 9000 }, { containerPort: 80 }];
  it('takes a number, a named port, or a number written as text', () => {
    expect(resolveContainerPort(8080, ports)).toBe(8080);
    expect(resolveContainerPort('admin', ports)).toBe(9000);
    expect(resolveContainerPort('8081', ports)).toBe(8081);
  });
  it('refuses with Go texts', () => {
    expect(() => resolveContainerPort('metrics', ports)).toThrow('strconv.Atoi: parsing "metrics": invalid syntax');
    expect(() => resolveContainerPort('99999999999999999999', ports)).toThrow('strconv.Atoi: parsing "99999999999999999999": value out of range');
    expect(() => resolveContainerPort(0, ports)).toThrow('invalid port number: 0');
    expect(() => resolveContainerPort('70000', ports)).toThrow('invalid port number: 70000');
  });
});

describe('httpGetRequest', () => {
  const target = { host: '10.0.0.7', ports: [{ name: 'web', containerPort: 8080 }] };

  it('builds the URL from scheme, host (the action’s, else the target’s), port and path, and adds User-Agent and Accept', () => {
    expect(httpGetRequest({ port: 'web', path: '/quit' }, target, 'lifecycle')).toEqual({
      url: 'http://10.0.0.7:8080/quit',
      headers: [
        ['User-Agent', 'kube-lifecycle/1.32'],
        ['Accept', '*/*'],
      ],
      host: '',
    });
    const probe = httpGetRequest({ port: 443, scheme: 'HTTPS', host: 'svc.local' }, target, 'probe');
    expect(probe.url).toBe('https://svc.local:443');
    expect(probe.headers).toContainEqual(['User-Agent', 'kube-probe/1.32']);
  });

  it('keeps the action’s headers in order under canonical names, its own User-Agent and Accept, drops an empty Accept, and takes Host apart', () => {
    const request = httpGetRequest(
      {
        port: 80,
        httpHeaders: [
          { name: 'x-token', value: 'a' },
          { name: 'X-Token', value: 'b' },
          { name: 'user-agent', value: 'mine/1' },
          { name: 'accept', value: '' },
          { name: 'host', value: 'app.example' },
        ],
      },
      target,
      'lifecycle',
    );
    expect(request.headers).toEqual([
      ['X-Token', 'a'],
      ['X-Token', 'b'],
      ['User-Agent', 'mine/1'],
    ]);
    expect(request.host).toBe('app.example');
  });

  it('throws the port error for an unknown named port', () => {
    expect(() => httpGetRequest({ port: 'admin' }, target, 'lifecycle')).toThrow('strconv.Atoi: parsing "admin": invalid syntax');
  });
});
