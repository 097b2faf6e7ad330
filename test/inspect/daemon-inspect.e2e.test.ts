// `kruised run --inspect --actors-addr` on the real containerd and registries, pulling three tags (one
// through a pull secret for the htpasswd registry, one that does not exist and is retried): Stately's
// own inspector server receives every imageTag actor with its definition, events and snapshots, the
// loopback actor stream shows the same steps, and neither carries the pull secret's password in any
// form. Then `kruised replay --inspect` sends the log the daemon left, at once and stepped from stdin.
import { describe, expect, it } from 'vitest';
import { replayLog } from '../../engine/replay.js';
import { machineDefinition } from '../../inspect/actor-items.js';
import { imageTagMachine } from '../../machines/image-pull/image-tag.machine.js';
import { machineRegistry } from '../../machines/registry.js';
import { runtimeBed } from '../bed/runtime-bed.js';
import { runCli } from '../support/cli.js';
import { inspectCli, inspectDaemonBed, NODE_IMAGE, runCliWithInput } from './daemon-bed.js';
import { freePort, type InspectionMessage, receivingInspector } from './inspector-server.js';
import { sseClient } from './sse-client.js';

function expectNoSecret(texts: readonly string[], forms: readonly string[]): void {
  for (const text of texts) for (const form of forms) expect(text.includes(form), `a form of the password leaked: ${form}`).toBe(false);
}

describe.skipIf(!runtimeBed())('kruised run --inspect and --actors-addr, then kruised replay --inspect', () => {
  it("sends the node's actors to Stately's inspector and the loopback stream, with the pull secret's password nowhere, and replays the log into the inspector", async () => {
    const bed = runtimeBed()!;
    const inspector = await receivingInspector();
    const env = await inspectDaemonBed(bed);
    const actorsPort = await freePort();
    const daemon = await env.start([`--inspect=${inspector.url}`, `--actors-addr=127.0.0.1:${actorsPort}`]);
    const stream = await sseClient(`http://127.0.0.1:${actorsPort}/actors/stream`);
    // The kubectl port-forward route into Stately: kruised inspect --addr relays the daemon's stream to an inspector server.
    const relayed = await receivingInspector();
    const relay = await inspectCli(['--addr', `127.0.0.1:${actorsPort}`, '--inspect', relayed.url]);
    try {
      // The daemon connects to the inspector as it starts; what happens before that is not sent (a connect announces the present).
      const connected = async () =>
        ((await (await fetch(`http://127.0.0.1:${actorsPort}/actors`)).json()) as { inspector?: { connected?: boolean } }).inspector?.connected;
      for (let i = 0; i < 400 && !(await connected()); i += 1) await new Promise((r) => setTimeout(r, 25));
      expect(await connected()).toBe(true);
      env.pullThree();
      await env.settled(3);
      // The private image was pulled: the daemon read the pull secret and used its password.
      expect(env.api.store.get(NODE_IMAGE)?.status).toMatchObject({ succeeded: 2, failed: 1 });
      // Each actor ends once its status is written: a stop on the stream is the witness that its steps were all sent.
      const stopped = () => new Set(stream.events.filter((e) => (e.data as { type?: string }).type === 'stop').map((e) => (e.data as { key: string }).key));
      await stream.waitFor(() => stopped().size === 3, 30_000);
    } finally {
      daemon.child.kill('SIGTERM');
    }
    const exit = await daemon.done;
    relay.cli.child.kill('SIGTERM');
    expect((await relay.cli.done).code).toBe(0);
    expect(exit.code, exit.stderr.slice(-2000)).toBe(0);
    stream.close();

    const folded = await replayLog(env.logDir, { registry: machineRegistry, keepSteps: true });
    expect(folded.divergence).toBeUndefined();
    const tags = folded.actors.filter((a) => a.machine === imageTagMachine.id);
    expect(tags).toHaveLength(3);

    // Stately's inspector server got each actor as XState's inspection reports one, made by @statelyai/inspect.
    const live: InspectionMessage[] = [...inspector.messages];
    for (const actor of tags) {
      const mine = live.filter((m) => m.sessionId === actor.key);
      expect(mine[0], actor.key).toMatchObject({ type: '@xstate.actor', name: imageTagMachine.id });
      expect(JSON.parse(mine[0]!.definition!)).toEqual(machineDefinition(imageTagMachine));
      const steps = actor.steps.filter((s) => s.record.kind === 'event' || s.record.kind === 'internal');
      expect(mine.filter((m) => m.type === '@xstate.event').map((m) => m.event?.type)).toEqual([
        'xstate.init',
        ...steps.map((s) => (s.record.event as { type: string }).type),
      ]);
      expect(mine.filter((m) => m.type === '@xstate.snapshot').at(-1)?.snapshot?.value).toEqual(steps.at(-1)?.to);
    }
    // The relay sent the same actors, with the daemon's own definitions.
    for (const actor of tags) {
      const mine = relayed.messages.filter((m) => m.sessionId === actor.key);
      expect(mine[0], `relayed ${actor.key}`).toMatchObject({ type: '@xstate.actor', name: imageTagMachine.id });
      expect(JSON.parse(mine[0]!.definition!)).toEqual(machineDefinition(imageTagMachine));
      expect(mine.filter((m) => m.type === '@xstate.snapshot').at(-1)?.snapshot?.value).toEqual(actor.steps.at(-1)?.to);
    }
    expectNoSecret(relayed.raw, env.secretForms);
    await relayed.close();
    // The loopback stream carried the same steps.
    const streamed = stream.events.filter((e) => e.event === 'item').map((e) => e.data as { key: string; type: string; seq?: number });
    for (const actor of tags) {
      const records = actor.steps.filter((s) => s.record.kind !== 'stop').map((s) => s.record.seq);
      expect(streamed.filter((i) => i.key === actor.key && i.type !== 'stop').map((i) => i.seq)).toEqual(records);
      expect(streamed.filter((i) => i.key === actor.key && i.type === 'stop')).toHaveLength(1);
    }
    expect(stream.raw()).toContain('registry-creds'); // the secret's name is no secret; it shows the stream carried the pull's input
    expectNoSecret([...inspector.raw, stream.raw()], env.secretForms);

    // The log the daemon left, replayed into the inspector: at once, then one record per line of stdin.
    const before = inspector.messages.length;
    const replay = await runCli(['replay', env.logDir, '--inspect', inspector.url]);
    expect(replay.code, replay.stderr).toBe(0);
    expect(replay.stdout).toMatch(
      new RegExp(`sent ${folded.records} of ${folded.records} records \\(\\d+ actors, \\d+ inspection events\\) to ${inspector.url}`),
    );
    expect(replay.stdout).toContain(`replay clean: ${folded.records} records`);
    const events = Number(/, (\d+) inspection events/.exec(replay.stdout)?.[1]);
    await inspector.waitFor(before + events);
    const replayed = inspector.messages.slice(before);
    expect(replayed.filter((m) => m.type === '@xstate.actor').map((m) => m.sessionId)).toEqual(expect.arrayContaining(tags.map((a) => a.key)));
    const stepped = await runCliWithInput(['replay', env.logDir, '--inspect', inspector.url, '--step'], '\n2\n');
    expect(stepped.code, stepped.stderr).toBe(0);
    expect(stepped.stdout).toContain(`sent 3 of ${folded.records} records`);
    expect(stepped.stdout.split('\n').filter((l) => / {2}#\d+ {2}/.test(l))).toHaveLength(3);
    expectNoSecret(inspector.raw, env.secretForms);

    // Pointed at nothing, replay says so and exits 1; a bad URL is a usage error.
    const nowhere = await runCli(['replay', env.logDir, '--inspect', `ws://127.0.0.1:${await freePort()}`]);
    expect(nowhere.code).toBe(1);
    expect(nowhere.stderr).toMatch(/cannot connect to the inspector at ws:\/\/127\.0\.0\.1:\d+: .*start an inspector server there first/);
    const bad = await runCli(['replay', env.logDir, '--inspect', 'http://127.0.0.1:1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('is not a ws:// or wss:// URL');
    await inspector.close();
    await env.close();
  });
});
