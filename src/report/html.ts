import { UsageError } from '../errors.js';
import { type CompareOptions, type Comparison, compareRuns, metricValue } from './compare.js';
import { formatDuration, formatTime, formatValue } from './format.js';
import { REPORT_SCRIPT } from './html-script.js';
import type { RunInfo } from './read.js';
import { curveMetrics } from './show.js';

/**
 * The HTML report: one self-contained file (styles, data and the drawing script inline; nothing
 * fetched) with the comparison table, learning curves of the chosen runs and, for a sweep, a chart
 * of each differing parameter against the objective.
 */

export interface ReportOptions {
  title?: string;
  /** Draw the parameter charts of this sweep (set when every chosen run is of one sweep, too). */
  sweep?: string;
  /** The y of the sweep charts, a comparison column id (default `best_<monitor>`). */
  objective?: string;
  compare?: CompareOptions;
  experimentsDir?: string;
  generatedAt?: Date;
  version?: string;
}

export interface ChartInfo {
  id: string;
  kind: 'curves' | 'scatter';
  title: string;
}

export interface Report {
  html: string;
  runs: string[];
  charts: ChartInfo[];
  sweep: string | null;
  objective: string | null;
  comparison: Comparison;
}

const PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
];

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

interface CurveSpec {
  kind: 'curves';
  title: string;
  xLabel: string;
  yLabel: string;
  lines: { key: string; label: string; color: string; dashed: boolean; points: [number, number][] }[];
  legend: { key: string; label: string; color: string }[];
}

interface ScatterSpec {
  kind: 'scatter';
  title: string;
  xLabel: string;
  yLabel: string;
  log: boolean;
  categories?: string[];
  points: { x: number | string; y: number; label: string; best: boolean }[];
}

function curveSpec(runs: readonly RunInfo[], metric: string): CurveSpec {
  const lines: CurveSpec['lines'] = [];
  const legend: CurveSpec['legend'] = [];
  runs.forEach((run, i) => {
    const color = PALETTE[i % PALETTE.length]!;
    const key = `run-${i}`;
    let any = false;
    for (const [k, dashed, label] of [
      [metric, true, 'train'],
      [`val_${metric}`, false, 'validation'],
      [`test_${metric}`, false, 'test'],
    ] as const) {
      const points = run.history.flatMap((r): [number, number][] =>
        typeof r[k] === 'number' && Number.isFinite(r[k]) ? [[r.epoch, r[k]]] : [],
      );
      if (points.length === 0) continue;
      any = true;
      lines.push({ key, label: `${run.id} (${label})`, color, dashed, points });
    }
    if (any) legend.push({ key, label: run.id, color });
  });
  return { kind: 'curves', title: metric, xLabel: 'epoch', yLabel: metric, lines, legend };
}

function scatterSpec(
  cmp: Comparison,
  param: string,
  objective: string,
  objectiveLabel: string,
): ScatterSpec | null {
  const best = new Set(cmp.best[objective] ?? []);
  const points = cmp.rows.flatMap((r) => {
    const x = r.values[param];
    const y = r.values[objective];
    if (typeof y !== 'number' || x === null || x === undefined) return [];
    return [{ x: typeof x === 'number' ? x : String(x), y, label: r.id, best: best.has(r.id) }];
  });
  if (points.length === 0) return null;
  const numeric = points.every((p) => typeof p.x === 'number');
  const xs = points.map((p) => p.x as number);
  // Learning rates and the like span decades: a log axis shows them evenly.
  const log = numeric && Math.min(...xs) > 0 && Math.max(...xs) / Math.min(...xs) >= 100;
  const spec: ScatterSpec = {
    kind: 'scatter',
    title: `${param} against ${objectiveLabel}`,
    xLabel: param,
    yLabel: objectiveLabel,
    log,
    points,
  };
  if (!numeric) {
    spec.categories = [...new Set(points.map((p) => String(p.x)))].sort((a, b) =>
      a.localeCompare(b, 'en', { numeric: true }),
    );
    spec.points = points.map((p) => ({ ...p, x: String(p.x) }));
  }
  return spec;
}

const STYLE = `
:root { color-scheme: light; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --best: #1a7f37; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); margin: 0; padding: 24px 32px 48px; max-width: 1400px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 10px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.meta, .note { color: var(--muted); font-size: 13px; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; white-space: nowrap; }
th { background: #f6f8fa; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.best { font-weight: 700; color: var(--best); background: #dafbe1; }
.status-failed { color: #cf222e; font-weight: 600; } .status-interrupted { color: #9a6700; font-weight: 600; }
.status-running { color: #0969da; } .status-unknown { color: #8250df; }
.status-crashed { color: #cf222e; font-weight: 600; } .status-stale { color: #9a6700; font-weight: 600; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(480px, 1fr)); gap: 20px; }
figure { margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; }
figcaption { font-weight: 600; margin-bottom: 4px; }
.chart-svg { width: 100%; height: auto; display: block; }
.chart-svg .grid line { stroke: #eaeef2; } .chart-svg .plot-frame { fill: none; stroke: #afb8c1; }
.chart-svg .tick { font-size: 11px; fill: var(--muted); } .chart-svg .axis-label { font-size: 12px; fill: var(--fg); }
.chart-svg .line { fill: none; stroke-width: 2; } .chart-svg .hidden { display: none; }
.chart-svg .point { stroke: #fff; stroke-width: 1; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 12px; margin-top: 6px; }
.legend-item { cursor: pointer; user-select: none; } .legend-item.off { opacity: 0.35; }
.legend-item i { display: inline-block; width: 14px; height: 3px; margin: 0 5px 3px 0; vertical-align: middle; }
ul.warnings { color: #9a6700; font-size: 13px; }
code { font-size: 12px; }
`;

function comparisonHtml(cmp: Comparison): string {
  // Short headers (the full config path in the tooltip), so the table stays narrow.
  const head = [
    '<th>run</th><th>status</th>',
    ...cmp.columns.map((c) => {
      const better =
        c.better === 'min' ? ' (lower is better)' : c.better === 'max' ? ' (higher is better)' : '';
      const text = escapeHtml(c.short).replace(/\n/g, '<br>');
      return `<th title="${escapeHtml(c.label + better)}">${text}</th>`;
    }),
  ].join('');
  const rows = cmp.rows.map((r) => {
    const cells = cmp.columns.map((c) => {
      const text = escapeHtml(formatValue(r.values[c.id], c.format));
      const cls = [c.format === 'text' ? '' : 'num', cmp.best[c.id]?.includes(r.id) ? 'best' : '']
        .filter(Boolean)
        .join(' ');
      return `<td${cls ? ` class="${cls}"` : ''}>${text}</td>`;
    });
    return `<tr><td><code>${escapeHtml(r.id)}</code></td><td class="status-${escapeHtml(r.status)}">${escapeHtml(r.status)}</td>${cells.join('')}</tr>`;
  });
  return `<div class="scroll"><table id="comparison"><thead><tr>${head}</tr></thead><tbody>${rows.join('\n')}</tbody></table></div>`;
}

function runsHtml(runs: readonly RunInfo[]): string {
  const rows = runs.map((r) => {
    const cells = [
      `<code>${escapeHtml(r.id)}</code>`,
      escapeHtml(r.name),
      `<span class="status-${escapeHtml(r.status)}">${escapeHtml(r.status)}</span>${
        r.failure ? ` <span class="note">${escapeHtml(r.failure.message)}</span>` : ''
      }`,
      escapeHtml(formatTime(r.createdAt)),
      escapeHtml(formatDuration(r.trainSeconds)),
      escapeHtml(r.backend ?? '-'),
      escapeHtml(r.sweep ? `${r.sweep.id} / ${r.sweep.trial}` : '-'),
      escapeHtml(r.tags.join(', ') || '-'),
    ];
    return `<tr>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;
  });
  const head = ['run', 'name', 'status', 'started', 'time', 'backend', 'sweep / trial', 'tags'];
  return `<div class="scroll"><table id="runs"><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows.join('\n')}</tbody></table></div>`;
}

/** JSON for a `<script type="application/json">` block: no `</script>` can end it early. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** `val_loss` means `best_val_loss`; an objective no run has a value for is a mistake. */
function resolveObjective(name: string, runs: readonly RunInfo[]): string {
  const has = (id: string) => runs.some((r) => metricValue(r, id) !== null);
  if (has(name)) return name;
  if (has(`best_${name}`)) return `best_${name}`;
  throw new UsageError('UNKNOWN_OBJECTIVE', `--objective ${name}: no chosen run has a value for it`, {
    suggestions: [
      'a metric column id: best_val_loss, best_val_accuracy, last_val_loss, test_accuracy, test_auc, ...',
    ],
  });
}

export function buildReport(runs: readonly RunInfo[], options: ReportOptions = {}): Report {
  const comparison = compareRuns(runs, options.compare ?? {});
  const shown = comparison.rows.map((r) => runs.find((run) => run.dir === r.dir)!);
  const sweepIds = new Set(shown.map((r) => r.sweep?.id ?? null));
  const only = sweepIds.size === 1 ? [...sweepIds][0] : null;
  const sweep = options.sweep ?? only ?? null;

  const charts: Record<string, CurveSpec | ScatterSpec> = {};
  const infos: ChartInfo[] = [];
  const metrics = [...new Set(shown.flatMap((r) => curveMetrics(r)))];
  for (const m of metrics) {
    const spec = curveSpec(shown, m);
    if (spec.lines.length === 0) continue;
    const id = `curves-${m}`;
    charts[id] = spec;
    infos.push({ id, kind: 'curves', title: m });
  }

  let objective: string | null = null;
  if (sweep !== null) {
    const monitor = shown[0]?.monitor ?? 'val_loss';
    objective = resolveObjective(options.objective ?? `best_${monitor}`, shown);
    const col = comparison.columns.find((c) => c.id === objective);
    const label = col?.label ?? objective;
    // The objective may be a metric the table does not show: add its values for the charts.
    if (!col)
      for (const r of comparison.rows)
        r.values[objective] = metricValue(shown.find((s) => s.dir === r.dir)!, objective);
    for (const c of comparison.columns.filter((c) => c.kind === 'param')) {
      const spec = scatterSpec(comparison, c.id, objective, label);
      if (!spec) continue;
      const id = `sweep-${infos.length}`;
      charts[id] = spec;
      infos.push({ id, kind: 'scatter', title: spec.title });
    }
  }

  const title = options.title ?? (sweep ? `qqp sweep ${sweep}` : 'qqp runs');
  const generated = (options.generatedAt ?? new Date()).toISOString();
  const warnings = comparison.warnings;
  const figure = (c: ChartInfo) =>
    `<figure><figcaption>${escapeHtml(c.title)}</figcaption><div class="chart" data-chart="${escapeHtml(c.id)}"></div></figure>`;
  const curveFigures = infos.filter((c) => c.kind === 'curves').map(figure);
  const sweepFigures = infos.filter((c) => c.kind === 'scatter').map(figure);
  const paramsNote =
    comparison.params === 'differing'
      ? 'Config values shown: those that differ among these runs.'
      : comparison.params === 'all'
        ? 'Config values shown: all.'
        : 'Config values shown: those chosen with --param.';

  const html = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="qqp${options.version ? ` ${escapeHtml(options.version)}` : ''}">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="meta">${shown.length} run(s)${options.experimentsDir ? ` from <code>${escapeHtml(options.experimentsDir)}</code>` : ''}; generated ${escapeHtml(generated)}${options.version ? ` by qqp ${escapeHtml(options.version)}` : ''}. The page needs no network.</p>
${warnings.length ? `<h2>Warnings</h2><ul class="warnings">${warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>` : ''}
<h2>Comparison</h2>
<p class="note">${paramsNote} Best value of each metric column in <b>bold green</b>; <code>-</code> where a run has no value. "best" columns are taken at the epoch each run kept as best (by its monitor), "last" at its last epoch; test figures at threshold 0.5.</p>
${comparisonHtml(comparison)}
<h2>Learning curves</h2>
<p class="note">Dashed: training; solid: validation. One colour per run; click a run in a legend to hide it.</p>
${curveFigures.length ? `<div class="charts">${curveFigures.join('\n')}</div>` : '<p class="note">No epoch records to draw.</p>'}
${
  sweep !== null
    ? `<h2>Sweep ${escapeHtml(sweep)}: parameters against ${escapeHtml(objective ?? '')}</h2>
<p class="note">One point per run; the best in red.</p>
${sweepFigures.length ? `<div class="charts">${sweepFigures.join('\n')}</div>` : '<p class="note">The runs of this sweep do not differ in any config value, or have no objective values.</p>'}`
    : ''
}
<h2>Runs</h2>
${runsHtml(shown)}
<noscript><p class="note">The charts are drawn by a script in this page; enable JavaScript to see them.</p></noscript>
<script type="application/json" id="qqp-data">${scriptJson({ charts })}</script>
<script>${REPORT_SCRIPT}</script>
</body>
</html>
`;
  return { html, runs: shown.map((r) => r.id), charts: infos, sweep, objective, comparison };
}
