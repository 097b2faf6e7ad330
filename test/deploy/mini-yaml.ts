// A deliberately small YAML reader for the manifests in deploy/: block mappings, block sequences,
// one-line flow sequences of scalars, plain/single-quoted/double-quoted scalars, comments and
// `---` document separators. Every scalar stays a string (so `port: 10221` reads as "10221").
// Anything else (block scalars, anchors, aliases, tags, flow mappings, multi-line flow) throws,
// so a manifest that grows past this subset fails its tests loudly instead of being misread.

export type Yaml = string | null | Yaml[] | { [key: string]: Yaml };

interface Line {
  readonly indent: number;
  readonly text: string;
  readonly no: number;
}

export function parseYamlDocuments(source: string): Yaml[] {
  const docs: Line[][] = [[]];
  source.split(/\r?\n/).forEach((raw, i) => {
    if (/^---\s*$/.test(raw)) {
      docs.push([]);
      return;
    }
    if (/^\t/.test(raw)) throw new Error(`line ${i + 1}: tab indentation`);
    const text = stripComment(raw).trimEnd();
    if (text.trim() === '') return;
    docs.at(-1)!.push({ indent: text.length - text.trimStart().length, text: text.trimStart(), no: i + 1 });
  });
  return docs
    .filter((d) => d.length > 0)
    .map((lines) => {
      const cursor = { i: 0 };
      const value = parseBlock(lines, cursor, lines[0]!.indent);
      if (cursor.i < lines.length) throw new Error(`line ${lines[cursor.i]!.no}: unexpected indentation`);
      return value;
    });
}

function stripComment(line: string): string {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote === '"' && c === '\\') i++;
    else if (quote !== null) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) return line.slice(0, i);
  }
  return line;
}

function parseBlock(lines: Line[], cur: { i: number }, indent: number): Yaml {
  const first = lines[cur.i]!;
  return /^-(\s|$)/.test(first.text) ? parseSequence(lines, cur, indent) : parseMapping(lines, cur, indent);
}

function parseSequence(lines: Line[], cur: { i: number }, indent: number): Yaml[] {
  const out: Yaml[] = [];
  while (cur.i < lines.length && lines[cur.i]!.indent === indent && /^-(\s|$)/.test(lines[cur.i]!.text)) {
    const line = lines[cur.i]!;
    const rest = line.text.slice(1).trimStart();
    if (rest === '') {
      cur.i++;
      out.push(childOf(lines, cur, indent));
    } else if (isKeyLine(rest)) {
      // "- key: value": the item is a mapping whose keys sit where "key" starts.
      const inner = indent + (line.text.length - rest.length);
      lines[cur.i] = { indent: inner, text: rest, no: line.no };
      out.push(parseMapping(lines, cur, inner));
    } else {
      cur.i++;
      out.push(parseScalar(rest, line.no));
    }
  }
  return out;
}

function parseMapping(lines: Line[], cur: { i: number }, indent: number): { [key: string]: Yaml } {
  const out: { [key: string]: Yaml } = {};
  while (cur.i < lines.length && lines[cur.i]!.indent === indent) {
    const line = lines[cur.i]!;
    const m = KEY_LINE.exec(line.text);
    if (!m) throw new Error(`line ${line.no}: expected "key: value", got ${JSON.stringify(line.text)}`);
    const key = parseScalar(m[1]!, line.no) as string;
    if (key in out) throw new Error(`line ${line.no}: duplicate key ${key}`);
    cur.i++;
    const rest = m[2] ?? '';
    out[key] = rest === '' ? childOf(lines, cur, indent, true) : parseScalar(rest, line.no);
  }
  return out;
}

// The nested block under `key:` or `-`: deeper lines, or (for a mapping value) a sequence at the same indent.
function childOf(lines: Line[], cur: { i: number }, indent: number, sameIndentSeq = false): Yaml {
  const next = lines[cur.i];
  if (next === undefined) return null;
  if (next.indent > indent) return parseBlock(lines, cur, next.indent);
  if (sameIndentSeq && next.indent === indent && /^-(\s|$)/.test(next.text)) return parseSequence(lines, cur, indent);
  return null;
}

const KEY_LINE = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s"'#\-?:,[\]{}&*!|>%@`][^:]*?|-[^\s:][^:]*?):(?:\s+(.*))?$/;
const isKeyLine = (text: string): boolean => KEY_LINE.test(text);

function parseScalar(text: string, no: number): Yaml {
  const t = text.trim();
  if (t.startsWith('[')) {
    if (!t.endsWith(']')) throw new Error(`line ${no}: multi-line flow sequences are not supported`);
    return splitFlow(t.slice(1, -1), no).map((item) => parseScalar(item, no));
  }
  if (t.startsWith("'")) {
    if (!/^'(?:[^']|'')*'$/.test(t)) throw new Error(`line ${no}: bad single-quoted scalar ${t}`);
    return t.slice(1, -1).replaceAll("''", "'");
  }
  if (t.startsWith('"')) {
    if (!/^"(?:[^"\\]|\\.)*"$/.test(t)) throw new Error(`line ${no}: bad double-quoted scalar ${t}`);
    return t.slice(1, -1).replace(/\\(.)/g, (_, c: string) => ({ n: '\n', t: '\t', '"': '"', '\\': '\\', '/': '/' })[c] ?? fail(no, `escape \\${c}`));
  }
  if (t === '~' || t === 'null') return null;
  if (/^[{|>&*!%@`]/.test(t)) throw new Error(`line ${no}: unsupported YAML ${JSON.stringify(t)}`);
  return t;
}

function splitFlow(body: string, no: number): string[] {
  const items: string[] = [];
  let current = '';
  let quote: string | null = null;
  for (const c of body) {
    if (quote !== null) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '{') fail(no, 'nested flow collections');
    else if (c === ',') {
      items.push(current);
      current = '';
      continue;
    }
    current += c;
  }
  if (current.trim() !== '' || items.length > 0) items.push(current);
  return items.map((s) => s.trim());
}

function fail(no: number, what: string): never {
  throw new Error(`line ${no}: unsupported ${what}`);
}
