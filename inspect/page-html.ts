// The inspector page's HTML and stylesheet. The page loads nothing from the network but its own
// server: /assets/elk.js (elkjs), /assets/main.js (inspect/page, compiled), /assets/page.css.

export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>kruised inspect</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/page.css">
<script src="/assets/elk.js" defer></script>
<script type="module" src="/assets/main.js"></script>
</head>
<body>
<header id="top">
  <div class="brand"><span class="logo" aria-hidden="true"></span>kruised <span class="brand-sub">inspect</span></div>
  <div id="source"></div>
</header>
<div id="layout">
  <nav id="sidebar" aria-label="Actors">
    <input id="filter" type="search" placeholder="Filter by key, machine or state" aria-label="Filter actors">
    <div id="actors"></div>
  </nav>
  <main id="stage">
    <div id="actor-head"></div>
    <div id="controls"></div>
    <div id="chart"></div>
    <div id="legend" aria-label="Legend">
      <span><svg width="26" height="8"><line x1="0" y1="4" x2="26" y2="4" class="lg-event"/></svg>event</span>
      <span><svg width="26" height="8"><line x1="0" y1="4" x2="26" y2="4" class="lg-always"/></svg>eventless (always) [guard]</span>
      <span class="lg-after">after: a timer</span>
      <span class="lg-done">done: / <span class="lg-error">error:</span> an effect's result</span>
      <span><span class="lg-current"></span>current state</span>
      <span><span class="lg-taken"></span>the step's transition</span>
    </div>
  </main>
  <aside id="side" aria-label="Timeline">
    <h3>Timeline</h3>
    <ol id="timeline"></ol>
    <div id="details"></div>
  </aside>
</div>
</body>
</html>
`;

export const PAGE_CSS = `
:root {
  --sans: "Inter", "Segoe UI", "Helvetica Neue", "DejaVu Sans", Arial, sans-serif;
  --mono: "JetBrains Mono", "SF Mono", Menlo, Consolas, "DejaVu Sans Mono", monospace;
  --bg: #f4f5f8; --panel: #ffffff; --line: #e2e5ea; --text: #1f2430; --muted: #6b7280; --faint: #9aa1ad;
  --accent: #2563eb; --accent-soft: #e8f0fe; --accent-strong: #1d4ed8;
  --ok: #0f8a5f; --bad: #c0362c; --warn: #b7791f; --internal: #7c3aed;
}
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; }
body { font: 13px/1.4 var(--sans); color: var(--text); background: var(--bg); display: flex; flex-direction: column; }
button { font: inherit; color: inherit; }

#top { display: flex; align-items: center; gap: 20px; padding: 0 16px; height: 46px; background: #171b24; color: #e8eaf0; flex: none; }
.brand { font-weight: 700; font-size: 15px; letter-spacing: .2px; display: flex; align-items: center; gap: 6px; white-space: nowrap; }
.brand-sub { font-weight: 400; color: #9aa4b8; }
.logo { width: 14px; height: 14px; border-radius: 4px; background: linear-gradient(135deg, #60a5fa, #2563eb); display: inline-block; margin-right: 4px; }
#source { display: flex; align-items: center; gap: 10px; min-width: 0; color: #c9cfdb; }
.source-kind { text-transform: uppercase; font-size: 11px; letter-spacing: .8px; color: #9aa4b8; }
.source-where { font-family: var(--mono); font-size: 12px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.source-meta, .source-note { color: #9aa4b8; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.live-dot { width: 9px; height: 9px; border-radius: 50%; display: inline-block; }
.live-dot.on { background: #34d399; box-shadow: 0 0 0 3px rgba(52, 211, 153, .25); }
.live-dot.off { background: #f59e0b; }

.pill { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 11px; font-weight: 600; background: #eef0f4; color: var(--muted); white-space: nowrap; }
.pill.ok, .pill.status-done { background: #e3f5ee; color: var(--ok); }
.pill.bad, .pill.status-error { background: #fbe9e7; color: var(--bad); }
.pill.warn { background: #fdf3e1; color: var(--warn); }
.pill.status-active { background: var(--accent-soft); color: var(--accent-strong); }
.pill.status-stopped { background: #eef0f4; color: var(--muted); }

#layout { flex: 1; display: grid; grid-template-columns: 270px minmax(0, 1fr) 380px; min-height: 0; }
#sidebar { background: var(--panel); border-right: 1px solid var(--line); display: flex; flex-direction: column; min-height: 0; }
#filter { margin: 12px; padding: 7px 10px; border: 1px solid var(--line); border-radius: 8px; font: inherit; background: #fafbfc; }
#filter:focus { outline: 2px solid var(--accent-soft); border-color: var(--accent); }
#actors { overflow: auto; padding: 0 8px 16px; }
.machine-group h2 { font-size: 12px; margin: 14px 6px 6px; display: flex; align-items: baseline; gap: 6px; }
.machine-name { font-weight: 700; font-size: 13px; }
.machine-version { color: var(--faint); font-weight: 500; font-family: var(--mono); font-size: 11px; }
.count { margin-left: auto; color: var(--muted); font-weight: 600; font-size: 11px; background: #eef0f4; border-radius: 999px; padding: 0 7px; }
.state-group { display: flex; align-items: center; gap: 6px; margin: 8px 6px 3px; font-family: var(--mono); font-size: 11px; color: var(--muted); }
.state-group .count { background: transparent; padding: 0; }
.state-name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.actor { display: flex; width: 100%; align-items: center; gap: 6px; text-align: left; border: 0; border-left: 3px solid var(--faint); background: transparent; padding: 5px 8px; border-radius: 0 6px 6px 0; cursor: pointer; margin: 1px 0; }
.actor:hover { background: #f3f5f8; }
.actor.selected { background: var(--accent-soft); }
.actor.status-active { border-left-color: var(--accent); }
.actor.status-done { border-left-color: var(--ok); }
.actor.status-error { border-left-color: var(--bad); }
.actor-key { font-family: var(--mono); font-size: 12px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; flex: 1; }
.actor.selected .actor-key { font-weight: 700; color: var(--accent-strong); }
.actor-steps { color: var(--faint); font-size: 11px; }
.empty, .hint { color: var(--muted); padding: 12px; }

#stage { display: flex; flex-direction: column; min-width: 0; min-height: 0; }
#actor-head { padding: 14px 18px 6px; background: var(--panel); border-bottom: 1px solid var(--line); }
.head-line { display: flex; align-items: center; gap: 10px; flex-wrap: wrap; }
.actor-title { font-family: var(--mono); font-size: 17px; margin: 0; font-weight: 700; }
.machine-tag { font-family: var(--mono); font-size: 12px; color: var(--muted); background: #f1f3f6; border-radius: 6px; padding: 1px 7px; }
.head-state { margin-top: 6px; display: flex; align-items: center; gap: 6px; flex-wrap: wrap; }
.head-state .label { font-size: 11px; text-transform: uppercase; letter-spacing: .8px; color: var(--muted); }
.state-value { font-family: var(--mono); font-size: 13px; font-weight: 700; color: var(--accent-strong); background: var(--accent-soft); padding: 2px 8px; border-radius: 6px; }
.description { color: var(--muted); margin: 6px 0 2px; font-size: 12px; }
#controls { display: flex; align-items: center; gap: 6px; padding: 8px 18px; background: var(--panel); border-bottom: 1px solid var(--line); flex-wrap: wrap; }
.ctl { border: 1px solid var(--line); background: #fff; border-radius: 7px; padding: 4px 9px; cursor: pointer; min-width: 32px; display: inline-flex; align-items: center; justify-content: center; gap: 4px; height: 28px; }
.icon { fill: currentColor; }
.ctl:hover:not(:disabled) { border-color: var(--accent); color: var(--accent-strong); }
.ctl:disabled { opacity: .35; cursor: default; }
.ctl.play { min-width: 78px; font-weight: 600; }
.ctl.live.on { color: var(--ok); border-color: #9fdcc3; }
.ctl.zoom { min-width: 28px; padding: 3px 8px; }
.ctl.zoom.on { background: var(--accent-soft); border-color: #b8cdfa; color: var(--accent-strong); }
#legend { display: flex; flex-wrap: wrap; gap: 16px; align-items: center; padding: 6px 18px; background: var(--panel); border-top: 1px solid var(--line); font-size: 11.5px; color: var(--muted); }
#legend > span { display: inline-flex; align-items: center; gap: 6px; }
#legend svg line { stroke: #a3abb8; stroke-width: 1.6; }
#legend svg .lg-always { stroke-dasharray: 4 3; }
.lg-after { color: var(--internal); font-family: var(--mono); }
.lg-done { color: var(--ok); font-family: var(--mono); }
.lg-error { color: var(--bad); }
.lg-current { width: 16px; height: 11px; border-radius: 3px; background: #dbe8ff; border: 2px solid var(--accent); display: inline-block; }
.lg-taken { width: 22px; height: 3px; background: var(--accent); display: inline-block; border-radius: 2px; }
.scrub { width: 160px; accent-color: var(--accent); }
.position { font-variant-numeric: tabular-nums; color: var(--muted); }
.position strong { color: var(--text); }
.when { font-family: var(--mono); font-size: 11.5px; color: var(--muted); margin-left: 6px; }
.spacer { flex: 1; }
#chart { flex: 1; overflow: auto; padding: 12px; background-color: #fbfbfd; background-image: radial-gradient(#dfe3ea 1px, transparent 1px); background-size: 18px 18px; min-height: 0; }
#chart svg { display: block; margin: 0 auto; }

svg.chart text { font-family: var(--sans); }
svg.chart .state .box { fill: #ffffff; stroke: #b8c0cc; stroke-width: 1.3; }
svg.chart .state.compound .box { fill: rgba(246, 247, 250, .9); }
svg.chart .state.machine .box { fill: rgba(255, 255, 255, .75); stroke: #98a2b3; stroke-width: 1.5; }
svg.chart .state.region .box { fill: rgba(255, 255, 255, .6); stroke-dasharray: 6 4; }
svg.chart .state .rule { stroke: #e3e6eb; }
svg.chart .state.leaf .rule { display: none; }
svg.chart .state .title { font-weight: 600; font-size: 14px; fill: #2a303c; }
svg.chart .state .machine-title { font-weight: 700; font-size: 15px; }
svg.chart .state .version { font-family: var(--mono); font-size: 11px; fill: var(--faint); }
svg.chart .state .line { font-family: var(--mono); font-size: 11.5px; fill: #4b5563; }
svg.chart .state .line-kind { fill: var(--faint); }
svg.chart .state .line.any .event { fill: #2f3746; font-weight: 500; }
svg.chart .state .line.any .guard { fill: #7a8291; }
svg.chart .state .line.any.taken, svg.chart .state .line.any.taken .event, svg.chart .state .line.taken { fill: var(--accent-strong); font-weight: 700; }
svg.chart .state .line.taken .line-kind { fill: var(--accent); }
svg.chart .state .final-ring { fill: none; stroke: #b8c0cc; stroke-width: 1.1; }
svg.chart .initial { fill: #3b4252; }
svg.chart .state.active > .box { stroke: var(--accent); stroke-width: 2; fill: #f3f7ff; }
svg.chart .state.active > .title { fill: var(--accent-strong); }
svg.chart .state.current > .box { fill: #dbe8ff; stroke: var(--accent); stroke-width: 2.6; filter: url(#glow); }
svg.chart .state.current > .title { fill: #173a9a; font-weight: 700; }
svg.chart .state.current > .final-ring, svg.chart .state.active > .final-ring { stroke: var(--accent); }
svg.chart .edge { fill: none; stroke: #a3abb8; stroke-width: 1.4; }
svg.chart .edge.initial { stroke: #3b4252; }
svg.chart .edge.always { stroke-dasharray: 4 3; }
svg.chart .edge.taken { stroke: var(--accent); stroke-width: 2.6; }
svg.chart .arrowhead { fill: #a3abb8; }
svg.chart .arrowhead.taken { fill: var(--accent); }
svg.chart .edge-label rect { fill: #ffffff; stroke: #d6dbe3; stroke-width: 1; }
svg.chart .edge-label .line { font-family: var(--mono); font-size: 12px; }
svg.chart .edge-label .event { font-weight: 500; fill: #2f3746; }
svg.chart .edge-label .guard { font-size: 11px; fill: #7a8291; }
svg.chart .edge-label .after .event { fill: var(--internal); }
svg.chart .edge-label .done .event, svg.chart .edge-label .onDone .event { fill: var(--ok); }
svg.chart .edge-label .error .event { fill: var(--bad); }
svg.chart .edge-label .always .guard { fill: #5b6472; font-style: italic; }
svg.chart .edge-label.taken rect { stroke: var(--accent); stroke-width: 1.6; fill: #f3f7ff; }
svg.chart .edge-label .line.taken .event, svg.chart .edge-label .line.taken .guard { fill: var(--accent-strong); font-weight: 700; }

#side { background: var(--panel); border-left: 1px solid var(--line); display: flex; flex-direction: column; min-height: 0; }
#side h3 { margin: 0; padding: 12px 14px 8px; font-size: 11px; text-transform: uppercase; letter-spacing: .8px; color: var(--muted); }
#timeline { list-style: none; margin: 0; padding: 0 0 8px; overflow: auto; flex: 1 1 55%; min-height: 120px; }
.row { display: grid; grid-template-columns: 10px 86px minmax(0, 1fr) auto; gap: 8px; align-items: start; padding: 5px 12px 5px 11px; border-left: 3px solid transparent; cursor: pointer; }
.row:hover { background: #f6f7fa; }
.row.current { background: var(--accent-soft); border-left-color: var(--accent); }
.row .kind { width: 8px; height: 8px; border-radius: 50%; margin-top: 5px; background: var(--accent); }
.row.kind-spawn .kind { background: var(--ok); }
.row.kind-internal .kind { background: var(--internal); }
.row.kind-stop .kind { background: #3b4252; border-radius: 2px; }
.row.kind-running .kind { background: var(--faint); }
.row .time { font-family: var(--mono); font-size: 11.5px; color: #374151; font-variant-numeric: tabular-nums; display: flex; flex-direction: column; }
.row .delta { font-size: 10.5px; color: var(--faint); }
.row .what { display: flex; flex-direction: column; min-width: 0; }
.row .label { font-family: var(--mono); font-size: 12px; font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.row.kind-internal .label { color: var(--internal); }
.row .to { font-family: var(--mono); font-size: 11px; color: var(--muted); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.row.current .to { color: var(--accent-strong); }
.row .seq { font-family: var(--mono); font-size: 10.5px; color: var(--faint); padding-top: 2px; }
.row.diverged { background: #fdf0ee; }
#details { border-top: 1px solid var(--line); overflow: auto; flex: 1 1 45%; padding: 6px 12px 12px; min-height: 100px; }
#details summary { cursor: pointer; font-size: 11px; text-transform: uppercase; letter-spacing: .8px; color: var(--muted); padding: 6px 0; }
pre.json { margin: 0 0 8px; font: 11.5px/1.45 var(--mono); background: #f7f8fa; border: 1px solid var(--line); border-radius: 8px; padding: 8px 10px; white-space: pre-wrap; word-break: break-word; }
`;
