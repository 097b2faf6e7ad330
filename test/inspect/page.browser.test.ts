// The inspector page in a real browser (Debian's Chromium, headless): a log recorded at test time is
// served as `kruised inspect --log` serves it, and at three points of an actor's replay the states
// the chart highlights are the ones today's machine reached there (the fold's snapshot), parallel
// regions included. The page loads nothing from elsewhere and logs no error. A screenshot is kept
// in .reports/.
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { replayLog } from '../../engine/replay.js';
import { activePaths, chartGraph } from '../../inspect/chart-graph.js';
import { readLogItems } from '../../inspect/log-items.js';
import { PageModel } from '../../inspect/page-model.js';
import { PageServer } from '../../inspect/page-server.js';
import { chromiumMissing, highlighted, type OpenBrowser, openBrowser, screenshot, stepTo } from './browser.js';
import { inspectRegistry, recordRollouts } from './fixtures.js';

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

const sorted = (paths: readonly string[]) => [...paths].sort();

async function servedLog(dir: string): Promise<PageServer> {
  const { items, result } = await readLogItems(dir, { registry: inspectRegistry });
  const model = new PageModel({ kind: 'log', path: dir, records: result.records, clean: result.divergence === undefined });
  for (const entry of inspectRegistry.values()) model.setMachine(chartGraph(entry.machine));
  for (const item of items) model.apply(item);
  const server = await PageServer.start(() => model, 0);
  cleanups.push(() => server.close());
  return server;
}

async function browse(url: string): Promise<OpenBrowser> {
  const browser = await openBrowser(url);
  cleanups.push(() => browser.close());
  return browser;
}

describe.skipIf(chromiumMissing())('the inspector page in Chromium', () => {
  it("highlights, at three points of a replay, the states today's machine reached there; the arrow keys step", async () => {
    const dir = await recordRollouts();
    const folded = await replayLog(dir, { registry: inspectRegistry, keepSteps: true });
    const web = folded.actors.find((a) => a.key === 'web')!;
    const server = await servedLog(dir);
    const { page, errors, foreign } = await browse(server.url);
    await page.goto(`${server.url}#actor=web&step=0`);
    await page.waitForSelector('#stage[data-actor="web"][data-drawn="true"]');

    // The actors by machine and state: the three rollouts under `rollout`, grouped by where they ended.
    const list = await page.$$eval('#actors .machine-group', (groups) =>
      groups.map((g) => ({ machine: g.getAttribute('data-machine'), actors: [...g.querySelectorAll('.actor')].map((a) => a.getAttribute('data-actor')) })),
    );
    expect(list).toEqual([{ machine: 'rollout', actors: expect.arrayContaining(['web', 'api', 'db']) }]);
    expect(await page.$$eval('#actors .state-name', (els) => els.map((e) => e.textContent))).toEqual(expect.arrayContaining(['done', 'aborted']));

    // spawn (idle), a parallel configuration mid-way (health.unhealthy | traffic.canary), and the final step.
    const points = [0, web.steps.findIndex((s) => JSON.stringify(s.to).includes('unhealthy')), web.steps.length - 1];
    expect(points[1]).toBeGreaterThan(0);
    for (const index of points) {
      await stepTo(page, index);
      expect(sorted(await highlighted(page)), `step ${index}`).toEqual(sorted(activePaths(web.steps[index]!.to)));
    }
    expect(await highlighted(page)).toContain('done');
    // The step's own transition is marked: probe.failed took health from probing to unhealthy.
    await stepTo(page, points[1]!);
    expect(await page.$$eval('svg.chart .edge-label .line.taken', (els) => els.map((e) => e.getAttribute('data-label')))).toEqual(['probe.failed']);
    expect(await page.textContent('#stage .head-state')).toContain('serving.health.unhealthy');
    await page.keyboard.press('ArrowLeft');
    await page.waitForSelector(`#stage[data-step="${points[1]! - 1}"]`);
    expect(sorted(await highlighted(page))).toEqual(sorted(activePaths(web.steps[points[1]! - 1]!.to)));
    await page.keyboard.press('ArrowRight');
    await page.waitForSelector(`#stage[data-step="${points[1]}"]`);
    await screenshot(page, 'inspect-page-rollout.png');

    expect(errors).toEqual([]);
    expect(foreign).toEqual([]);
  });

  it('answers loopback names only', async () => {
    const dir = await recordRollouts();
    const server = await servedLog(dir);
    const { port } = new URL(server.url);
    // fetch() will not set Host: node:http does, as a rebinding page's browser would send its own name.
    const refused = await new Promise<number>((resolve, reject) =>
      request(`http://127.0.0.1:${port}/api/view`, { headers: { host: `rebound.example:${port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on('error', reject)
        .end(),
    );
    expect(refused).toBe(403);
    const view = (await (await fetch(`http://localhost:${port}/api/view`)).json()) as { actors: Array<{ id: string }> };
    expect(view.actors.map((a) => a.id)).toEqual(['web', 'api', 'db']);
    expect((await fetch(`http://127.0.0.1:${port}/api/view`, { method: 'POST' })).status).toBe(405);
  });
});
