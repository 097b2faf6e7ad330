// A statechart drawn from its graph (page/wire.d.ts ChartGraph): ELK's layered layout (elkjs, served
// with the page) places the states, nested and parallel ones included, and routes the transitions;
// this file measures the text and draws the result as SVG: states as rounded boxes with their
// invocations, compound states around their children, parallel regions dashed, final states with a
// double border, an initial dot and arrow in every compound state. All transitions between one pair
// of states share a line and a label with a line per transition (an eventless one shows only its
// guard; its line is dashed). `highlight` marks the active states and the transitions just taken.
import { s } from './dom.js';
import type { ElkEdge, ElkNode, ElkPoint } from './elk.js';
import type { ChartEdge, ChartGraph, ChartNode } from './wire.js';

export const SANS = '"Inter", "Segoe UI", "Helvetica Neue", "DejaVu Sans", Arial, sans-serif';
export const MONO = '"JetBrains Mono", "SF Mono", Menlo, Consolas, "DejaVu Sans Mono", monospace';
const FONT = {
  machine: `700 15px ${SANS}`,
  state: `600 14px ${SANS}`,
  line: `11.5px ${MONO}`,
  event: `500 12px ${MONO}`,
  guard: `11px ${MONO}`,
};
const HEADER = 30;
const LINE = 16;
const PAD_X = 12;
/** The initial marker (a dot and an arrow) sits left of the initial state, in this much room. */
const INITIAL_GAP = 24;
const LABEL_PAD = 6;
const LABEL_LINE = 15;

const measurer = document.createElement('canvas').getContext('2d');
function measure(text: string, font: string): number {
  if (!measurer) return text.length * 7.5;
  measurer.font = font;
  return Math.ceil(measurer.measureText(text).width);
}

export interface DrawnChart {
  readonly element: SVGSVGElement;
  readonly width: number;
  readonly height: number;
  /** Marks the states active after a step, and the transitions it took (those of its label leaving a state active before it). */
  highlight(active: readonly string[], before: readonly string[] | undefined, label: string | undefined): void;
  /** The box of the deepest active states, in chart coordinates (to scroll them into view). */
  focus(): { x: number; y: number; width: number; height: number } | undefined;
}

const nodeId = (path: string) => `n:${path}`;

/** Transitions the machine takes from any state (declared on the root): listed in its header, not drawn as lines. */
type AnyStateEdges = readonly ChartEdge[];

function anyLine(edge: ChartEdge): string {
  return `from any state: ${edge.label}${edge.guard === undefined ? '' : ` [${edge.guard}]`} → ${edge.target}`;
}

function linesOf(node: ChartNode, anyState: AnyStateEdges = []): string[] {
  const fromAny = node.path === '' ? anyState.map(anyLine) : [];
  return [...node.invokes.map((src) => `invoke ${src}`), ...node.selfEvents.map((e) => `on ${e}`), ...fromAny];
}

function titleOf(node: ChartNode, machine: string): string {
  if (node.path === '') return machine;
  return node.type === 'history' ? `${node.key} (H)` : node.key;
}

function toElk(node: ChartNode, graph: ChartGraph, anyState: AnyStateEdges): ElkNode {
  const lines = linesOf(node, anyState);
  const title = titleOf(node, graph.machine);
  const titleWidth = measure(title, node.path === '' ? FONT.machine : FONT.state) + (node.path === '' ? measure(`  v${graph.version ?? '?'}`, FONT.line) : 0);
  const contentWidth = Math.max(titleWidth, ...lines.map((l) => measure(l, FONT.line))) + 2 * PAD_X;
  if (node.children.length === 0) {
    return { id: nodeId(node.path), width: Math.max(96, contentWidth), height: Math.max(36, HEADER + lines.length * LINE + (lines.length > 0 ? 6 : 0)) };
  }
  const children = node.children.map((child) => toElk(child, graph, anyState));
  const top = HEADER + lines.length * LINE + (lines.length > 0 ? 8 : 4);
  return {
    id: nodeId(node.path),
    children,
    layoutOptions: {
      // Room on the left for the initial marker of a leftmost initial state.
      'elk.padding': `[top=${top},left=${INITIAL_GAP},bottom=16,right=16]`,
      'elk.nodeSize.constraints': 'MINIMUM_SIZE',
      'elk.nodeSize.minimum': `(${contentWidth}, ${top + 20})`,
    },
  };
}

/** All transitions between one pair of states: one line on the chart, one label with a line per transition. */
interface Bundle {
  readonly id: string;
  readonly source: string;
  readonly target: string;
  readonly transitions: ChartEdge[];
}

/** What a label line says: the trigger, but an eventless transition only by its guard (its line is dashed). */
function lineText(edge: ChartEdge): { text: string; guard: string } {
  const guard = edge.guard === undefined ? '' : `[${edge.guard}]`;
  if (edge.kind === 'always') return { text: '', guard };
  return { text: edge.label, guard: guard === '' ? '' : ` ${guard}` };
}

function bundlesOf(edges: readonly ChartEdge[]): Bundle[] {
  const byPair = new Map<string, Bundle>();
  for (const edge of edges) {
    const key = `${edge.source} -> ${edge.target}`;
    const bundle = byPair.get(key) ?? { id: `b${byPair.size}`, source: edge.source, target: edge.target, transitions: [] };
    bundle.transitions.push(edge);
    byPair.set(key, bundle);
  }
  return [...byPair.values()];
}

function labelSize(bundle: Bundle): { width: number; height: number } | undefined {
  const lines = bundle.transitions.map(lineText).filter((l) => l.text !== '' || l.guard !== '');
  if (lines.length === 0) return undefined;
  const width = Math.max(...lines.map((l) => measure(l.text, FONT.event) + (l.guard === '' ? 0 : measure(l.guard, FONT.guard))));
  return { width: width + 2 * LABEL_PAD, height: lines.length * LABEL_LINE + 6 };
}

/** An SVG path through the points with rounded corners. */
function roundedPath(points: readonly ElkPoint[], radius = 8): string {
  const [first, ...rest] = points;
  if (!first) return '';
  let d = `M${first.x},${first.y}`;
  for (let i = 1; i < points.length - 1; i += 1) {
    const prev = points[i - 1]!;
    const at = points[i]!;
    const next = points[i + 1]!;
    const inLen = Math.hypot(at.x - prev.x, at.y - prev.y);
    const outLen = Math.hypot(next.x - at.x, next.y - at.y);
    const r = Math.min(radius, inLen / 2, outLen / 2);
    const a = { x: at.x - ((at.x - prev.x) / (inLen || 1)) * r, y: at.y - ((at.y - prev.y) / (inLen || 1)) * r };
    const b = { x: at.x + ((next.x - at.x) / (outLen || 1)) * r, y: at.y + ((next.y - at.y) / (outLen || 1)) * r };
    d += ` L${a.x},${a.y} Q${at.x},${at.y} ${b.x},${b.y}`;
  }
  const last = rest.at(-1);
  return last ? `${d} L${last.x},${last.y}` : d;
}

function walk(node: ElkNode, visit: (node: ElkNode) => void): void {
  visit(node);
  for (const child of node.children ?? []) walk(child, visit);
}

function definitions(): SVGDefsElement {
  const arrow = (id: string, cls: string) =>
    s(
      'marker',
      { id, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 8, markerHeight: 8, orient: 'auto-start-reverse', markerUnits: 'userSpaceOnUse' },
      s('path', { d: 'M0,0 L10,5 L0,10 z', class: cls }),
    );
  return s(
    'defs',
    {},
    arrow('arrow', 'arrowhead'),
    arrow('arrow-taken', 'arrowhead taken'),
    s(
      'filter',
      { id: 'glow', x: '-20%', y: '-20%', width: '140%', height: '140%' },
      s('feDropShadow', { dx: 0, dy: 1, stdDeviation: 3, 'flood-color': '#2563eb', 'flood-opacity': 0.35 }),
    ),
  );
}

const LAYOUT = {
  'elk.algorithm': 'layered',
  'elk.direction': 'DOWN',
  'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
  'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
  'elk.layered.spacing.nodeNodeBetweenLayers': '36',
  'elk.spacing.nodeNode': String(INITIAL_GAP + 4),
  'elk.layered.spacing.edgeNodeBetweenLayers': '14',
  'elk.layered.spacing.edgeEdgeBetweenLayers': '10',
  'elk.spacing.edgeEdge': '10',
  'elk.spacing.edgeNode': '14',
  'elk.spacing.edgeLabel': '3',
  'elk.padding': '[top=12,left=12,bottom=12,right=12]',
  'elk.json.shapeCoords': 'ROOT',
  'elk.json.edgeCoords': 'ROOT',
};

export async function drawChart(graph: ChartGraph): Promise<DrawnChart> {
  const edges: ElkEdge[] = [];
  const anyState = graph.edges.filter((e) => e.source === '');
  const machineNode = toElk(graph.root, graph, anyState);
  const bundles = bundlesOf(graph.edges.filter((e) => e.source !== ''));
  for (const bundle of bundles) {
    const size = labelSize(bundle);
    edges.push({
      id: bundle.id,
      sources: [nodeId(bundle.source)],
      targets: [nodeId(bundle.target)],
      ...(size ? { labels: [{ id: `l:${bundle.id}`, text: bundle.id, ...size, layoutOptions: { 'elk.edgeLabels.placement': 'TAIL' } }] } : {}),
    });
  }
  const laid = await new ELK().layout({ id: 'chart', children: [machineNode], edges, layoutOptions: LAYOUT });

  const nodesByPath = new Map<string, ChartNode>();
  const regions = new Set<string>();
  const index = (node: ChartNode, parent: ChartNode | undefined) => {
    nodesByPath.set(node.path, node);
    if (parent?.type === 'parallel') regions.add(node.path);
    for (const child of node.children) index(child, node);
  };
  index(graph.root, undefined);

  const width = Math.ceil(laid.width ?? 0);
  const height = Math.ceil(laid.height ?? 0);
  const svg = s('svg', { xmlns: 'http://www.w3.org/2000/svg', viewBox: `0 0 ${width} ${height}`, class: 'chart', 'data-machine': graph.machine });
  svg.append(definitions());
  const stateLayer = s('g', { class: 'states' });
  const edgeLayer = s('g', { class: 'edges' });
  const labelLayer = s('g', { class: 'labels' });
  svg.append(stateLayer, edgeLayer, labelLayer);

  const stateGroups = new Map<string, SVGGElement>();
  const anyLines: SVGTextElement[] = [];
  const selfLines: Array<{ path: string; label: string; text: SVGTextElement }> = [];
  const boxes = new Map<string, { x: number; y: number; width: number; height: number }>();
  walk(laid, (box) => {
    if (box.id === 'chart') return;
    const x = box.x ?? 0;
    const y = box.y ?? 0;
    const w = box.width ?? 0;
    const h = box.height ?? 0;
    const path = box.id.slice(2);
    const node = nodesByPath.get(path);
    if (!node) return;
    boxes.set(path, { x, y, width: w, height: h });
    const compound = node.children.length > 0;
    const classes = ['state', node.type, compound ? 'compound' : 'leaf', path === '' ? 'machine' : '', regions.has(path) ? 'region' : '']
      .filter(Boolean)
      .join(' ');
    const g = s('g', { class: classes, 'data-path': path, 'data-active': 'false' });
    g.append(s('title', {}, [node.key, node.description].filter(Boolean).join(': ')));
    g.append(s('rect', { class: 'box', x, y, width: w, height: h, rx: compound ? 12 : 9 }));
    if (node.type === 'final') g.append(s('rect', { class: 'final-ring', x: x + 3.5, y: y + 3.5, width: w - 7, height: h - 7, rx: 6 }));
    if (compound) g.append(s('line', { class: 'rule', x1: x, x2: x + w, y1: y + HEADER - 4, y2: y + HEADER - 4 }));
    const title = titleOf(node, graph.machine);
    g.append(s('text', { class: path === '' ? 'title machine-title' : 'title', x: x + PAD_X, y: y + 19 }, title));
    if (path === '') g.append(s('text', { class: 'version', x: x + PAD_X + measure(title, FONT.machine) + 8, y: y + 19 }, `v${graph.version ?? '?'}`));
    const lines = linesOf(node);
    lines.forEach((line, i) => {
      const [word, ...rest] = line.split(' ');
      const text = s('text', { class: 'line', x: x + PAD_X, y: y + HEADER + 8 + i * LINE }, s('tspan', { class: 'line-kind' }, word), ` ${rest.join(' ')}`);
      g.append(text);
      // A transition that changes no state (`on cri.pullProgress`): marked in its state's box when taken.
      if (i >= node.invokes.length) selfLines.push({ path, label: node.selfEvents[i - node.invokes.length]?.split(' [')[0] ?? '', text });
    });
    if (path === '') {
      anyState.forEach((edge, i) => {
        const text = s('text', {
          class: 'line any',
          x: x + PAD_X,
          y: y + HEADER + 8 + (lines.length + i) * LINE,
          'data-label': edge.label,
          'data-target': edge.target,
        });
        text.append(s('tspan', { class: 'line-kind' }, 'from any state: '), s('tspan', { class: `event ${edge.kind}` }, edge.label));
        if (edge.guard !== undefined) text.append(s('tspan', { class: 'guard' }, ` [${edge.guard}]`));
        text.append(s('tspan', { class: 'line-kind' }, ' → '), edge.target);
        g.append(text);
        anyLines.push(text);
      });
    }
    stateLayer.append(g);
    stateGroups.set(path, g);
  });

  // Initial markers: a dot left of each initial state with an arrow into it.
  const markers = new Map<string, SVGPathElement>();
  for (const node of nodesByPath.values()) {
    const box = node.initial === undefined ? undefined : boxes.get(node.initial);
    if (!box || node.initial === undefined) continue;
    const cy = box.y + Math.min(box.height / 2, 15);
    stateLayer.append(s('circle', { class: 'initial', cx: box.x - INITIAL_GAP + 6, cy, r: 4 }));
    const arrow = s('path', { class: 'edge initial', d: `M${box.x - INITIAL_GAP + 10},${cy} L${box.x},${cy}`, 'marker-end': 'url(#arrow)' });
    edgeLayer.append(arrow);
    markers.set(node.initial, arrow);
  }

  const edgeByElk = new Map((laid.edges ?? []).map((e) => [e.id, e]));
  const drawn: Array<{ bundle: Bundle; path: SVGPathElement; label?: SVGGElement }> = [];
  for (const bundle of bundles) {
    const elk = edgeByElk.get(bundle.id);
    const section = elk?.sections?.[0];
    if (!elk || !section) continue;
    const points = [section.startPoint, ...(section.bendPoints ?? []), section.endPoint];
    const kinds = [...new Set(bundle.transitions.map((t) => t.kind))];
    const path = s('path', { class: `edge ${kinds.join(' ')}`, d: roundedPath(points), 'marker-end': 'url(#arrow)', 'data-edge': bundle.id });
    edgeLayer.append(path);
    const entry: (typeof drawn)[number] = { bundle, path };
    const label = elk.labels?.[0];
    if (label) {
      const lx = label.x ?? 0;
      const ly = label.y ?? 0;
      const g = s('g', { class: 'edge-label', 'data-edge': bundle.id });
      g.append(s('rect', { x: lx, y: ly, width: label.width, height: label.height, rx: 5 }));
      let line = 0;
      for (const t of bundle.transitions) {
        const { text, guard } = lineText(t);
        if (text === '' && guard === '') continue;
        g.append(
          s(
            'text',
            { class: `line ${t.kind}`, x: lx + LABEL_PAD, y: ly + 15 + line * LABEL_LINE, 'data-label': t.label },
            text === '' ? null : s('tspan', { class: 'event' }, text),
            guard === '' ? null : s('tspan', { class: 'guard' }, guard),
          ),
        );
        line += 1;
      }
      const actions = bundle.transitions.flatMap((t) => (t.actions.length > 0 ? [`${t.label}: ${t.actions.join(', ')}`] : []));
      if (actions.length > 0) g.append(s('title', {}, `actions\n${actions.join('\n')}`));
      labelLayer.append(g);
      entry.label = g;
    }
    drawn.push(entry);
  }

  let current: string[] = [];
  return {
    element: svg,
    width,
    height,
    highlight(active, before, label) {
      const on = new Set(active);
      const was = new Set(before ?? []);
      current = [];
      for (const [path, g] of stateGroups) {
        // The machine itself is always active: only its states are marked.
        const isActive = on.has(path) && path !== '';
        const node = nodesByPath.get(path);
        const deepest = isActive && !(node?.children ?? []).some((c) => on.has(c.path));
        if (deepest) current.push(path);
        g.setAttribute('data-active', String(on.has(path)));
        g.classList.toggle('active', isActive);
        g.classList.toggle('current', deepest);
      }
      for (const [target, arrow] of markers) {
        const spawn = label === 'spawn' && on.has(target);
        arrow.classList.toggle('taken', spawn);
        arrow.setAttribute('marker-end', spawn ? 'url(#arrow-taken)' : 'url(#arrow)');
      }
      for (const line of anyLines) line.classList.toggle('taken', label !== undefined && line.dataset.label === label && on.has(line.dataset.target ?? ''));
      for (const line of selfLines) line.text.classList.toggle('taken', label !== undefined && line.label === label && on.has(line.path) && was.has(line.path));
      for (const { bundle, path, label: pill } of drawn) {
        const taken = bundle.transitions.filter((t) => label !== undefined && t.label === label && was.has(t.source) && on.has(t.target));
        const isTaken = taken.length > 0;
        path.classList.toggle('taken', isTaken);
        path.setAttribute('marker-end', isTaken ? 'url(#arrow-taken)' : 'url(#arrow)');
        pill?.classList.toggle('taken', isTaken);
        for (const line of pill?.querySelectorAll('text.line') ?? []) {
          line.classList.toggle(
            'taken',
            taken.some((t) => t.label === line.getAttribute('data-label')),
          );
        }
        if (isTaken) {
          edgeLayer.append(path);
          if (pill) labelLayer.append(pill);
        }
      }
    },
    focus() {
      const shown = current.map((p) => boxes.get(p)).filter((b) => b !== undefined);
      if (shown.length === 0) return undefined;
      const x = Math.min(...shown.map((b) => b.x));
      const y = Math.min(...shown.map((b) => b.y));
      return { x, y, width: Math.max(...shown.map((b) => b.x + b.width)) - x, height: Math.max(...shown.map((b) => b.y + b.height)) - y };
    },
  };
}
