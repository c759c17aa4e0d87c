import { UsageError } from '../errors.js';
import {
  type CompareOptions,
  type Comparison,
  type ComparisonColumn,
  compareRuns,
  metricValue,
} from './compare.js';
import { formatDuration, formatTime, formatValue } from './format.js';
import { chooseBest, headlineHtml } from './headline.js';
import {
  type ChartSpec,
  type CurveSpec,
  escapeHtml,
  labelHtml,
  type RunLabel,
  runLabels,
  type ScatterSpec,
  scriptJson,
} from './html-common.js';
import {
  type ChartedEvaluation,
  chartedEvaluation,
  confusionHtml,
  type EvalChartKind,
  evalChart,
  evaluationsHtml,
  slicesHtml,
} from './html-eval.js';
import { REPORT_SCRIPT } from './html-script.js';
import {
  type ParallelSpec,
  type ProgressSpec,
  parallelSpec,
  progressSpec,
  type SweepSource,
  sweepOverviewHtml,
} from './html-sweep.js';
import type { RunInfo } from './read.js';
import { curveMetrics } from './show.js';

/**
 * The HTML report: one self-contained file (styles, data and the drawing script inline; nothing
 * fetched). In order: the headline (the best run by a stated rule, its test figures and its ROC
 * curve), for a sweep its trials from its manifest (html-sweep.ts: parallel coordinates, parameter
 * importance, best so far, the trials table) and a chart of each differing parameter against the
 * objective from the run folders, the comparison table (metrics first, then the settings that
 * differ), the evaluation charts (ROC, precision-recall, F1 by threshold; one line per run) with each
 * run's confusion matrix, the per-slice tables of `qqp eval --slice`, the learning curves, and the
 * runs. A run has one colour in every chart and is named by its name and the settings it differs in.
 */

export interface ReportOptions {
  title?: string;
  /** Draw the parameter charts of this sweep (set when every chosen run is of one sweep, too). */
  sweep?: string;
  /** The y of the sweep charts, a comparison column id (default `best_<monitor>`). */
  objective?: string;
  compare?: CompareOptions;
  /**
   * Reads the sweep's own manifest (`src/sweep/overview.ts` readSweepOverview) for its trials'
   * sections: parallel coordinates, importance, best so far, the trials table. Without it, or when
   * it finds none, the page says the manifest was not found and draws the run folders' charts only.
   */
  loadSweep?: (id: string) => SweepSource;
  experimentsDir?: string;
  generatedAt?: Date;
  version?: string;
}

export interface ChartInfo {
  id: string;
  /**
   * `headline-roc`: the best run's ROC; `roc`, `pr`, `f1`: every run's evaluation curves; `parallel`
   * and `progress`: a sweep's trials from its manifest (parallel coordinates, best so far).
   */
  kind: 'headline-roc' | EvalChartKind | 'curves' | 'scatter' | 'parallel' | 'progress';
  title: string;
}

export interface Report {
  html: string;
  runs: string[];
  charts: ChartInfo[];
  sweep: string | null;
  /** The sweep manifest the trials' sections come from (null: none found, or not a sweep). */
  sweepManifest: string | null;
  objective: string | null;
  /** The headline's run and the metric that chose it (null when no run has a value to rank by). */
  best: { id: string; label: string; metric: string; metricLabel: string; value: number } | null;
  comparison: Comparison;
}

export { escapeHtml } from './html-common.js';

function curveSpec(runs: readonly RunInfo[], labels: Map<string, RunLabel>, metric: string): CurveSpec {
  const lines: CurveSpec['lines'] = [];
  const legend: CurveSpec['legend'] = [];
  runs.forEach((run) => {
    const { key, color, text } = labels.get(run.id)!;
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
      lines.push({ key, label: `${text} (${label})`, color, dashed, points });
    }
    if (any) legend.push({ key, label: text, color });
  });
  return { kind: 'curves', title: metric, xLabel: 'epoch', yLabel: metric, lines, legend };
}

function scatterSpec(
  cmp: Comparison,
  labels: Map<string, RunLabel>,
  param: string,
  objective: string,
  objectiveLabel: string,
): ScatterSpec | null {
  const best = new Set(cmp.best[objective] ?? []);
  const points = cmp.rows.flatMap((r) => {
    const x = r.values[param];
    const y = r.values[objective];
    if (typeof y !== 'number' || x === null || x === undefined) return [];
    const l = labels.get(r.id)!;
    return [
      { x: typeof x === 'number' ? x : String(x), y, label: l.text, best: best.has(r.id), color: l.color },
    ];
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
:root { color-scheme: light; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --best: #1a7f37; --warn: #9a6700; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); margin: 0 auto; padding: 20px 32px 48px; max-width: 1400px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 10px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 14px; margin: 18px 0 4px; }
.meta, .note { color: var(--muted); font-size: 13px; }
.warn { color: var(--warn); font-weight: 600; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; white-space: nowrap; }
th { background: #f6f8fa; font-weight: 600; }
th.group-start, td.group-start { border-left: 2px solid #8c959f; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.best { font-weight: 700; color: var(--best); background: #dafbe1; }
tr.worst td { background: #fff1e5; }
.status-failed { color: #cf222e; font-weight: 600; } .status-interrupted { color: #9a6700; font-weight: 600; }
.status-running { color: #0969da; } .status-unknown { color: #8250df; }
.status-crashed { color: #cf222e; font-weight: 600; } .status-stale { color: #9a6700; font-weight: 600; }
.status-stopped { color: #59636e; } .status-pending, .status-cancelled { color: #8c959f; font-style: italic; }
td.na { color: #8c959f; font-style: italic; }
figure.wide { margin-top: 8px; }
.chart-svg.wide-svg { max-height: 460px; }
.chart-svg .pc-axis line { stroke: #8c959f; } .chart-svg .pc-axis text { paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; } .chart-svg .pc-axis .na-mark { stroke: #8c959f; stroke-dasharray: 2 2; }
.chart-svg .pc-line { fill: none; stroke-width: 1.6; opacity: 0.8; } .chart-svg .pc-line.best { stroke-width: 4; opacity: 1; }
.chart-svg .step-line { fill: none; stroke: #1f2328; stroke-width: 2; }
.chart-svg .trial-point { fill: #8c959f; stroke: #fff; stroke-width: 1; } .chart-svg .trial-point.best { fill: var(--best); stroke: #1f2328; stroke-width: 2; }
.scale-legend { font-size: 12px; color: var(--muted); margin-top: 4px; }
.scale-bar { display: inline-block; width: 160px; height: 10px; border-radius: 2px; vertical-align: -1px; margin: 0 6px; }
.bar { display: inline-block; height: 10px; background: #8c959f; border-radius: 2px; vertical-align: -1px; }
tr.best-trial td { background: #dafbe1; } .best-mark { color: var(--best); font-weight: 700; }
.swatch { display: inline-block; width: 11px; height: 11px; border-radius: 2px; margin-right: 6px; vertical-align: -1px; }
.run-label .settings { color: var(--muted); } .run-id { color: var(--muted); font-size: 11px; }
.headline { display: grid; grid-template-columns: minmax(0, 1fr) 440px; gap: 24px; align-items: start; border: 1px solid var(--line); border-radius: 8px; padding: 14px 18px; margin-top: 12px; background: #fbfcfd; }
.headline .rule { margin: 0 0 6px; color: var(--muted); font-size: 13px; }
.headline-run { border: 0; margin: 4px 0 10px; padding: 0; font-size: 18px; }
.figures { display: flex; flex-wrap: wrap; gap: 10px; }
.figure { border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; min-width: 130px; background: #fff; }
.figure .value { font-size: 28px; font-weight: 650; font-variant-numeric: tabular-nums; }
.figure .name { font-weight: 600; } .figure .hint { color: var(--muted); font-size: 12px; }
.facts { margin: 10px 0 0; }
.headline-roc { margin: 0; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(400px, 1fr)); gap: 20px; }
figure { margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; background: #fff; }
figcaption { font-weight: 600; margin-bottom: 4px; }
.chart-svg { width: 100%; height: auto; display: block; }
.chart-svg .grid line { stroke: #eaeef2; } .chart-svg .plot-frame { fill: none; stroke: #afb8c1; }
.chart-svg .tick { font-size: 11px; fill: var(--muted); } .chart-svg .axis-label { font-size: 12px; fill: var(--fg); }
.chart-svg .line { fill: none; stroke-width: 2; } .chart-svg .hidden { display: none; }
.chart-svg .ref { stroke: #8c959f; stroke-width: 1.2; stroke-dasharray: 4 4; fill: none; }
.chart-svg .point { stroke: #fff; stroke-width: 1; } .chart-svg .point.best { stroke: #1f2328; stroke-width: 2.5; }
.chart-svg .mark { stroke: #1f2328; stroke-width: 1.2; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 12px; margin-top: 6px; }
.legend-item { cursor: pointer; user-select: none; } .legend-item.off { opacity: 0.35; }
.legend-item i { display: inline-block; width: 14px; height: 3px; margin: 0 5px 3px 0; vertical-align: middle; }
.cms { display: flex; flex-wrap: wrap; gap: 16px; margin-top: 16px; }
.cm { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; }
.cm-head { margin-bottom: 6px; }
table.confusion td { min-width: 96px; } table.confusion td.right { font-weight: 600; }
ul.warnings { color: var(--warn); font-size: 13px; }
code { font-size: 12px; }
`;

/** Which group a column belongs to in the page's table: test figures, per-epoch figures, settings, the rest. */
function columnGroup(c: ComparisonColumn): number {
  if (c.kind === 'metric') return c.id.startsWith('test_') ? 0 : 1;
  return c.kind === 'param' ? 2 : 3;
}

/** The comparison table with its metric columns first (test, then per epoch), the differing settings after. */
function comparisonHtml(cmp: Comparison, labels: Map<string, RunLabel>): string {
  const columns = [...cmp.columns].sort((a, b) => columnGroup(a) - columnGroup(b));
  const starts = new Set(columns.filter((c, i) => i > 0 && columnGroup(c) !== columnGroup(columns[i - 1]!)));
  const edge = (c: ComparisonColumn) => (starts.has(c) ? 'group-start' : '');
  // Short headers (the full config path in the tooltip), so the table stays narrow.
  const head = [
    '<th>run</th><th>status</th>',
    ...columns.map((c) => {
      const better =
        c.better === 'min' ? ' (lower is better)' : c.better === 'max' ? ' (higher is better)' : '';
      const text = escapeHtml(c.short).replace(/\n/g, '<br>');
      return `<th title="${escapeHtml(c.label + better)}"${edge(c) ? ` class="${edge(c)}"` : ''}>${text}</th>`;
    }),
  ].join('');
  const rows = cmp.rows.map((r) => {
    const cells = columns.map((c) => {
      const text = escapeHtml(formatValue(r.values[c.id], c.format));
      const cls = [c.format === 'text' ? '' : 'num', cmp.best[c.id]?.includes(r.id) ? 'best' : '', edge(c)]
        .filter(Boolean)
        .join(' ');
      return `<td${cls ? ` class="${cls}"` : ''}>${text}</td>`;
    });
    const l = labels.get(r.id)!;
    const run = `<span class="run-label"><i class="swatch" style="background:${l.color}"></i><b>${escapeHtml(l.name)}</b> <code class="run-id">${escapeHtml(r.id)}</code></span>`;
    return `<tr data-run="${escapeHtml(r.id)}"><td>${run}</td><td class="status-${escapeHtml(r.status)}">${escapeHtml(r.status)}</td>${cells.join('')}</tr>`;
  });
  return `<div class="scroll"><table id="comparison"><thead><tr>${head}</tr></thead><tbody>${rows.join('\n')}</tbody></table></div>`;
}

function runsHtml(runs: readonly RunInfo[], labels: Map<string, RunLabel>): string {
  const rows = runs.map((r) => {
    const cells = [
      `<code>${escapeHtml(r.id)}</code>`,
      labelHtml(labels.get(r.id)!, false),
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

const figureHtml = (c: ChartInfo) =>
  `<figure><figcaption>${escapeHtml(c.title)}</figcaption><div class="chart" data-chart="${escapeHtml(c.id)}"></div></figure>`;

/** The evaluation section: the three charts, the confusion matrices, what has no curve. */
function evaluationSection(
  evals: readonly ChartedEvaluation[],
  missing: readonly RunInfo[],
  labels: Map<string, RunLabel>,
  infos: readonly ChartInfo[],
): string {
  const figures = infos.filter((c) => c.kind === 'roc' || c.kind === 'pr' || c.kind === 'f1').map(figureHtml);
  const noCurve = evals.filter((e) => e.metrics.curve === null);
  const notes = [
    ...noCurve.map(
      (e) =>
        `<li>${labelHtml(e.label)}: no curve saved (older files); run <code>qqp eval ${escapeHtml(e.run.id)}</code> to save one.</li>`,
    ),
    ...missing.map(
      (r) =>
        `<li>${labelHtml(labels.get(r.id)!)}: no evaluation (${escapeHtml(r.status)}${r.status === 'completed' ? ', no test split' : ''}); <code>qqp eval ${escapeHtml(r.id)}</code> evaluates it.</li>`,
    ),
  ];
  const sources = [...new Set(evals.filter((e) => e.metrics.curve).map((e) => e.source))];
  return `<h2 id="evaluation">Evaluation</h2>
<p class="note">Each run's ${sources.length === 1 ? `${escapeHtml(sources[0]!)}` : 'evaluation (source in its confusion matrix)'}; one colour per run, as in every chart. Circles: the operating point at threshold 0.5; squares: the best-F1 threshold (chosen on validation, or marked optimistic). Dashed grey: chance.</p>
${figures.length ? `<div class="charts">${figures.join('\n')}</div>` : '<p class="note">No run has a saved curve to draw.</p>'}
${notes.length ? `<ul class="notes">${notes.join('')}</ul>` : ''}
${evals.length ? `<div class="cms">${evals.map(confusionHtml).join('\n')}</div>` : ''}`;
}

export function buildReport(runs: readonly RunInfo[], options: ReportOptions = {}): Report {
  const comparison = compareRuns(runs, options.compare ?? {});
  const shown = comparison.rows.map((r) => runs.find((run) => run.dir === r.dir)!);
  const labels = runLabels(comparison);
  const sweepIds = new Set(shown.map((r) => r.sweep?.id ?? null));
  const only = sweepIds.size === 1 ? [...sweepIds][0] : null;
  const sweep = options.sweep ?? only ?? null;

  let objective: string | null = null;
  if (sweep !== null) {
    const monitor = shown.find((r) => r.monitor)?.monitor ?? 'val_loss';
    objective = resolveObjective(options.objective ?? `best_${monitor}`, shown);
  }

  const charts: Record<string, ChartSpec | ParallelSpec | ProgressSpec> = {};
  const infos: ChartInfo[] = [];
  const add = (id: string, kind: ChartInfo['kind'], spec: ChartSpec | ParallelSpec | ProgressSpec) => {
    charts[id] = spec;
    infos.push({ id, kind, title: spec.title });
  };

  // The headline: the best run, and its ROC curve when it has one.
  const best = chooseBest(shown, comparison, objective);
  const evals = shown.flatMap((r) => chartedEvaluation(r, labels.get(r.id)!) ?? []);
  const bestEval = best ? (evals.find((e) => e.run === best.run) ?? null) : null;
  const headlineRoc = bestEval ? evalChart('roc', [bestEval]) : null;
  if (headlineRoc) add('headline-roc', 'headline-roc', { ...headlineRoc, legend: [] });

  for (const kind of ['roc', 'pr', 'f1'] as const) {
    const spec = evalChart(kind, evals);
    if (spec) add(`eval-${kind}`, kind, spec);
  }

  const metrics = [...new Set(shown.flatMap((r) => curveMetrics(r)))];
  for (const m of metrics) {
    const spec = curveSpec(shown, labels, m);
    if (spec.lines.length > 0) add(`curves-${m}`, 'curves', spec);
  }

  const sweepSource: SweepSource | null =
    sweep === null ? null : (options.loadSweep?.(sweep) ?? { missing: 'no sweep folder was looked for' });
  const overview = sweepSource && 'overview' in sweepSource ? sweepSource.overview : null;
  const parallel = overview ? parallelSpec(overview) : null;
  if (parallel) add('trials-parallel', 'parallel', parallel);
  const progress = overview ? progressSpec(overview) : null;
  if (progress) add('trials-progress', 'progress', progress);

  if (sweep !== null && objective !== null) {
    const col = comparison.columns.find((c) => c.id === objective);
    const label = col?.label ?? objective;
    // The objective may be a metric the table does not show: add its values for the charts.
    if (!col)
      for (const r of comparison.rows)
        r.values[objective] = metricValue(shown.find((s) => s.dir === r.dir)!, objective);
    for (const c of comparison.columns.filter((c) => c.kind === 'param')) {
      const spec = scatterSpec(comparison, labels, c.id, objective, label);
      if (spec) add(`sweep-${infos.length}`, 'scatter', spec);
    }
  }

  const title = options.title ?? (sweep ? `qqp sweep ${sweep}` : 'qqp runs');
  const generated = (options.generatedAt ?? new Date()).toISOString();
  const warnings = comparison.warnings;
  const curveFigures = infos.filter((c) => c.kind === 'curves').map(figureHtml);
  const sweepFigures = infos.filter((c) => c.kind === 'scatter').map(figureHtml);
  const paramsNote =
    comparison.params === 'differing'
      ? 'Settings shown: those that differ among these runs.'
      : comparison.params === 'all'
        ? 'Settings shown: all.'
        : 'Settings shown: those chosen with --param.';
  const slices = slicesHtml(shown, labels);
  const missing = shown.filter((r) => !evals.some((e) => e.run === r));

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
${headlineHtml(best, best ? (labels.get(best.run.id) ?? null) : null, bestEval, headlineRoc ? 'headline-roc' : null, shown.length)}
${warnings.length ? `<h2>Warnings</h2><ul class="warnings">${warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>` : ''}
${
  sweep !== null && sweepSource !== null
    ? `${sweepOverviewHtml(sweep, sweepSource, {
        parallel: parallel ? 'trials-parallel' : null,
        progress: progress ? 'trials-progress' : null,
      })}
<h2>Sweep ${escapeHtml(sweep)}: parameters against ${escapeHtml(objective ?? '')}</h2>
<p class="note">One point per run, in its colour; the best outlined in black.</p>
${sweepFigures.length ? `<div class="charts">${sweepFigures.join('\n')}</div>` : '<p class="note">The runs of this sweep do not differ in any config value, or have no objective values.</p>'}`
    : ''
}
<h2>Comparison</h2>
<p class="note">Test figures first (at threshold 0.5), then per-epoch figures ("best" at the epoch each run kept as best by its monitor, "last" at its last epoch), then the settings that differ. ${paramsNote} Best value of each metric column in <b>bold green</b>; <code>-</code> where a run has no value.</p>
${comparisonHtml(comparison, labels)}
${evaluationSection(evals, missing, labels, infos)}
<h3>Every saved evaluation</h3>
${evaluationsHtml(shown, labels)}
${slices.length ? `<h2 id="slices">Slices</h2>\n${slices.join('\n')}` : ''}
<h2>Learning curves</h2>
<p class="note">Dashed: training; solid: the held-out split named in the legend (validation, or test for a run without a validation split). One colour per run; click a run in a legend to hide it.</p>
${curveFigures.length ? `<div class="charts">${curveFigures.join('\n')}</div>` : '<p class="note">No epoch records to draw.</p>'}
<h2>Runs</h2>
${runsHtml(shown, labels)}
<noscript><p class="note">The charts are drawn by a script in this page; enable JavaScript to see them.</p></noscript>
<script type="application/json" id="qqp-data">${scriptJson({ charts })}</script>
<script>${REPORT_SCRIPT}</script>
</body>
</html>
`;
  return {
    html,
    runs: shown.map((r) => r.id),
    charts: infos,
    sweep,
    sweepManifest: overview?.file ?? null,
    objective,
    best: best
      ? {
          id: best.run.id,
          label: labels.get(best.run.id)?.text ?? best.run.name,
          metric: best.metric,
          metricLabel: best.metricLabel,
          value: best.value,
        }
      : null,
    comparison,
  };
}
