// Human and JSON renderings of a replay: a timeline per actor, and the divergence report.
import type { ReplayResult } from './replay.js';
import { formatStateValue } from './snapshot-hash.js';

function clockTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

function eventLabel(kind: string, event: unknown): string {
  if (kind === 'spawn') return 'spawn';
  if (kind === 'checkpoint') return 'checkpoint';
  if (kind === 'stop') return `stop (${(event as { reason?: string }).reason ?? '?'})`;
  const type = (event as { type?: string }).type ?? '?';
  const after = /^xstate\.after\.([^.]+)\./.exec(type);
  if (after) return `after ${after[1]}`;
  const settled = /^xstate\.(done|error)\.actor\.(.+)$/.exec(type);
  if (settled) return `${settled[1]}: ${settled[2]}`;
  return kind === 'internal' ? `${type} (internal)` : type;
}

export function formatTimeline(result: ReplayResult): string {
  const lines: string[] = [];
  for (const actor of result.actors) {
    const start = actor.fromCheckpoint === undefined ? '' : `  (history from checkpoint #${actor.fromCheckpoint}; its earlier records were collected)`;
    lines.push(`${actor.key}  [${actor.machine}@${actor.version}]${start}`);
    for (const step of actor.steps) {
      const { record } = step;
      const from = step.from === null ? '' : `${formatStateValue(step.from)} → `;
      const change = record.kind === 'stop' || record.kind === 'checkpoint' ? formatStateValue(step.to) : `${from}${formatStateValue(step.to)}`;
      lines.push(`  ${clockTime(record.time)}  #${record.seq}  ${eventLabel(record.kind, record.event).padEnd(42)}  ${change}`);
    }
    lines.push('');
  }
  for (const torn of result.tornTails) lines.push(`note: ${torn.file} ends in a torn write of ${torn.tornBytes} bytes (a crash mid-write); ignored`);
  const d = result.divergence;
  if (d) {
    lines.push("DIVERGENCE: today's machines decide differently than the log recorded");
    lines.push(`  seq:      #${d.seq}`);
    lines.push(`  key:      ${d.key}`);
    lines.push(`  machine:  ${d.machine} (logged by version ${d.loggedVersion}, replayed with ${d.currentVersion ?? 'none'})`);
    lines.push(`  event:    ${JSON.stringify(d.event)}`);
    lines.push(`  reason:   ${d.reason}`);
    lines.push(`  expected: snapshot ${d.expected ?? '(not recorded)'}`);
    lines.push(`  actual:   snapshot ${d.actual || '(none)'}${d.actualState === undefined ? '' : ` in state ${formatStateValue(d.actualState)}`}`);
  } else {
    lines.push(`replay clean: ${result.records} records, ${result.actors.length} actor incarnations`);
  }
  return `${lines.join('\n')}\n`;
}

export function timelineJson(result: ReplayResult): string {
  return `${JSON.stringify(
    {
      clean: result.divergence === undefined,
      records: result.records,
      actors: result.actors.map((actor) => ({
        key: actor.key,
        machine: actor.machine,
        version: actor.version,
        fromCheckpoint: actor.fromCheckpoint ?? null,
        steps: actor.steps.map(({ record, from, to, matches }) => ({
          seq: record.seq,
          time: record.time,
          kind: record.kind,
          event: record.event,
          from,
          to,
          matches,
        })),
      })),
      tornTails: result.tornTails,
      divergence: result.divergence ?? null,
    },
    null,
    2,
  )}\n`;
}
