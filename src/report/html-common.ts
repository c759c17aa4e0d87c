import type { Comparison } from './compare.js';
import { formatValue } from './format.js';

/**
 * What the parts of the HTML report share: escaping, the run colours (one per run, the same in every
 * chart), the names runs are shown by, and the chart specs the page's script draws.
 */

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Run colours: Tableau 10 (distinct, readable on white, kind to colour-blind eyes), then hues spread
 * by the golden angle. Nothing else in the page's charts is drawn in colour: reference lines are grey,
 * the best sweep point is marked by its outline, the confusion matrices are shaded grey.
 */
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

export function runColor(i: number): string {
  if (i < PALETTE.length) return PALETTE[i]!;
  const hue = Math.round((i * 137.508) % 360);
  return `hsl(${hue}, 55%, 42%)`;
}

/** How the page names one run: its name, the settings it differs in, and its id. */
export interface RunLabel {
  key: string;
  id: string;
  name: string;
  /** `learningRate 0.01, batchSize 64`: its values of the settings that differ among the runs (the first few). */
  settings: string;
  /** Every differing setting, for a tooltip. */
  allSettings: string;
  /** `name (settings)`, unique among the runs (the id added where two would read the same). */
  text: string;
  color: string;
}

const LABEL_SETTINGS = 3;

/** Labels of the comparison's runs, in its row order; the settings are its param columns. */
export function runLabels(cmp: Comparison): Map<string, RunLabel> {
  const params = cmp.columns.filter((c) => c.kind === 'param' && c.id !== 'experiment.name');
  const out = new Map<string, RunLabel>();
  const drafts = cmp.rows.map((r, i) => {
    const parts = params
      .filter((c) => r.values[c.id] !== undefined && r.values[c.id] !== null)
      .map((c) => `${c.short.replace(/\n/g, ' ')} ${formatValue(r.values[c.id], c.format)}`);
    const shown = parts.slice(0, LABEL_SETTINGS).join(', ') + (parts.length > LABEL_SETTINGS ? ', …' : '');
    return {
      key: `run-${i}`,
      id: r.id,
      name: r.name,
      settings: shown,
      allSettings: parts.join(', '),
      text: shown ? `${r.name} (${shown})` : r.name,
      color: runColor(i),
    };
  });
  const count = new Map<string, number>();
  for (const d of drafts) count.set(d.text, (count.get(d.text) ?? 0) + 1);
  for (const d of drafts) {
    if ((count.get(d.text) ?? 0) > 1) d.text = `${d.text} [${d.id}]`;
    out.set(d.id, d);
  }
  return out;
}

/** A run's label as HTML: a colour swatch, the name, the settings; the id beneath. */
export function labelHtml(l: RunLabel, withId = true): string {
  return `<span class="run-label" title="${escapeHtml(l.allSettings || l.name)}"><i class="swatch" style="background:${l.color}"></i><b>${escapeHtml(l.name)}</b>${
    l.settings ? ` <span class="settings">${escapeHtml(l.settings)}</span>` : ''
  }${withId ? ` <code class="run-id">${escapeHtml(l.id)}</code>` : ''}</span>`;
}

export interface LineSpec {
  key: string;
  label: string;
  color: string;
  dashed: boolean;
  points: [number, number][];
}

/**
 * Lines on two axes: learning curves (x epochs) and the evaluation curves (both axes 0..1, a grey
 * reference line, marked points).
 */
export interface CurveSpec {
  kind: 'curves';
  title: string;
  xLabel: string;
  yLabel: string;
  lines: LineSpec[];
  legend: { key: string; label: string; color: string }[];
  /** Fixed axes (default: from the values). */
  xDomain?: [number, number];
  yDomain?: [number, number];
  /** Integer x ticks (epochs); default true. */
  xInteger?: boolean;
  /** A dot at every point (default true; off for curves of many points). */
  dots?: boolean;
  /** Grey dashed reference lines (chance), each from one point to another. */
  refs?: { from: [number, number]; to: [number, number]; label: string }[];
  /** Marked points of a line (e.g. the operating point at threshold 0.5). */
  marks?: { key: string; color: string; x: number; y: number; label: string; shape: 'circle' | 'square' }[];
}

export interface ScatterSpec {
  kind: 'scatter';
  title: string;
  xLabel: string;
  yLabel: string;
  log: boolean;
  categories?: string[];
  points: { x: number | string; y: number; label: string; best: boolean; color: string }[];
}

export type ChartSpec = CurveSpec | ScatterSpec;

/** JSON for a `<script type="application/json">` block: no `</script>` can end it early. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export const fixed = (v: number | null | undefined, digits = 4): string =>
  typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : '-';

export const percent = (v: number): string => `${(100 * v).toFixed(1)}%`;
