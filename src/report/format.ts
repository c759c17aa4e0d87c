import { Ansis } from 'ansis';
import { EFFECTIVE_STATUSES } from '../runs/owner.js';
import type { ColumnFormat, Comparison } from './compare.js';
import type { Scalar } from './flatten.js';

/** Text forms of the comparison: cells for the terminal table, markdown, CSV and plain JSON rows. */

export const MISSING = '-';

/**
 * Basic ANSI colours, always on: callers decide whether to colour (on a terminal, without NO_COLOR),
 * so the output does not depend on a second detection.
 */
export const ansis = new Ansis(1);

/** The statuses readers show (runs/owner.ts effectiveStatus), for `qqp runs --status`. */
export const RUN_STATUSES = EFFECTIVE_STATUSES;

export const COMPARE_FORMATS = ['table', 'json', 'csv', 'markdown'] as const;
export type CompareFormat = (typeof COMPARE_FORMATS)[number];

/** 75 → "1m 15s"; 3.4 → "3.4s"; 4000 → "1h 06m". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return MISSING;
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)}s`;
  const s = Math.round(seconds);
  const p = (n: number) => String(n).padStart(2, '0');
  if (s < 3600) return `${Math.floor(s / 60)}m ${p(s % 60)}s`;
  return `${Math.floor(s / 3600)}h ${p(Math.floor((s % 3600) / 60))}m`;
}

/** A local time as `2026-11-28 14:05` (what a person reads in a listing). */
export function formatTime(iso: string | null): string {
  if (!iso) return MISSING;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return MISSING;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

export function formatMetric(v: number | null | undefined): string {
  return typeof v === 'number' && Number.isFinite(v) ? v.toFixed(4) : MISSING;
}

export function formatValue(v: Scalar | undefined, format: ColumnFormat): string {
  if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) return MISSING;
  if (typeof v !== 'number') return String(v);
  switch (format) {
    case 'metric':
      return v.toFixed(4);
    case 'int':
      return Math.round(v).toLocaleString('en-US');
    case 'rate':
      return Math.round(v).toLocaleString('en-US');
    case 'duration':
      return formatDuration(v);
    default:
      return String(v);
  }
}

export function statusText(status: string, color: boolean): string {
  if (!color) return status;
  if (status === 'failed' || status === 'crashed') return ansis.red(status);
  if (status === 'stale') return ansis.yellow(status);
  if (status === 'interrupted') return ansis.yellow(status);
  if (status === 'running') return ansis.cyan(status);
  if (status === 'unknown') return ansis.magenta(status);
  return status;
}

export interface Cells {
  head: string[];
  rows: string[][];
  align: ('left' | 'right')[];
}

/**
 * The comparison as cells for the terminal table. The best value of each metric column is green on a
 * terminal, else followed by `*` (`bestMark`), so the mark survives a pipe or a log file.
 */
export function comparisonCells(cmp: Comparison, options: { color: boolean; bestMark?: string }): Cells {
  const mark = options.bestMark ?? '*';
  const head = ['run', 'status', ...cmp.columns.map((c) => c.short)];
  const align: Cells['align'] = [
    'left',
    'left',
    ...cmp.columns.map((c) => (c.format === 'text' ? 'left' : 'right') as 'left' | 'right'),
  ];
  const rows = cmp.rows.map((r) => [
    r.id,
    statusText(r.status, options.color),
    ...cmp.columns.map((c) => {
      const text = formatValue(r.values[c.id], c.format);
      if (!cmp.best[c.id]?.includes(r.id)) return text;
      return options.color ? ansis.green.bold(text) : `${text}${mark}`;
    }),
  ]);
  return { head, rows, align };
}

function mdEscape(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** A GitHub-flavoured markdown table; the best value of each metric column in bold. */
export function comparisonMarkdown(cmp: Comparison): string {
  const head = ['run', 'status', ...cmp.columns.map((c) => c.label)];
  const rule = ['---', '---', ...cmp.columns.map((c) => (c.format === 'text' ? '---' : '---:'))];
  const lines = [head.map(mdEscape), rule].map((cells) => `| ${cells.join(' | ')} |`);
  for (const r of cmp.rows) {
    const cells = [
      mdEscape(r.id),
      mdEscape(r.status),
      ...cmp.columns.map((c) => {
        const text = mdEscape(formatValue(r.values[c.id], c.format));
        return cmp.best[c.id]?.includes(r.id) ? `**${text}**` : text;
      }),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return `${lines.join('\n')}\n`;
}

function csvCell(v: Scalar | undefined): string {
  if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) return '';
  const s = String(v);
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** CSV with full-precision numbers, column ids as the header, and empty cells where a value is missing. */
export function comparisonCsv(cmp: Comparison): string {
  const head = ['run', 'name', 'status', ...cmp.columns.map((c) => c.id)];
  const lines = [head.map(csvCell).join(',')];
  for (const r of cmp.rows) {
    lines.push([r.id, r.name, r.status, ...cmp.columns.map((c) => r.values[c.id])].map(csvCell).join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** Plain rows, one object per run keyed by column id (null where missing). */
export function comparisonRecords(cmp: Comparison): Record<string, Scalar>[] {
  return cmp.rows.map((r) => {
    const rec: Record<string, Scalar> = { run: r.id, name: r.name, status: r.status };
    for (const c of cmp.columns) rec[c.id] = r.values[c.id] ?? null;
    return rec;
  });
}
