// Pure rules of the NodeImage status write budget (contract §3.6): upstream's token bucket (0.5
// writes/s, burst 5 per NodeImage) as context arithmetic, the holds per kind of change, and when a
// pending change is due. Time is the machine's own clock (ms since the epoch from events), never
// a live clock, so a replay decides the same.

/**
 * How soon a status change must reach the API server (the puller classifies each change,
 * daemon/features/image-puller/write-urgency.ts):
 *   - `settle`: nothing is Waiting or Pulling any more: at once, and it may take the last token;
 *   - `announce`: a tag version the API server has no entry for yet: after a short hold, with a spare token;
 *   - `finish`: a tag finished while others still pull: after a hold, with any token;
 *   - `refresh`: progress and the rest: on the refresh cadence, with a spare token only;
 *   - `none`: the API server already shows the newest status.
 */
export type WriteUrgency = 'none' | 'settle' | 'announce' | 'finish' | 'refresh';

export interface StatusWriteBudget {
  /** Token bucket (upstream: 0.5 writes/s, burst 5 per NodeImage). */
  readonly qps: number;
  readonly burst: number;
  /** How long a new tag version waits for the rest of a burst of spec changes (default 250 ms). */
  readonly announceDelayMs: number;
  /** How long a terminal phase waits for others to finish while tags still pull (default 3 s, upstream's shortest requeue). */
  readonly finishHoldMs: number;
  /** Shortest gap between refresh (progress) writes (default 5 s, upstream's longest requeue). */
  readonly refreshIntervalMs: number;
}

export const UPSTREAM_BUDGET: StatusWriteBudget = { qps: 0.5, burst: 5, announceDelayMs: 250, finishHoldMs: 3_000, refreshIntervalMs: 5_000 };

/** Upstream's shortest requeue after a failed write, used when the write effect itself broke (it names no delay). */
export const REQUEUE_MIN_MS = 3_000;

/** What the budget rules read of the machine's context. */
export interface BudgetState {
  readonly budget: StatusWriteBudget;
  readonly clockMs: number;
  readonly urgency: WriteUrgency;
  readonly announceSinceMs: number | null;
  readonly finishSinceMs: number | null;
  readonly tokens: number;
  readonly tokensAtMs: number;
  readonly lastSentAtMs: number | null;
}

/** Tokens in the bucket at `atMs`: refilled at `qps` since the last count, never above `burst` (may be below 0 after a flush). */
export function tokensAt(state: Pick<BudgetState, 'budget' | 'tokens' | 'tokensAtMs'>, atMs: number): number {
  const refill = (Math.max(0, atMs - state.tokensAtMs) / 1000) * state.budget.qps;
  return Math.min(state.budget.burst, state.tokens + refill);
}

/** A settled or finished status may take the last token; the others leave one for it. */
export function tokensNeeded(urgency: WriteUrgency): number {
  return urgency === 'settle' || urgency === 'finish' ? 1 : 2;
}

/** When the pending change is due by its kind: after its hold (announce, finish) or the cadence (refresh); settle at once. */
export function dueAtMs(state: BudgetState): number {
  switch (state.urgency) {
    case 'announce':
      return (state.announceSinceMs ?? state.clockMs) + state.budget.announceDelayMs;
    case 'finish':
      return (state.finishSinceMs ?? state.clockMs) + state.budget.finishHoldMs;
    case 'refresh':
      return state.lastSentAtMs === null ? state.clockMs : state.lastSentAtMs + state.budget.refreshIntervalMs;
    default:
      return state.clockMs;
  }
}

/** When the bucket will hold the tokens the pending change needs (now, when it already does). */
export function tokensReadyAtMs(state: BudgetState): number {
  const missing = tokensNeeded(state.urgency) - tokensAt(state, state.clockMs);
  return missing <= 0 ? state.clockMs : state.clockMs + (missing / state.budget.qps) * 1000;
}

/** A timer's delay to `wakeAtMs`, whole milliseconds and at least 1, as a live timer can wait. */
export function delayUntil(clockMs: number, wakeAtMs: number): number {
  return Math.max(1, Math.ceil(wakeAtMs - clockMs));
}
