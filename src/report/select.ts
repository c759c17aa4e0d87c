import { RunError, UsageError } from '../errors.js';
import { byStart, findRun, listRuns, type RunInfo, type RunListing } from './read.js';

/** Which runs a command works on. */
export interface RunQuery {
  /** Runs by id, folder or part of an id; when given, only these (in this order). */
  refs?: readonly string[];
  sweep?: string;
  /** With `sweep`: every attempt's folder, not only each trial's latest (see latestAttempts). */
  allAttempts?: boolean;
  status?: readonly string[];
  /** Every tag must be on the run. */
  tags?: readonly string[];
  since?: Date;
  /** The newest N of the runs left after the other criteria. */
  last?: number;
}

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/**
 * `--since`: a date (`2026-11-28`, local midnight), a date and time (`2026-11-28T14:00`, ISO), or a
 * time ago (`30m`, `12h`, `7d`, `2w`), or `today` / `yesterday`.
 */
export function parseSince(text: string, now = new Date()): Date {
  const t = text.trim();
  const ago = /^(\d+(?:\.\d+)?)\s*([mhdw])$/i.exec(t);
  if (ago) return new Date(now.getTime() - Number(ago[1]) * UNITS[ago[2]!.toLowerCase()]!);
  if (t === 'today' || t === 'yesterday') {
    const d = new Date(now.getFullYear(), now.getMonth(), now.getDate());
    if (t === 'yesterday') d.setDate(d.getDate() - 1);
    return d;
  }
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t);
  // A bare date is local midnight (JavaScript would read it as UTC midnight).
  if (day) {
    const d = new Date(Number(day[1]), Number(day[2]) - 1, Number(day[3]));
    if (d.getMonth() === Number(day[2]) - 1) return d;
  } else if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(t)) {
    const d = new Date(t.replace(' ', 'T'));
    if (!Number.isNaN(d.getTime())) return d;
  }
  throw new UsageError('BAD_SINCE', `--since ${JSON.stringify(text)}: not a date or a time ago`, {
    suggestions: ['--since 2026-11-28, --since 2026-11-28T14:00, --since 12h, --since 7d, --since today'],
  });
}

export function parseLast(n: number | undefined): number | undefined {
  if (n === undefined) return undefined;
  if (!Number.isInteger(n) || n < 1) {
    throw new UsageError('BAD_LAST', `--last ${n}: give a whole number of runs, 1 or more`);
  }
  return n;
}

/** The runs a query picks, oldest first (or in the order of `refs`). */
export function selectRuns(listing: RunListing, query: RunQuery): RunInfo[] {
  let runs = query.refs?.length
    ? uniqueRuns(query.refs.map((ref) => findRun(ref, listing.runs, listing.experimentsDir)))
    : [...listing.runs];
  if (query.sweep !== undefined) {
    const sweep = query.sweep;
    const inSweep = runs.filter((r) => r.sweep?.id === sweep);
    if (inSweep.length === 0) {
      const known = [...new Set(listing.runs.flatMap((r) => (r.sweep ? [r.sweep.id] : [])))];
      throw new RunError('SWEEP_NOT_FOUND', `no runs of sweep "${sweep}" in ${listing.experimentsDir}`, {
        suggestions: known.length
          ? known.slice(0, 5).map((k) => `sweep ${k}`)
          : ['no run there belongs to a sweep (run.json has no sweep field)'],
      });
    }
    runs = query.allAttempts ? inSweep : latestAttempts(inSweep);
  }
  if (query.status?.length) runs = runs.filter((r) => query.status!.includes(r.status));
  if (query.tags?.length) runs = runs.filter((r) => query.tags!.every((t) => r.tags.includes(t)));
  if (query.since) {
    const since = query.since.getTime();
    runs = runs.filter((r) => r.createdAt !== null && Date.parse(r.createdAt) >= since);
  }
  if (query.last !== undefined) {
    const newest = new Set([...runs].sort(byStart).slice(-query.last));
    runs = runs.filter((r) => newest.has(r));
  }
  return runs;
}

/**
 * Each sweep trial's latest folder only: a trial whose worker died, or that was interrupted
 * without a checkpoint to continue, runs again in a new folder, which supersedes the earlier ones
 * (the latest started wins). Runs outside sweeps are kept as they are; the order is kept.
 */
export function latestAttempts(runs: readonly RunInfo[]): RunInfo[] {
  const latest = new Map<string, RunInfo>();
  for (const r of runs) {
    if (!r.sweep) continue;
    const key = `${r.sweep.id}\0${r.sweep.trial}`;
    const seen = latest.get(key);
    if (!seen || byStart(seen, r) < 0) latest.set(key, r);
  }
  return runs.filter((r) => !r.sweep || latest.get(`${r.sweep.id}\0${r.sweep.trial}`) === r);
}

function uniqueRuns(runs: RunInfo[]): RunInfo[] {
  const seen = new Set<string>();
  return runs.filter((r) => {
    if (seen.has(r.dir)) return false;
    seen.add(r.dir);
    return true;
  });
}

/**
 * The runs a command works on: listed from `experimentsDir`, chosen by refs, sweep and --last; none
 * is a RunError saying what to do.
 */
export function chooseRuns(
  experimentsDir: string,
  query: { refs: readonly string[]; sweep?: string; last?: number },
  purpose: string,
): { listing: RunListing; runs: RunInfo[] } {
  const listing = listRuns(experimentsDir);
  const last = parseLast(query.last);
  const runs = selectRuns(listing, {
    refs: [...query.refs],
    ...(query.sweep !== undefined ? { sweep: query.sweep } : {}),
    ...(last !== undefined ? { last } : {}),
  });
  if (runs.length === 0) {
    throw new RunError('NO_RUNS', `no runs to ${purpose} in ${listing.experimentsDir}`, {
      suggestions: ['train some with `qqp train CONFIG`, or point --experiments-dir at the folder of runs'],
    });
  }
  return { listing, runs };
}
