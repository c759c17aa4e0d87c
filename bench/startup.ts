/**
 * Start-up times of the built CLI: the median wall time of each command over N rounds (default 11)
 * and its ratio to `node -e 0` measured in the same rounds (each round runs every command once, so
 * a busy machine slows them all alike), with issue 16's bounds beside them. Needs `npm run build`.
 * Run: `node --import tsx bench/startup.ts [--rounds N] [--json]` (also part of `npm run bench`).
 * Figures are printed, never asserted.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { table } from '../src/cli/render.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'run.js');

/** Each command, its arguments to node, and its bound: a multiple of `node -e 0`, or ms. */
const COMMANDS: { name: string; args: string[]; bound?: { times: number } | { ms: number } }[] = [
  { name: 'node -e 0', args: ['-e', '0'] },
  { name: 'qqp --version', args: [BIN, '--version'], bound: { times: 3 } },
  { name: 'qqp --help', args: [BIN, '--help'], bound: { times: 3 } },
  { name: 'qqp runs', args: [BIN, 'runs'], bound: { times: 4 } },
  { name: 'qqp config show configs/bilstm.yaml', args: [BIN, 'config', 'show', 'configs/bilstm.yaml'] },
  {
    name: 'qqp validate configs/bilstm.yaml',
    args: [BIN, 'validate', 'configs/bilstm.yaml'],
    bound: { ms: 1000 },
  },
];

export interface StartupRow {
  command: string;
  medianMs: number;
  /** Median ÷ the median of `node -e 0`. */
  times: number;
  bound: string;
  withinBound: boolean | null;
}

export interface StartupBenchResult {
  rounds: number;
  rows: StartupRow[];
  skipped?: string;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export function runStartupBench(rounds = 11): StartupBenchResult {
  if (!existsSync(join(ROOT, 'dist', 'index.js')) || !existsSync(join(ROOT, 'oclif.manifest.json')))
    return { rounds, rows: [], skipped: 'the CLI is not built (npm run build)' };
  const times = COMMANDS.map((): number[] => []);
  for (let i = 0; i < rounds; i++) {
    COMMANDS.forEach((c, k) => {
      const start = process.hrtime.bigint();
      const r = spawnSync(process.execPath, c.args, { cwd: ROOT, stdio: 'ignore' });
      if (r.status !== 0) throw new Error(`${c.name} exited with ${r.status}`);
      times[k]!.push(Number(process.hrtime.bigint() - start) / 1e6);
    });
  }
  const base = median(times[0]!);
  return {
    rounds,
    rows: COMMANDS.map((c, k) => {
      const m = median(times[k]!);
      const b = c.bound;
      return {
        command: c.name,
        medianMs: Math.round(m),
        times: Math.round((m / base) * 10) / 10,
        bound: !b ? '' : 'times' in b ? `≤ ${b.times}× node -e 0` : `≤ ${b.ms} ms`,
        withinBound: !b ? null : 'times' in b ? m / base <= b.times : m <= b.ms,
      };
    }),
  };
}

export function printStartupBench(r: StartupBenchResult, out: (line: string) => void = console.log): void {
  if (r.skipped) {
    out(`Start-up: skipped: ${r.skipped}`);
    return;
  }
  out(`Start-up: median of ${r.rounds} rounds (each round runs every command once)`);
  out(
    table(
      ['command', 'median ms', '× node -e 0', 'bound', 'within'],
      r.rows.map((x) => [
        x.command,
        x.medianMs,
        x.times,
        x.bound || '-',
        x.withinBound === null ? '-' : x.withinBound ? 'yes' : 'no',
      ]),
    ),
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { rounds: { type: 'string' }, json: { type: 'boolean' } } });
  const rounds = values.rounds === undefined ? 11 : Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds: a positive integer');
  const result = runStartupBench(rounds);
  if (values.json) console.log(JSON.stringify(result, null, 2));
  else printStartupBench(result);
}
