// The inspector page on a real node's actors, in Chromium. Live: `kruised inspect --addr` follows a
// `kruised run --actors-addr` pulling three tags, and the page lists each imageTag actor as it
// appears and moves its highlight to its final state. From the log: `kruised inspect --log` on the log
// the daemon left; at three points of the retried tag's replay the highlight is what the fold
// reached. The screenshot of that page is kept in .reports/inspect-page.png.
import { describe, expect, it } from 'vitest';
import { replayLog } from '../../engine/replay.js';
import { activePaths } from '../../inspect/chart-graph.js';
import { imageTagMachine } from '../../machines/image-pull/image-tag.machine.js';
import { nodeImageStatusMachine } from '../../machines/image-pull/node-image-status.machine.js';
import { machineRegistry } from '../../machines/registry.js';
import { runtimeBed } from '../bed/runtime-bed.js';
import { chromiumMissing, highlighted, openBrowser, screenshot, stepTo } from './browser.js';
import { inspectCli, inspectDaemonBed } from './daemon-bed.js';
import { freePort } from './inspector-server.js';

const sorted = (paths: readonly string[]) => [...paths].sort();
/** The image tags' actors on the page (the NodeImage's status actor, nodeImageStatus, is listed beside them). */
const TAGS = `#actors .machine-group[data-machine="${imageTagMachine.id}"] .actor`;

describe.skipIf(!runtimeBed() || chromiumMissing())('the inspector page on a node: live from the daemon, then from its log', () => {
  it('follows the daemon as its actors appear and finish, then steps through the log with the highlight where the fold is', async () => {
    const bed = runtimeBed()!;
    const env = await inspectDaemonBed(bed);
    const actorsPort = await freePort();
    const daemon = await env.start([`--actors-addr=127.0.0.1:${actorsPort}`]);
    const live = await inspectCli(['--addr', `127.0.0.1:${actorsPort}`]);
    const browser = await openBrowser(live.url);
    try {
      const { page } = browser;
      await page.goto(live.url);
      await page.waitForSelector('body[data-ready="true"]');
      expect(await page.textContent('#source')).toContain(`127.0.0.1:${actorsPort}`);
      expect(await page.$$(TAGS)).toHaveLength(0);
      env.pullThree();
      // The actors appear on the page as the daemon spawns them, and each reaches its final state there.
      await page.locator(TAGS).nth(2).waitFor({ timeout: 60_000 });
      await env.settled(3);
      await page.locator(`${TAGS}.status-done`).nth(2).waitFor({ timeout: 30_000 });
      expect(await page.locator(TAGS).count()).toBe(3);
      const first = await page.getAttribute('#stage', 'data-actor');
      expect(sorted(await page.$$eval('#actors .machine-group', (gs) => gs.map((g) => g.getAttribute('data-machine') ?? '')))).toEqual(
        sorted([imageTagMachine.id, nodeImageStatusMachine.id]),
      );
      const finalPaths = sorted(await highlighted(page));
      await screenshot(page, 'inspect-page-live.png');
      daemon.child.kill('SIGTERM');
      expect((await daemon.done).code).toBe(0);
      await page.waitForSelector('#source .live-dot.off');

      const folded = await replayLog(env.logDir, { registry: machineRegistry, keepSteps: true });
      const shown = folded.actors.find((a) => a.key === first)!;
      expect(finalPaths).toEqual(sorted(activePaths(shown.steps.at(-1)!.to)));
      expect(browser.errors).toEqual([]);
    } finally {
      live.cli.child.kill('SIGTERM');
      await browser.close();
    }

    // The log: the tag that was retried has the longest history.
    const folded = await replayLog(env.logDir, { registry: machineRegistry, keepSteps: true });
    const retried = folded.actors.filter((a) => a.machine === imageTagMachine.id).sort((a, b) => b.steps.length - a.steps.length)[0]!;
    const fromLog = await inspectCli(['--log', env.logDir]);
    const logBrowser = await openBrowser(fromLog.url);
    try {
      const { page } = logBrowser;
      await page.goto(`${fromLog.url}#actor=${encodeURIComponent(retried.key)}&step=0`);
      await page.waitForSelector('#stage[data-drawn="true"]');
      expect(await page.getAttribute('#stage', 'data-actor')).toBe(retried.key);
      const backingOff = retried.steps.findIndex((s) => s.to === 'backingOff');
      expect(backingOff).toBeGreaterThan(0);
      for (const index of [0, backingOff, retried.steps.length - 1]) {
        await stepTo(page, index);
        expect(sorted(await highlighted(page)), `step ${index}`).toEqual(sorted(activePaths(retried.steps[index]!.to)));
      }
      // The operator's view of the second attempt: the backoff over, the pull starts again, its transition marked.
      await stepTo(page, backingOff + 1);
      expect(await page.$$eval('svg.chart .edge-label .line.taken', (els) => els.map((e) => e.getAttribute('data-label')))).toEqual(['after retryBackoff']);
      await page.mouse.move(0, 0);
      const path = await screenshot(page, 'inspect-page.png');
      expect(path).toMatch(/\.reports\/inspect-page\.png$/);
      expect(logBrowser.errors).toEqual([]);
      expect(logBrowser.foreign).toEqual([]);
    } finally {
      fromLog.cli.child.kill('SIGTERM');
      await logBrowser.close();
      await env.close();
    }
  });
});
