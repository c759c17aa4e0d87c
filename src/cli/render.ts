import Table from 'cli-table3';
import { formatProblem, type Problem } from '../errors.js';
import { printable } from '../util/text.js';

/** The one place that draws tables and lists for people; commands pass it rows. */

export function table(
  head: string[],
  rows: (string | number)[][],
  options: { align?: ('left' | 'right')[] } = {},
): string {
  const t = new Table({
    head,
    style: { head: process.stdout.isTTY && !process.env.NO_COLOR ? ['cyan'] : [], border: [] },
    // No rule between body rows: compact, like Keras' summary.
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    ...(options.align ? { colAligns: options.align } : {}),
  });
  for (const r of rows) t.push(r.map(String));
  return t.toString();
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
