// `kruised inspect` and the inspection flags through the built CLI: usage errors exit 2 with the
// reason, an unreachable daemon exits 1 saying so, and a served page comes with its own assets (the
// compiled page and elkjs's bundle are found in the build) under a policy that allows nothing else.
import { describe, expect, it } from 'vitest';
import { runCli, startCli } from '../support/cli.js';
import { recordRollouts } from './fixtures.js';
import { freePort } from './inspector-server.js';

describe('kruised inspect on the command line', () => {
  it('refuses what it cannot do, with the reason', async () => {
    const neither = await runCli(['inspect']);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain('inspect needs either --log <file-or-dir> or --addr HOST:PORT');
    const missing = await runCli(['inspect', '--log', '/nonexistent/kruised-events']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read /nonexistent/kruised-events');
    expect((await runCli(['inspect', '--log', '/x', '--addr', '127.0.0.1:1'])).code).toBe(2);
    expect((await runCli(['inspect', '--addr', '127.0.0.1:1', '--key', 'k'])).stderr).toContain('--key narrows a log');
    const port = await freePort();
    const nobody = await runCli(['inspect', '--addr', `127.0.0.1:${port}`]);
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toMatch(new RegExp(`cannot follow the daemon at 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
    const pace = await runCli(['replay', '/x', '--speed', '2']);
    expect(pace.code).toBe(2);
    expect(pace.stderr).toContain('--speed paces a replay sent with --inspect');
    const wide = await runCli(['run', '--actors-addr=:10223'], { NODE_NAME: 'n' });
    expect(wide.code).toBe(2);
    expect(wide.stderr).toContain('is not a loopback address');
  });

  it('serves the page with its assets and a policy that allows nothing from elsewhere', async () => {
    // A log of a machine this build does not know: the page still serves, and says why it shows nothing.
    const dir = await recordRollouts();
    const { child, done } = startCli(['inspect', '--log', dir, '--port', '0']);
    let out = '';
    child.stdout!.on('data', (c) => (out += c));
    for (let i = 0; i < 400 && !out.includes('Ctrl-C'); i += 1) await new Promise((r) => setTimeout(r, 25));
    const url = /http:\/\/127\.0\.0\.1:\d+\//.exec(out)?.[0];
    expect(url, out).toBeDefined();
    expect(out).toContain('DIVERGES at #1');
    const page = await fetch(url!);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'; script-src 'self'");
    const html = await page.text();
    for (const asset of ['/assets/main.js', '/assets/elk.js', '/assets/page.css']) {
      expect(html).toContain(asset);
      const res = await fetch(new URL(asset, url));
      expect(res.status, asset).toBe(200);
      expect((await res.text()).length, asset).toBeGreaterThan(1000);
    }
    for (const asset of ['/assets/chart.js', '/assets/dom.js']) expect((await fetch(new URL(asset, url))).status, asset).toBe(200);
    const view = (await (await fetch(new URL('/api/view', url))).json()) as { source: { clean: boolean; note?: string }; actors: unknown[] };
    expect(view.source).toMatchObject({ clean: false, note: expect.stringContaining('machine rollout is not known to this build') });
    child.kill('SIGINT');
    expect((await done).code).toBe(0);
  });
});
