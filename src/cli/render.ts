import Table from 'cli-table3';
import { formatProblem, type Problem } from '../errors.js';
import { printable } from '../util/text.js';

/** The one place that draws tables and lists for people; commands pass it rows. */

export function table(
  head: string[],
  rows: (string | number)[][],
  options: { align?: ('left' | 'right')[]; width?: number } = {},
): string {
  const cells = rows.map((r) => r.map(String));
  const widths = options.width === undefined ? undefined : fitColumns([head, ...cells], options.width);
  const wrap = (r: string[]) => (widths ? r.map((c, i) => wrapText(c, (widths[i] ?? 3) - 2).join('\n')) : r);
  const t = new Table({
    head: wrap(head),
    style: { head: process.stdout.isTTY && !process.env.NO_COLOR ? ['cyan'] : [], border: [] },
    // No rule between body rows: compact, like Keras' summary.
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    ...(options.align ? { colAligns: options.align } : {}),
    ...(widths ? { colWidths: widths } : {}),
  });
  for (const r of cells) t.push(wrap(r));
  return t.toString();
}

/** Columns a cell's longest line takes. */
function cellWidth(text: string): number {
  return Math.max(0, ...text.split('\n').map((l) => [...l].length));
}

/** Columns a cell's longest word takes. */
function wordWidth(text: string): number {
  return Math.max(0, ...text.split(/\s+/).map((w) => [...w].length));
}

/**
 * Column widths (cli-table3's `colWidths`, padding included) that make a table of these rows at
 * most `width` columns wide, or undefined when it already fits. Each column keeps at least its
 * longest word (up to an even share of the width); what is left goes to the columns in proportion
 * to how much more they need, so the long description column gets most of it.
 */
export function fitColumns(rows: readonly string[][], width: number): number[] | undefined {
  const n = Math.max(0, ...rows.map((r) => r.length));
  if (n === 0) return undefined;
  const column = (f: (text: string) => number) =>
    Array.from({ length: n }, (_, i) => Math.max(1, ...rows.map((r) => f(r[i] ?? ''))) + 2);
  const natural = column(cellWidth);
  const budget = width - (n + 1); // borders: one before each column and one after the last
  const sum = (ws: number[]) => ws.reduce((a, b) => a + b, 0);
  if (sum(natural) <= budget) return undefined;
  const words = column(wordWidth);
  const even = Math.max(3, Math.floor(budget / n));
  const least = natural.map((w, i) => Math.min(w, words[i] ?? w, even));
  const lack = natural.map((w, i) => w - (least[i] ?? w));
  const share = Math.max(0, budget - sum(least)) / Math.max(1, sum(lack));
  const widths = least.map((w, i) => w + Math.floor((lack[i] ?? 0) * share));
  let spare = budget - sum(widths);
  for (let i = 0; spare > 0 && i < n; i++) {
    const add = Math.min(spare, (natural[i] ?? 0) - (widths[i] ?? 0));
    widths[i] = (widths[i] ?? 0) + add;
    spare -= add;
  }
  return widths;
}

/**
 * `text` wrapped between words into lines of at most `width` columns; a word longer than that is
 * broken (nothing is cut off).
 */
export function wrapText(text: string, width: number): string[] {
  const w = Math.max(1, width);
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line: string[] = [];
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      let chars = [...word];
      if (line.length > 0 && line.length + 1 + chars.length > w) {
        lines.push(line.join(''));
        line = [];
      }
      if (line.length > 0) line.push(' ');
      while (line.length + chars.length > w) {
        const take = w - line.length;
        lines.push([...line, ...chars.slice(0, take)].join(''));
        line = [];
        chars = chars.slice(take);
      }
      line.push(...chars);
    }
    lines.push(line.join(''));
  }
  return lines;
}

/** Where `wrapHanging` breaks a line, most preferred first: between layers, parts, list items, words. */
export const WRAP_BOUNDARIES = [' → ', '; ', ', ', ' '] as const;

/**
 * `text` in lines of at most `width` columns, the first after `first` and the others after `indent`
 * (a hanging indent). A piece that does not fit goes whole to the next line when it fits there;
 * only a piece wider than a line is broken, at the next boundary of `boundaries` (each ends in one
 * space, which the break replaces; the mark before it, such as `→`, stays at the line's end). A word
 * is never cut: one wider than a line stands alone on its line.
 */
export function wrapHanging(
  text: string,
  width: number,
  options: { first?: string; indent?: string; boundaries?: readonly string[] } = {},
): string[] {
  const indent = options.indent ?? '';
  const boundaries = options.boundaries ?? WRAP_BOUNDARIES;
  const len = (s: string) => [...s].length;
  const lines: string[] = [];
  let line = options.first ?? '';
  let empty = true;
  const split = (piece: string, sep: string) => {
    const parts = piece.split(sep).map((p, i, all) => (i < all.length - 1 ? p + sep.trimEnd() : p));
    // A lone mark (the `→` of `a → b` split between words) stays with the word before it.
    return parts.reduce<string[]>((out, p) => {
      if (out.length > 0 && /^[^\p{L}\p{N}]+$/u.test(p)) out[out.length - 1] += ` ${p}`;
      else out.push(p);
      return out;
    }, []);
  };
  const place = (piece: string, level: number): void => {
    const joined = empty ? line + piece : `${line} ${piece}`;
    if (len(joined) <= width) {
      line = joined;
      empty = false;
      return;
    }
    if (!empty && len(indent + piece) <= width) {
      lines.push(line);
      line = indent + piece;
      return;
    }
    for (let next = level + 1; next < boundaries.length; next++) {
      const parts = split(piece, boundaries[next] as string);
      if (parts.length > 1) {
        for (const p of parts) place(p, next);
        return;
      }
    }
    if (empty) line = joined;
    else {
      lines.push(line);
      line = indent + piece;
    }
    empty = false;
  };
  for (const piece of split(text, boundaries[0] ?? ' ')) place(piece, 0);
  lines.push(line);
  return lines;
}

/**
 * Columns to draw in: the terminal's width, else `COLUMNS` when it is a positive number, else
 * `fallback` (output to a file or pipe).
 */
export function terminalWidth(stream: NodeJS.WriteStream = process.stdout, fallback = 100): number {
  if (stream.isTTY && stream.columns > 0) return stream.columns;
  const env = Number(process.env.COLUMNS);
  return Number.isInteger(env) && env > 0 ? env : fallback;
}

/** A two-column table of named values, e.g. `{ rows: '10,000' }` per line. */
export function keyValueTable(rows: Record<string, string>[]): string {
  const t = new Table({
    style: { head: [], border: [] },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  for (const r of rows) t.push(r);
  return t.toString();
}

/** 1234567 → "1,234,567" (fixed locale, so output is the same everywhere). */
/** A size in bytes, kB or MB (decimal units). */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} bytes`;
  return n < 1_000_000 ? `${(n / 1000).toFixed(1)} kB` : `${(n / 1_000_000).toFixed(1)} MB`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function formatShape(shape: unknown): string {
  if (Array.isArray(shape) && shape.every((d) => Array.isArray(d))) return shape.map(formatShape).join(', ');
  if (Array.isArray(shape)) return `(${shape.map((d) => (d === null ? 'None' : String(d))).join(', ')})`;
  return String(shape);
}

/** One line per problem, terminal escapes in quoted file content escaped. */
export function problemLines(problems: readonly Problem[]): string {
  return problems.map((p) => `  ${printable(formatProblem(p), { keepTabs: true })}`).join('\n');
}

/** Whether to colour output on `stream`: only on a terminal, and never with NO_COLOR set. */
export function colorEnabled(stream: NodeJS.WriteStream = process.stdout): boolean {
  return Boolean(stream.isTTY) && !process.env.NO_COLOR;
}
