import { escapeHtml, fixed } from './html-common.js';

/**
 * The report's sections from a sweep's own manifest (not its run folders): a parallel-coordinates
 * chart of the trials, the parameters' importance, the best value so far by trial number, and the
 * trials table. `src/sweep/overview.ts` reads the manifest into a `SweepOverview`; this file only
 * draws one (the report may not import the sweep code, which sits above it).
 */

/** A swept parameter as the page shows it. */
export interface SweepParameter {
  /** Config path, e.g. `training.optimizer.learningRate`. */
  path: string;
  /** Its last part (more where two would read the same), for axis labels and table headers. */
  label: string;
  kind: 'numeric' | 'categorical';
  /** Numeric, every value positive and the largest at least 20× the smallest. */
  log: boolean;
  /** A categorical parameter's values in display order. */
  categories: string[];
  /** Trials without it (conditional parameters). */
  missing: number;
}

export interface SweepTrialRow {
  index: number;
  id: string;
  status: string;
  /** Numbers as numbers, anything else as text; no key where the trial has no such parameter. */
  params: Record<string, number | string>;
  epochs: number | null;
  /** The trial's best value of the sweep metric (null: none, e.g. failed or pending). */
  best: number | null;
  runId: string | null;
}

export interface ImportanceRow {
  path: string;
  trials: number;
  groups: number;
  grouping: 'value' | 'bins';
  eta2: number | null;
  chance: number | null;
  reason: string | null;
}

export interface SweepOverview {
  id: string;
  name: string;
  strategy: string;
  metric: string;
  mode: 'max' | 'min';
  status: string;
  /** The manifest read. */
  file: string;
  /** In the order trials first have them. */
  parameters: SweepParameter[];
  /** By index. */
  trials: SweepTrialRow[];
  /** Index of the best trial (ties: the first), null when no trial has a value. */
  best: number | null;
  /** Per trial, by index: its own value and the best among trials 1..index (null before any). */
  progress: { index: number; value: number | null; best: number | null }[];
  /** One row per parameter, most important first. */
  importance: ImportanceRow[];
  /** What in the manifest was odd and how it was read. */
  problems: string[];
}

/** A sweep's manifest summarised, or why there is none. */
export type SweepSource = { overview: SweepOverview } | { missing: string };

export interface ParallelAxis {
  label: string;
  /** Tooltip: the full config path, or the metric and its direction. */
  title: string;
  kind: 'numeric' | 'categorical';
  log: boolean;
  categories?: string[];
  /** Some trial has no value here: the axis gets an "n/a" place below its range. */
  na: boolean;
}

/** One vertical axis per parameter and a last one for the metric; one line per trial. */
export interface ParallelSpec {
  kind: 'parallel';
  title: string;
  axes: ParallelAxis[];
  /** Values in axis order (null: n/a), the metric last; the best trial's line last. */
  lines: { label: string; values: (number | string | null)[]; color: string; best: boolean }[];
}

/** Best so far by trial number: a stepped line, and a point per trial with a value. */
export interface ProgressSpec {
  kind: 'progress';
  title: string;
  xLabel: string;
  yLabel: string;
  /** [trial index, best so far], from the first trial with a value to the last trial. */
  steps: [number, number][];
  points: { x: number; y: number; best: boolean; label: string }[];
}

/**
 * Colours from worse to better: part of viridis, its lightest yellows left out (they vanish on
 * white). The one scale for metric values; runs keep the palette of html-common.ts.
 */
const SCALE = ['#bddf26', '#5ec962', '#21918c', '#3b528b', '#440154'];

/** The colour of `t` in 0 (worst) .. 1 (best). */
export function scaleColor(t: number): string {
  const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (SCALE.length - 1);
  const i = Math.min(SCALE.length - 2, Math.floor(u));
  const rgb = (hex: string) => [1, 3, 5].map((k) => Number.parseInt(hex.slice(k, k + 2), 16));
  const a = rgb(SCALE[i]!);
  const b = rgb(SCALE[i + 1]!);
  const f = u - i;
  return `#${a
    .map((v, k) =>
      Math.round(v + (b[k]! - v) * f)
        .toString(16)
        .padStart(2, '0'),
    )
    .join('')}`;
}

const better = (mode: 'max' | 'min') => (mode === 'min' ? 'lower is better' : 'higher is better');
const finite = (v: number | null): v is number => typeof v === 'number' && Number.isFinite(v);
const valueText = (v: number | string | undefined) => (v === undefined ? 'n/a' : String(v));

function trialText(o: SweepOverview, t: SweepTrialRow): string {
  const params = o.parameters.map((p) => `${p.label} ${valueText(t.params[p.path])}`).join(', ');
  return `trial ${t.index}${t.index === o.best ? ' (best)' : ''}${params ? `: ${params}` : ''}`;
}

export function parallelSpec(o: SweepOverview): ParallelSpec | null {
  const trials = o.trials.filter((t) => finite(t.best));
  if (trials.length === 0 || o.parameters.length === 0) return null;
  const values = trials.map((t) => t.best as number);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const axes: ParallelAxis[] = o.parameters.map((p) => ({
    label: p.label,
    title: p.path,
    kind: p.kind,
    log: p.log,
    ...(p.kind === 'categorical' ? { categories: p.categories } : {}),
    na: trials.some((t) => t.params[p.path] === undefined),
  }));
  axes.push({
    label: o.metric,
    title: `${o.metric} (${better(o.mode)})`,
    kind: 'numeric',
    log: false,
    na: false,
  });
  const goodness = (v: number) => {
    const t = hi === lo ? 1 : (v - lo) / (hi - lo);
    return o.mode === 'max' ? t : 1 - t;
  };
  const lines = trials.map((t) => ({
    label: `${trialText(o, t)} → ${o.metric} ${fixed(t.best)}`,
    values: [...o.parameters.map((p) => t.params[p.path] ?? null), t.best as number],
    color: scaleColor(goodness(t.best as number)),
    best: t.index === o.best,
  }));
  // The best drawn last, on top of the others.
  lines.sort((a, b) => Number(a.best) - Number(b.best));
  return { kind: 'parallel', title: `trials: parameters and ${o.metric}`, axes, lines };
}

export function progressSpec(o: SweepOverview): ProgressSpec | null {
  const steps = o.progress.flatMap((p): [number, number][] => (finite(p.best) ? [[p.index, p.best]] : []));
  if (steps.length === 0) return null;
  const byIndex = new Map(o.trials.map((t) => [t.index, t]));
  const points = o.progress.flatMap((p) =>
    finite(p.value)
      ? [
          {
            x: p.index,
            y: p.value,
            best: p.index === o.best,
            label: `${trialText(o, byIndex.get(p.index)!)}\n${o.metric} ${fixed(p.value)}, best so far ${fixed(p.best)}`,
          },
        ]
      : [],
  );
  return {
    kind: 'progress',
    title: `best ${o.metric} so far (${better(o.mode)})`,
    xLabel: 'trial',
    yLabel: o.metric,
    steps,
    points,
  };
}

function importanceHtml(o: SweepOverview): string {
  const labels = new Map(o.parameters.map((p) => [p.path, p.label]));
  const rows = o.importance.map((r) => {
    const groups = `${r.groups} ${r.grouping === 'bins' ? 'quantile bins' : r.groups === 1 ? 'value' : 'values'}`;
    const eta =
      r.eta2 === null
        ? `<td class="num na" colspan="2">${escapeHtml(r.reason ?? '-')}</td>`
        : `<td class="num">${r.eta2.toFixed(3)}</td><td><span class="bar" style="width:${Math.round(r.eta2 * 120)}px"></span></td>`;
    return `<tr data-param="${escapeHtml(r.path)}"><td><b>${escapeHtml(labels.get(r.path) ?? r.path)}</b> <code class="run-id">${escapeHtml(r.path)}</code></td>${eta}<td class="num">${r.chance === null ? '-' : r.chance.toFixed(3)}</td><td class="num">${r.trials}</td><td class="num">${escapeHtml(groups)}</td></tr>`;
  });
  const head = ['parameter', 'η² (share of variance)', '', 'by chance', 'trials used', 'groups'];
  return `<div class="scroll"><table id="sweep-importance"><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows.join('\n')}</tbody></table></div>`;
}

function trialsHtml(o: SweepOverview): string {
  const head = [
    '<th>trial</th><th>status</th>',
    ...o.parameters.map((p) => `<th title="${escapeHtml(p.path)}">${escapeHtml(p.label)}</th>`),
    `<th>epochs</th><th title="${escapeHtml(better(o.mode))}">best ${escapeHtml(o.metric)}</th><th>run</th>`,
  ].join('');
  const rows = o.trials.map((t) => {
    const best = t.index === o.best;
    const cells = [
      `<td class="num">${t.index}${best ? ' <span class="best-mark" title="the best trial">★ best</span>' : ''}</td>`,
      `<td class="status-${escapeHtml(t.status)}">${escapeHtml(t.status)}</td>`,
      ...o.parameters.map((p) => {
        const v = t.params[p.path];
        return v === undefined
          ? '<td class="na" title="the trial has no such parameter">n/a</td>'
          : `<td${typeof v === 'number' ? ' class="num"' : ''}>${escapeHtml(String(v))}</td>`;
      }),
      `<td class="num">${t.epochs ?? '-'}</td>`,
      `<td class="num${best ? ' best' : ''}">${fixed(t.best)}</td>`,
      `<td>${t.runId ? `<code class="run-id">${escapeHtml(t.runId)}</code>` : '-'}</td>`,
    ];
    return `<tr data-trial="${t.index}"${best ? ' class="best-trial"' : ''}>${cells.join('')}</tr>`;
  });
  return `<div class="scroll"><table id="sweep-trials"><thead><tr>${head}</tr></thead><tbody>${rows.join('\n')}</tbody></table></div>`;
}

function countsText(o: SweepOverview): string {
  const counts = new Map<string, number>();
  for (const t of o.trials) counts.set(t.status, (counts.get(t.status) ?? 0) + 1);
  return `${o.trials.length} trial(s)${
    counts.size ? `: ${[...counts].map(([s, n]) => `${n} ${escapeHtml(s)}`).join(', ')}` : ''
  }`;
}

const chartDiv = (id: string) => `<div class="chart" data-chart="${id}"></div>`;

/**
 * The sweep's own sections: its facts, the charts (ids given when drawn, else null), the importance
 * and trials tables. Without a manifest, a note that says so.
 */
export function sweepOverviewHtml(
  sweep: string,
  source: SweepSource,
  charts: { parallel: string | null; progress: string | null },
): string {
  const head = `<h2 id="sweep">Sweep ${escapeHtml(sweep)}: its trials</h2>`;
  if ('missing' in source) {
    return `${head}
<p class="note" id="sweep-missing">The sweep's manifest was not found (${escapeHtml(source.missing)}), so the parallel coordinates, parameter importance, best-so-far curve and trials table are absent. The charts below come from the run folders tagged with the sweep.</p>`;
  }
  const o = source.overview;
  const bestTrial = o.trials.find((t) => t.index === o.best);
  const lowHigh =
    o.mode === 'min' ? 'lower is better; best at the bottom' : 'higher is better; best at the top';
  const conditional = o.parameters.some((p) => p.missing > 0);
  return `${head}
<p class="meta">From <code>${escapeHtml(o.file)}</code>: ${escapeHtml(o.strategy)} search, ${escapeHtml(o.status)}, metric <b>${escapeHtml(o.metric)}</b> (${better(o.mode)}); ${countsText(o)}${
    bestTrial ? `. Best: trial ${bestTrial.index}, ${fixed(bestTrial.best)}` : '. No trial has a value yet'
  }.</p>
${o.problems.length ? `<ul class="warnings">${o.problems.map((p) => `<li>${escapeHtml(p)}</li>`).join('')}</ul>` : ''}
<h3>Parallel coordinates</h3>
${
  charts.parallel
    ? `<figure class="wide"><figcaption>Each trial's parameters and ${escapeHtml(o.metric)}</figcaption>${chartDiv(charts.parallel)}
<div class="scale-legend">worse <span class="scale-bar" style="background:linear-gradient(to right, ${SCALE.join(', ')})"></span> better</div></figure>
<p class="note">One vertical axis per parameter (numbers on a linear scale, or a log scale when they are all positive and span 20× or more; categories evenly spaced), the last one ${escapeHtml(o.metric)} (${lowHigh}). One line per trial with a value, coloured by it; the best trial thick and drawn on top.${
        conditional
          ? ' A trial without a parameter (a conditional one) passes through the axis\'s "n/a" place below its range.'
          : ''
      } Hover a line for its trial.</p>`
    : '<p class="note">No trial has both parameters and a value of the metric: nothing to draw.</p>'
}
<h3>Parameter importance</h3>
<p class="note">η² (eta squared, the correlation ratio): the share of the variance of ${escapeHtml(o.metric)} across trials that each parameter explains on its own. Trials are grouped by the parameter's value (numbers with more than 4 values into up to 4 quantile bins), and η² is the between-group sum of squares over the total. It is marginal: it ignores interactions between parameters, so a parameter that matters only together with another can score low. It counts only trials with a value of the metric and of the parameter, and needs 3 of them. With few trials per group it is high by chance alone: "by chance" is what a parameter with no effect gives on average, (groups − 1) / (trials − 1).</p>
${o.importance.length ? importanceHtml(o) : '<p class="note">The sweep has no parameters.</p>'}
<h3>Best so far</h3>
${
  charts.progress
    ? `<div class="charts"><figure><figcaption>Best ${escapeHtml(o.metric)} among trials 1..n</figcaption>${chartDiv(charts.progress)}</figure></div>
<p class="note">Trials in the order they were made (their index). The stepped line is the best value among the trials up to each one; the points are each trial's own value (the best outlined).</p>`
    : '<p class="note">No trial has a value of the metric yet.</p>'
}
<h3>Trials</h3>
${trialsHtml(o)}`;
}
