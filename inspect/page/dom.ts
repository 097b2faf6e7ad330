// Small DOM builders for the page: elements with attributes, listeners and children in one call.

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | undefined | ((event: Event) => void)>;

function fill<E extends Element>(el: E, attrs: Attrs | undefined, children: Child[]): E {
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.replace(/^on/, ''), value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === 'object' ? child : String(child));
  }
  return el;
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs, ...children: Child[]): HTMLElementTagNameMap[K] {
  return fill(document.createElement(tag), attrs, children);
}

export const SVG_NS = 'http://www.w3.org/2000/svg';

export function s<K extends keyof SVGElementTagNameMap>(tag: K, attrs?: Attrs, ...children: Child[]): SVGElementTagNameMap[K] {
  return fill(document.createElementNS(SVG_NS, tag), attrs, children);
}

export function byId<E extends HTMLElement = HTMLElement>(id: string): E {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}`);
  return el as E;
}

/** `12:03:04.567` in the browser's time zone. */
export function clock(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** `2026-01-01` in the browser's time zone. */
export function day(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

const ICONS: Readonly<Record<string, string>> = {
  first: 'M3.5 3h2v10h-2z M12.5 3 6.5 8l6 5z',
  prev: 'M11.5 3 5.5 8l6 5z',
  next: 'M4.5 3l6 5-6 5z',
  last: 'M10.5 3h2v10h-2z M3.5 3l6 5-6 5z',
  play: 'M4.5 2.5 13 8l-8.5 5.5z',
  pause: 'M4 3h3v10H4z M9 3h3v10H9z',
};

/** A 16×16 icon drawn as a path (no font needs to have the glyph). */
export function icon(name: keyof typeof ICONS): SVGSVGElement {
  return s('svg', { class: 'icon', viewBox: '0 0 16 16', width: 14, height: 14, 'aria-hidden': 'true' }, s('path', { d: ICONS[name] ?? '' }));
}

/** The deepest active states of a configuration: `a.b.c` for `['', 'a', 'a.b', 'a.b.c']`. */
export function leaves(active: readonly string[]): string[] {
  return active.filter((path) => path !== '' && !active.some((other) => other.startsWith(`${path}.`)));
}
