// Benchmark figures and how they are printed: one line per figure, `bench <name>: <value> <unit>`,
// with the goal (if any) and whether it was met after it; or one JSON document with `--json`.
// A missed goal is information, never a failure: the runner exits 0 unless a benchmark crashes.

export interface Result {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** The target, e.g. ">= 40000 events/s". */
  readonly goal?: string;
  readonly met?: boolean;
}

/** Rounds a figure to what is worth printing: integers from 100 up, 3 significant digits below. */
export function round(value: number): number {
  if (!Number.isFinite(value)) return value;
  if (Math.abs(value) >= 100) return Math.round(value);
  return Number(value.toPrecision(3));
}

export function figure(name: string, value: number, unit: string): Result {
  return { name, value: round(value), unit };
}

/** A figure whose goal is a floor (throughputs). */
export function atLeast(name: string, value: number, unit: string, min: number): Result {
  return { name, value: round(value), unit, goal: `>= ${min} ${unit}`, met: value >= min };
}

/** A figure whose goal is a ceiling (ratios, memory). */
export function atMost(name: string, value: number, unit: string, max: number): Result {
  return { name, value: round(value), unit, goal: `<= ${max} ${unit}`, met: value <= max };
}

/** Exactly `bench <name>: <value> <unit>`: the line tools parse. */
export function formatLine(result: Result): string {
  return `bench ${result.name}: ${result.value} ${result.unit}`;
}

/** The goal verdict for people, printed on stderr beside the figure; undefined without a goal. */
export function formatGoal(result: Result): string | undefined {
  return result.goal === undefined ? undefined : `  goal ${result.name} ${result.goal}: ${result.met ? 'met' : 'MISSED'}`;
}

export function formatJson(results: readonly Result[]): string {
  return JSON.stringify({ results }, null, 2);
}
