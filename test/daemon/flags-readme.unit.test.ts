// The README's flag table against the parser: one row per flag `kruised run` registers (on either
// OS), showing the parser's default, and saying what kruised does as the flag's `use` does.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { daemonFlagSummaries, type FlagSummary } from '../../daemon/flags.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

interface Row {
  readonly names: string[];
  readonly defaultCell: string;
  readonly what: string;
}

function flagTable(markdown: string): Row[] {
  const start = markdown.indexOf('| flag | default | meaning | what kruised does |');
  expect(start, 'README has no flag table').toBeGreaterThan(-1);
  const rows: Row[] = [];
  for (const line of markdown.slice(start).split('\n').slice(2)) {
    if (!line.startsWith('|')) break;
    const [names = '', defaultCell = '', , what = ''] = line
      .slice(1, -1)
      .split(' | ')
      .map((cell) => cell.trim());
    rows.push({ names: [...names.matchAll(/`--([^`]+)`/g)].map((m) => m[1] ?? ''), defaultCell, what });
  }
  return rows;
}

const WHAT: Readonly<Record<FlagSummary['use'], RegExp>> = { honoured: /^honoured/, ignored: /^ignored/, defaultOnly: /^refused unless default/ };

describe("README's flag table", () => {
  const rows = flagTable(README);
  const linux = daemonFlagSummaries('linux');
  const windows = daemonFlagSummaries('windows');
  const flags = [...new Map([...linux, ...windows].map((f) => [f.name, f])).values()];

  it('has one row per flag, naming its aliases, and no row for a flag the parser does not know', () => {
    for (const flag of flags) {
      const matching = rows.filter((r) => r.names[0] === flag.name);
      expect(matching, `--${flag.name}`).toHaveLength(1);
      expect(matching[0]?.names.slice(1), `--${flag.name} aliases`).toEqual(flag.aliases);
    }
    expect(rows.map((r) => r.names[0]).sort()).toEqual(flags.map((f) => f.name).sort());
  });

  it("shows each OS's default as the parser has it", () => {
    for (const flag of linux) {
      const row = rows.find((r) => r.names[0] === flag.name);
      expect(row?.defaultCell, `--${flag.name}`).toContain(`\`${flag.shownDefault}\``);
    }
    // A Windows default that differs is named after the Linux one, with the system drive as
    // `<SystemDrive>` where the profile pins the path to it.
    const differing = windows.filter((w) => linux.find((l) => l.name === w.name)?.shownDefault !== w.shownDefault);
    expect(differing.map((f) => f.name)).toEqual(['plugin-config-file', 'plugin-bin-dir', 'data-dir']);
    for (const flag of differing) {
      const value = JSON.parse(flag.shownDefault) as string;
      const cell = rows.find((r) => r.names[0] === flag.name)?.defaultCell ?? '';
      const shown = [`(Windows: \`${value}\`)`, `(Windows: \`${value.replace(/^C:/, '<SystemDrive>')}\`)`];
      expect(
        shown.some((text) => cell.includes(text)),
        `--${flag.name}: ${cell}`,
      ).toBe(true);
    }
  });

  it('says of each flag what its use is: honoured, ignored with a warning, or refused unless default', () => {
    for (const flag of flags) {
      const row = rows.find((r) => r.names[0] === flag.name);
      expect(row?.what, `--${flag.name} is ${flag.use}`).toMatch(WHAT[flag.use]);
    }
    expect(flags.filter((f) => f.use === 'ignored').length).toBeGreaterThan(10);
  });
});
