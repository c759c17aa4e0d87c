import { ansis } from './format.js';

/**
 * Line charts drawn with characters, for learning curves in the terminal. Each series has its own
 * marker (`*`, `o`, ...) so the lines stay apart without colour; on a terminal they are coloured too.
 * Where two lines share a cell the cell shows `#`.
 */

export interface ChartSeries {
  label: string;
  points: readonly { x: number; y: number }[];
}

export interface ChartOptions {
  title?: string;
  /** Columns of the plotting area (default 56). */
  width?: number;
  /** Rows of the plotting area (default 10). */
  height?: number;
  color?: boolean;
  xLabel?: string;
  /** Formats y-axis labels (default: 4 significant digits). */
  yFormat?: (v: number) => string;
}

export const MARKERS = ['*', 'o', '+', 'x', '%', '@'] as const;
export const OVERLAP = '#';
const COLORS = [ansis.cyan, ansis.magenta, ansis.yellow, ansis.green, ansis.blue, ansis.red];

/** As many decimals as the span of the axis needs: two beyond its first significant digit. */
function decimalsFor(span: number): number {
  if (!(span > 0) || !Number.isFinite(span)) return 4;
  return Math.min(6, Math.max(0, Math.ceil(-Math.log10(span)) + 2));
}

function xFormat(v: number): string {
  return Number.isInteger(v) ? String(v) : Number(v.toPrecision(4)).toString();
}

export function lineChart(series: readonly ChartSeries[], options: ChartOptions = {}): string {
  const width = Math.max(8, options.width ?? 56);
  const height = Math.max(3, options.height ?? 10);
  const paint = (i: number, s: string) => (options.color ? COLORS[i % COLORS.length]!(s) : s);
  const legend = series.map((s, i) => `${paint(i, MARKERS[i % MARKERS.length]!)} ${s.label}`).join('  ');
  const header = [options.title, legend].filter(Boolean).join('   ');

  const clean = series.map((s) =>
    [...s.points].filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)).sort((a, b) => a.x - b.x),
  );
  const all = clean.flat();
  if (all.length === 0) return `${header}\n  (no values to draw)`;

  const xs = all.map((p) => p.x);
  const ys = all.map((p) => p.y);
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  let yMin = Math.min(...ys);
  let yMax = Math.max(...ys);
  if (yMin === yMax) {
    const pad = Math.abs(yMin) * 0.05 || 0.5;
    yMin -= pad;
    yMax += pad;
  }
  const decimals = decimalsFor(yMax - yMin);
  const fmt = options.yFormat ?? ((v: number) => v.toFixed(decimals));
  const col = (x: number) =>
    xMax === xMin ? Math.floor((width - 1) / 2) : Math.round(((x - xMin) / (xMax - xMin)) * (width - 1));
  const rowOf = (y: number) => Math.round(((yMax - y) / (yMax - yMin)) * (height - 1));

  // Which series cover each cell.
  const grid: Set<number>[][] = Array.from({ length: height }, () =>
    Array.from({ length: width }, () => new Set()),
  );
  const mark = (r: number, c: number, i: number) => grid[Math.min(height - 1, Math.max(0, r))]![c]!.add(i);
  clean.forEach((pts, i) => {
    if (pts.length === 1) mark(rowOf(pts[0]!.y), col(pts[0]!.x), i);
    for (let k = 1; k < pts.length; k++) {
      const a = pts[k - 1]!;
      const b = pts[k]!;
      const c0 = col(a.x);
      const c1 = col(b.x);
      let prevRow = rowOf(a.y);
      for (let c = c0; c <= c1; c++) {
        const t = c1 === c0 ? 1 : (c - c0) / (c1 - c0);
        const r = rowOf(a.y + t * (b.y - a.y));
        // Fill the rows between this cell and the previous one, so steep lines stay joined.
        const step = r > prevRow ? 1 : -1;
        for (let rr = prevRow; rr !== r; rr += step) if (rr !== prevRow || c === c0) mark(rr, c, i);
        mark(r, c, i);
        prevRow = r;
      }
    }
  });

  const valueAt = (r: number) => yMax - (r / (height - 1)) * (yMax - yMin);
  const mid = Math.round((height - 1) / 2);
  const labelRows = new Map<number, string>([
    [0, fmt(yMax)],
    [height - 1, fmt(yMin)],
    [mid, fmt(valueAt(mid))],
  ]);
  const labelWidth = Math.max(...[...labelRows.values()].map((l) => l.length));
  const lines = [header];
  for (let r = 0; r < height; r++) {
    const label = labelRows.get(r);
    const axis = label === undefined ? `${' '.repeat(labelWidth)} │` : `${label.padStart(labelWidth)} ┤`;
    const cells = grid[r]!.map((set) => {
      if (set.size === 0) return ' ';
      if (set.size > 1) return OVERLAP;
      const i = [...set][0]!;
      return paint(i, MARKERS[i % MARKERS.length]!);
    });
    lines.push(`${axis}${cells.join('')}`.trimEnd());
  }
  lines.push(`${' '.repeat(labelWidth)} └${'─'.repeat(width)}`);

  // x labels: the first and the last x, and between them the multiples of the smallest round step
  // (1, 2, 5, 10, 20, ...) whose labels fit with room to spare.
  const xValues = [...new Set(xs)].sort((a, b) => a - b);
  const first = xValues[0]!;
  const last = xValues.at(-1)!;
  const ends = xValues.length > 1 ? [first, last] : [first];
  const axisLine = Array.from({ length: width + 2 }, () => ' ');
  const spans = (values: number[]) =>
    values.map((x) => {
      const text = xFormat(x);
      const start = Math.min(
        Math.max(0, col(x) + 1 - Math.floor(text.length / 2)),
        axisLine.length - text.length,
      );
      return { text, start, end: start + text.length };
    });
  const fits = (s: { start: number; end: number }[]) =>
    s.every((x, i) => i === 0 || x.start >= s[i - 1]!.end + 2);
  let chosen = spans(ends);
  if (xValues.every(Number.isInteger)) {
    for (const step of [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]) {
      const between = xValues.filter((x) => x > first && x < last && x % step === 0);
      const candidate = spans([first, ...between, ...ends.slice(1)]);
      if (fits(candidate)) {
        chosen = candidate;
        break;
      }
    }
  }
  for (const s of chosen) for (let k = 0; k < s.text.length; k++) axisLine[s.start + k] = s.text[k]!;
  lines.push(
    `${' '.repeat(labelWidth + 1)}${axisLine.join('')}${options.xLabel ? `  ${options.xLabel}` : ''}`.trimEnd(),
  );
  return lines.join('\n');
}
