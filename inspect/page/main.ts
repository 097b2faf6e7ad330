// The inspector page: the actors by machine and state on the left, the chosen actor's statechart in
// the middle with the state at the chosen step highlighted, its timeline and the step's event and
// context on the right. The view comes whole from /api/view; a daemon's steps then arrive as
// server-sent events on /api/events. Stepping (buttons, ←/→, Home/End, a click on the timeline, ▶
// to play) moves the highlight; on a live actor the cursor follows each new step until you step back.
// The page's place (actor and step) is in the URL's hash, so a link or a reload keeps it.
import { type DrawnChart, drawChart } from './chart.js';
import { byId, clock, day, h, icon, leaves } from './dom.js';
import type { ActorView, ChartGraph, PageUpdate, PageView, SourceView, StepView } from './wire.js';

interface PageState {
  view: PageView;
  selected: string | undefined;
  /** Step index per actor id; absent means the last step (and following it). */
  readonly cursor: Map<string, number>;
  filter: string;
  /** 'auto': the whole chart when it fits readably, else a readable scale around the current state. */
  zoom: number | 'fit' | 'auto';
  playing: number | undefined;
}

const state: PageState = {
  view: { source: { kind: 'log', path: '', records: 0, clean: true }, machines: {}, actors: [] },
  selected: undefined,
  cursor: new Map(),
  filter: '',
  zoom: 'auto',
  playing: undefined,
};
const charts = new Map<string, Promise<DrawnChart>>();
let shownChart: { key: string; chart: DrawnChart } | undefined;

const actorById = (id: string | undefined): ActorView | undefined => state.view.actors.find((a) => a.id === id);
const stepIndex = (actor: ActorView): number => Math.min(state.cursor.get(actor.id) ?? actor.steps.length - 1, actor.steps.length - 1);
const following = (actor: ActorView): boolean => !state.cursor.has(actor.id);

function statusClass(step: StepView | undefined): string {
  if (!step) return 'status-unknown';
  if (step.kind === 'stop') return `status-${step.status}`;
  return step.status === 'active' ? 'status-active' : `status-${step.status}`;
}

// ── header ───────────────────────────────────────────────────────────────────────────────────────

function renderSource(source: SourceView): void {
  const el = byId('source');
  el.replaceChildren();
  if (source.kind === 'log') {
    el.append(
      h('span', { class: 'source-kind' }, 'event log'),
      h('span', { class: 'source-where', title: source.path }, source.path),
      h('span', { class: 'source-meta' }, `${source.records} records`),
      h('span', { class: source.clean ? 'pill ok' : 'pill bad' }, source.clean ? 'replays clean' : 'diverges'),
    );
  } else {
    el.append(
      h('span', { class: `live-dot ${source.connected ? 'on' : 'off'}`, title: source.connected ? 'following the daemon' : 'disconnected' }),
      h('span', { class: 'source-kind' }, source.connected ? 'live' : 'disconnected'),
      h('span', { class: 'source-where' }, source.node ? `${source.node} · ${source.addr}` : source.addr),
    );
  }
  if (source.note) el.append(h('span', { class: 'source-note', title: source.note }, source.note));
}

// ── actor list ───────────────────────────────────────────────────────────────────────────────────

function visibleActors(): ActorView[] {
  const f = state.filter.trim().toLowerCase();
  return state.view.actors.filter(
    (a) => f === '' || a.key.toLowerCase().includes(f) || a.machine.toLowerCase().includes(f) || (a.steps.at(-1)?.state ?? '').toLowerCase().includes(f),
  );
}

function renderActorList(): void {
  const list = byId('actors');
  list.replaceChildren();
  const actors = visibleActors();
  const machines = [...new Set([...Object.keys(state.view.machines), ...actors.map((a) => a.machine)])].filter((m) => actors.some((a) => a.machine === m));
  for (const machine of machines) {
    const mine = actors.filter((a) => a.machine === machine);
    // By state (where a finished actor ended): the actors in the same state sit together, busiest state first.
    const byState = new Map<string, ActorView[]>();
    for (const actor of mine) {
      const last = actor.steps.at(-1);
      const key = last ? leaves(last.active).join(' | ') || '?' : '?';
      byState.set(key, [...(byState.get(key) ?? []), actor]);
    }
    const graph: ChartGraph | undefined = state.view.machines[machine];
    const section = h(
      'section',
      { class: 'machine-group', 'data-machine': machine },
      h(
        'h2',
        {},
        h('span', { class: 'machine-name' }, machine),
        h('span', { class: 'machine-version' }, `v${graph?.version ?? mine[0]?.version ?? '?'}`),
        h('span', { class: 'count' }, String(mine.length)),
      ),
    );
    for (const [stateName, group] of [...byState].sort((a, b) => b[1].length - a[1].length)) {
      section.append(
        h(
          'div',
          { class: 'state-group', title: stateName },
          h('span', { class: 'state-name' }, stateName),
          h('span', { class: 'count' }, String(group.length)),
        ),
      );
      for (const actor of group) {
        const last = actor.steps.at(-1);
        const selected = actor.id === state.selected;
        section.append(
          h(
            'button',
            {
              class: `actor ${selected ? 'selected' : ''} ${statusClass(last)}`,
              'data-actor': actor.id,
              'aria-current': selected ? 'true' : undefined,
              title: `${actor.key} (${actor.machine}@${actor.version})`,
              onclick: () => select(actor.id),
            },
            h('span', { class: 'actor-key' }, actor.id),
            h('span', { class: 'actor-steps' }, `${actor.steps.length}`),
          ),
        );
      }
    }
    list.append(section);
  }
  if (actors.length === 0) list.append(h('p', { class: 'empty' }, state.view.actors.length === 0 ? 'No actors yet.' : 'No actor matches the filter.'));
}

// ── stage: head, controls, chart ─────────────────────────────────────────────────────────────────

function renderHead(actor: ActorView | undefined): void {
  const head = byId('actor-head');
  head.replaceChildren();
  if (!actor) {
    head.append(h('p', { class: 'hint' }, 'Pick an actor on the left.'));
    return;
  }
  const step = actor.steps[stepIndex(actor)];
  const graph = state.view.machines[actor.machine];
  head.append(
    h(
      'div',
      { class: 'head-line' },
      h('h1', { class: 'actor-title' }, actor.key),
      h('span', { class: 'machine-tag' }, `${actor.machine}@${actor.version}`),
      h('span', { class: `pill ${statusClass(step)}` }, step?.kind === 'stop' ? step.label : (step?.status ?? '?')),
      actor.version !== graph?.version && graph
        ? h(
            'span',
            { class: 'pill warn', title: `the log was written by version ${actor.version}; the chart is version ${graph.version}` },
            `chart v${graph.version}`,
          )
        : null,
    ),
    h(
      'div',
      { class: 'head-state', 'data-state': step?.state ?? '' },
      h('span', { class: 'label' }, 'state'),
      ...(step ? leaves(step.active) : []).map((leaf) => h('code', { class: 'state-value' }, leaf)),
    ),
  );
  if (graph?.description) head.append(h('p', { class: 'description' }, graph.description));
}

function renderControls(actor: ActorView | undefined): void {
  const bar = byId('controls');
  bar.replaceChildren();
  if (!actor) return;
  const i = stepIndex(actor);
  const n = actor.steps.length;
  const step = actor.steps[i];
  const button = (label: string, content: Node | string, action: () => void, disabled: boolean, extra = '') =>
    h('button', { class: `ctl ${extra}`, 'aria-label': label, title: label, disabled, onclick: action }, content);
  const playing = state.playing !== undefined;
  const parts: Array<Node | null> = [
    button('First step (Home)', icon('first'), () => go(actor, 0), i === 0),
    button('Previous step (←)', icon('prev'), () => go(actor, i - 1), i === 0),
    h(
      'button',
      {
        class: 'ctl play',
        'aria-label': playing ? 'Pause (space)' : 'Play (space)',
        title: playing ? 'Pause (space)' : 'Play (space)',
        disabled: n < 2,
        onclick: togglePlay,
      },
      icon(playing ? 'pause' : 'play'),
      playing ? ' pause' : ' play',
    ),
    button('Next step (→)', icon('next'), () => go(actor, i + 1), i >= n - 1),
    button('Last step (End)', icon('last'), () => go(actor, n - 1), i >= n - 1),
    h('input', {
      type: 'range',
      class: 'scrub',
      min: 0,
      max: Math.max(0, n - 1),
      value: i,
      'aria-label': 'Step',
      oninput: (e: Event) => go(actor, Number((e.target as HTMLInputElement).value)),
    }),
    h('span', { class: 'position' }, h('strong', {}, `${i + 1}`), ` / ${n}`),
    step ? h('span', { class: 'when' }, `${step.seq === null ? '' : `#${step.seq} · `}${day(step.time)} ${clock(step.time)}`) : null,
    state.view.source.kind === 'daemon'
      ? h(
          'button',
          { class: `ctl live ${following(actor) ? 'on' : ''}`, title: 'Follow new steps', onclick: () => go(actor, n - 1) },
          following(actor) ? '● live' : 'go live',
        )
      : null,
    h('span', { class: 'spacer' }),
    button('The whole chart', 'fit', () => setZoom('fit'), false, `zoom ${state.zoom === 'fit' ? 'on' : ''}`),
    button('Readable, around the current state', 'auto', () => setZoom('auto'), false, `zoom ${state.zoom === 'auto' ? 'on' : ''}`),
    button('Zoom out', '−', () => setZoom(currentScale() / 1.25), false, 'zoom'),
    button('Zoom in', '+', () => setZoom(currentScale() * 1.25), false, 'zoom'),
  ];
  bar.append(...parts.filter((part): part is Node => part !== null));
}

/** Below this scale chart text is too small to read: 'auto' then shows part of the chart at READABLE. */
const READABLE = 0.8;

function currentScale(): number {
  if (!shownChart) return 1;
  const fit = fitScale(shownChart.chart);
  if (state.zoom === 'fit') return fit;
  if (state.zoom === 'auto') return Math.max(fit, READABLE);
  return state.zoom;
}

function fitScale(chart: DrawnChart): number {
  const box = byId('chart');
  const w = box.clientWidth - 24;
  const hgt = box.clientHeight - 24;
  return Math.max(0.2, Math.min(w / chart.width, hgt / chart.height, 1.6));
}

function setZoom(zoom: number | 'fit' | 'auto'): void {
  state.zoom = typeof zoom === 'number' ? Math.max(0.2, Math.min(zoom, 4)) : zoom;
  applyZoom();
  scrollToCurrent();
}

/** Brings the current state into the middle of the chart's view when the chart is larger than the view. */
function scrollToCurrent(): void {
  const focus = shownChart?.chart.focus();
  if (!shownChart || !focus) return;
  const box = byId('chart');
  const scale = currentScale();
  box.scrollTo({ left: (focus.x + focus.width / 2) * scale - box.clientWidth / 2, top: (focus.y + focus.height / 2) * scale - box.clientHeight / 2 });
}

function applyZoom(): void {
  if (!shownChart) return;
  const scale = currentScale();
  shownChart.chart.element.style.width = `${Math.round(shownChart.chart.width * scale)}px`;
  shownChart.chart.element.style.height = `${Math.round(shownChart.chart.height * scale)}px`;
}

async function showChart(actor: ActorView): Promise<void> {
  const graph = state.view.machines[actor.machine];
  const box = byId('chart');
  if (!graph) {
    box.replaceChildren(h('p', { class: 'hint' }, `No chart for machine ${actor.machine}: this build does not know it.`));
    shownChart = undefined;
    return;
  }
  const key = `${graph.machine}@${graph.version}`;
  if (shownChart?.key !== key) {
    if (!charts.has(key)) charts.set(key, drawChart(graph));
    box.replaceChildren(h('p', { class: 'hint' }, 'Laying the chart out…'));
    const chart = await charts.get(key)!;
    if (state.selected !== actor.id && actorById(state.selected)?.machine !== actor.machine) return;
    box.replaceChildren(chart.element);
    shownChart = { key, chart };
    applyZoom();
  }
  applyCursor();
}

// ── timeline and details ─────────────────────────────────────────────────────────────────────────

const KIND_TEXT: Readonly<Record<StepView['kind'], string>> = { spawn: 'spawn', running: 'found', event: 'event', internal: 'internal', stop: 'stop' };

function seconds(ms: number): string {
  if (ms < 1000) return `+${ms} ms`;
  if (ms < 60_000) return `+${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `+${Math.round(ms / 60_000)} min`;
  return `+${(ms / 3_600_000).toFixed(1)} h`;
}

function renderTimeline(actor: ActorView | undefined): void {
  const list = byId('timeline');
  list.replaceChildren();
  if (!actor) return;
  actor.steps.forEach((step, index) => {
    const previous = actor.steps[index - 1];
    list.append(
      h(
        'li',
        { class: `row kind-${step.kind} ${step.matches ? '' : 'diverged'}`, 'data-index': index, 'data-seq': step.seq ?? '', onclick: () => go(actor, index) },
        h('span', { class: 'kind', title: KIND_TEXT[step.kind] }),
        h('span', { class: 'time' }, clock(step.time), h('span', { class: 'delta' }, previous ? seconds(step.time - previous.time) : day(step.time))),
        h('span', { class: 'what' }, h('span', { class: 'label' }, step.label), ...leaves(step.active).map((leaf) => h('span', { class: 'to' }, `→ ${leaf}`))),
        h('span', { class: 'seq' }, step.seq === null ? '' : `#${step.seq}`),
        step.matches ? null : h('span', { class: 'pill bad', title: "today's machine reached another snapshot than the log recorded" }, 'diverged'),
      ),
    );
  });
}

function json(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? 'undefined';
}

function renderDetails(actor: ActorView | undefined): void {
  const box = byId('details');
  box.replaceChildren();
  const step = actor?.steps[actor ? stepIndex(actor) : 0];
  if (!actor || !step) return;
  box.append(
    h(
      'details',
      { open: true },
      h('summary', {}, step.kind === 'spawn' ? 'Input' : step.kind === 'stop' ? 'Stop' : 'Event'),
      h('pre', { class: 'json' }, json(step.event)),
    ),
    h('details', { open: true }, h('summary', {}, 'Context after this step'), h('pre', { class: 'json' }, json(step.context))),
  );
}

// ── cursor ───────────────────────────────────────────────────────────────────────────────────────

function applyCursor(): void {
  const actor = actorById(state.selected);
  const stage = byId('stage');
  if (!actor) return;
  const i = stepIndex(actor);
  const step = actor.steps[i];
  if (shownChart && step) {
    const before = i > 0 ? actor.steps[i - 1]?.active : undefined;
    shownChart.chart.highlight(step.active, before, step.kind === 'stop' ? undefined : step.label);
    scrollToCurrent();
  }
  for (const row of byId('timeline').querySelectorAll<HTMLElement>('.row')) {
    const current = Number(row.dataset.index) === i;
    row.classList.toggle('current', current);
    if (current) {
      row.setAttribute('aria-current', 'step');
      row.scrollIntoView({ block: 'nearest' });
    } else row.removeAttribute('aria-current');
  }
  renderHead(actor);
  renderControls(actor);
  renderDetails(actor);
  stage.dataset.actor = actor.id;
  stage.dataset.step = String(i);
  stage.dataset.state = step?.state ?? '';
  stage.dataset.drawn = String(shownChart !== undefined && shownChart.key === `${actor.machine}@${state.view.machines[actor.machine]?.version}`);
  history.replaceState(null, '', `#actor=${encodeURIComponent(actor.id)}&step=${following(actor) ? 'last' : i}`);
}

function go(actor: ActorView, index: number): void {
  const i = Math.max(0, Math.min(index, actor.steps.length - 1));
  // On a live actor, stepping to the last step follows it again.
  if (state.view.source.kind === 'daemon' && i === actor.steps.length - 1) state.cursor.delete(actor.id);
  else state.cursor.set(actor.id, i);
  applyCursor();
}

function togglePlay(): void {
  const actor = actorById(state.selected);
  if (state.playing !== undefined) {
    clearInterval(state.playing);
    state.playing = undefined;
  } else if (actor) {
    if (stepIndex(actor) >= actor.steps.length - 1) go(actor, 0);
    state.playing = window.setInterval(() => {
      const current = actorById(state.selected);
      if (!current || stepIndex(current) >= current.steps.length - 1) return togglePlay();
      go(current, stepIndex(current) + 1);
    }, 700);
  }
  if (actor) renderControls(actor);
}

function select(id: string, step?: number): void {
  const actor = actorById(id);
  if (!actor) return;
  if (state.playing !== undefined) togglePlay();
  state.selected = id;
  if (step !== undefined) state.cursor.set(id, step);
  renderActorList();
  renderTimeline(actor);
  renderHead(actor);
  renderControls(actor);
  void showChart(actor);
}

// ── updates ──────────────────────────────────────────────────────────────────────────────────────

function applyUpdate(update: PageUpdate): void {
  const view = state.view as { -readonly [K in keyof PageView]: PageView[K] };
  switch (update.type) {
    case 'source':
      view.source = update.source;
      renderSource(update.source);
      break;
    case 'machine':
      view.machines = { ...view.machines, [update.graph.machine]: update.graph };
      break;
    case 'actor':
      view.actors = [...view.actors, update.actor];
      renderActorList();
      if (!state.selected) select(update.actor.id);
      break;
    case 'step': {
      const actor = actorById(update.id);
      if (!actor) return;
      actor.steps.push(update.step);
      renderActorList();
      if (actor.id === state.selected) {
        renderTimeline(actor);
        applyCursor();
      }
      break;
    }
    case 'reset':
      void load();
      break;
  }
}

async function load(): Promise<void> {
  const response = await fetch('/api/view');
  state.view = (await response.json()) as PageView;
  renderSource(state.view.source);
  const params = new URLSearchParams(location.hash.slice(1));
  const wanted = params.get('actor');
  const step = params.get('step');
  const first = actorById(wanted ?? undefined) ?? state.view.actors[0];
  renderActorList();
  if (first) select(first.id, step === null || step === 'last' ? undefined : Number(step));
  else {
    renderHead(undefined);
    renderControls(undefined);
  }
  document.body.dataset.ready = 'true';
}

function keys(event: KeyboardEvent): void {
  if ((event.target as HTMLElement).tagName === 'INPUT' && (event.target as HTMLInputElement).type === 'search') return;
  const actor = actorById(state.selected);
  if (!actor) return;
  const i = stepIndex(actor);
  const moves: Record<string, () => void> = {
    ArrowLeft: () => go(actor, i - 1),
    ArrowRight: () => go(actor, i + 1),
    Home: () => go(actor, 0),
    End: () => go(actor, actor.steps.length - 1),
    ' ': togglePlay,
    ArrowUp: () => selectNeighbour(-1),
    ArrowDown: () => selectNeighbour(1),
  };
  const move = moves[event.key];
  if (!move) return;
  event.preventDefault();
  move();
}

function selectNeighbour(delta: number): void {
  const ids = [...byId('actors').querySelectorAll<HTMLElement>('.actor')].map((el) => el.dataset.actor ?? '');
  const at = ids.indexOf(state.selected ?? '');
  const next = ids[Math.max(0, Math.min(ids.length - 1, at + delta))];
  if (next) select(next);
}

function start(): void {
  byId<HTMLInputElement>('filter').addEventListener('input', (e) => {
    state.filter = (e.target as HTMLInputElement).value;
    renderActorList();
  });
  document.addEventListener('keydown', keys);
  window.addEventListener('resize', () => typeof state.zoom !== 'number' && applyZoom());
  void load().then(() => {
    const events = new EventSource('/api/events');
    events.addEventListener('update', (e) => applyUpdate(JSON.parse((e as MessageEvent<string>).data) as PageUpdate));
  });
}

start();
