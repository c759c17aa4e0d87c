/**
 * Is TPE smarter than random search? `npm run bench:search` (= node --import tsx bench/search.ts).
 *   --seeds N       searches per strategy and function (default 20)
 *   --trials N      trials per search (default 50)
 *   --sweep         also run a small real sweep (configs/sweeps/search-bench.yaml, tiny models on
 *                   the bundled synthetic data) with each strategy over --sweep-seeds seeds (default 3)
 *   --json          one JSON document on stdout
 * The test functions have known optima (Branin, 0.397887; Hartmann-6, −3.32237; both minimised).
 * The searches use the sweep's own code: `suggest` (TPE) and `randomPoint` (random search) over a
 * parsed spec's parameters, with the same per-trial seeds a sweep uses, sequentially (parallel 1).
 * Figures are printed, never asserted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { quantile } from '../src/sweep/asha.js';
import { localExecutor } from '../src/sweep/local.js';
import { runSweep } from '../src/sweep/runner.js';
import { randomPoint, type TrialParams } from '../src/sweep/space.js';
import { loadSweepSpec, type ParameterSpace, parseSweepSpec, TPE_DEFAULTS } from '../src/sweep/spec.js';
import { type Observation, proposalRng, suggest } from '../src/sweep/tpe.js';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '20' },
    trials: { type: 'string', default: '50' },
    sweep: { type: 'boolean' },
    'sweep-seeds': { type: 'string', default: '3' },
    json: { type: 'boolean' },
  },
});
const log = (line: string) => process.stderr.write(`${line}\n`);
const out = values.json ? log : (line: string) => console.log(line);

interface TestFunction {
  name: string;
  optimum: number;
  parameters: ParameterSpace[];
  f(x: TrialParams): number;
}

function num(x: TrialParams, k: string): number {
  return x[k] as number;
}

/** Branin–Hoo on [−5, 10] × [0, 15]; three global minima of 0.397887. */
const branin: TestFunction = {
  name: 'Branin (2-d)',
  optimum: 0.397887,
  parameters: [
    { path: 'x1', min: -5, max: 10, distribution: 'uniform' },
    { path: 'x2', min: 0, max: 15, distribution: 'uniform' },
  ],
  f(x) {
    const x1 = num(x, 'x1');
    const x2 = num(x, 'x2');
    const b = 5.1 / (4 * Math.PI * Math.PI);
    const c = 5 / Math.PI;
    const t = 1 / (8 * Math.PI);
    return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - t) * Math.cos(x1) + 10;
  },
};

const H6_ALPHA = [1.0, 1.2, 3.0, 3.2];
const H6_A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const H6_P = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
].map((row) => row.map((v) => v * 1e-4));

/** Hartmann-6 on [0, 1]^6; global minimum −3.32237. */
const hartmann6: TestFunction = {
  name: 'Hartmann-6 (6-d)',
  optimum: -3.32237,
  parameters: Array.from({ length: 6 }, (_, j) => ({
    path: `x${j + 1}`,
    min: 0,
    max: 1,
    distribution: 'uniform' as const,
  })),
  f(x) {
    let sum = 0;
    for (let i = 0; i < 4; i++) {
      let inner = 0;
      for (let j = 0; j < 6; j++) {
        const a = H6_A[i]?.[j] as number;
        const p = H6_P[i]?.[j] as number;
        inner += a * (num(x, `x${j + 1}`) - p) ** 2;
      }
      sum += (H6_ALPHA[i] as number) * Math.exp(-inner);
    }
    return -sum;
  },
};

// The constants above are checked against the published optima before anything is measured.
const check = (fn: TestFunction, at: TrialParams) => {
  const v = fn.f(at);
  if (Math.abs(v - fn.optimum) > 1e-4) throw new Error(`${fn.name}: f(optimum) = ${v}, not ${fn.optimum}`);
};
check(branin, { x1: Math.PI, x2: 2.275 });
check(hartmann6, { x1: 0.20169, x2: 0.150011, x3: 0.476874, x4: 0.275332, x5: 0.311652, x6: 0.6573 });

/** Best value after each trial of one search. */
function search(fn: TestFunction, strategy: 'tpe' | 'random', seed: number, trials: number): number[] {
  const observations: Observation[] = [];
  const bestSoFar: number[] = [];
  let best = Number.POSITIVE_INFINITY;
  for (let i = 1; i <= trials; i++) {
    const rng = proposalRng(seed, i);
    const params =
      strategy === 'tpe'
        ? suggest(fn.parameters, observations, 'min', TPE_DEFAULTS, rng)
        : randomPoint(fn.parameters, rng);
    const value = fn.f(params);
    observations.push({ params, value });
    best = Math.min(best, value);
    bestSoFar.push(best);
  }
  return bestSoFar;
}

function median(xs: readonly number[]): number {
  return quantile(
    [...xs].sort((a, b) => a - b),
    0.5,
  );
}

const seeds = Number(values.seeds);
const trials = Number(values.trials);
const checkpoints = [10, 20, 30, 50, 100].filter((n) => n <= trials);
if (!checkpoints.includes(trials)) checkpoints.push(trials);

interface Row {
  function: string;
  optimum: number;
  strategy: 'tpe' | 'random';
  /** Median (over seeds) of the best value after n trials, for each n in `checkpoints`. */
  medianBest: Record<number, number>;
  /** Searches (of `seeds`) whose best after `trials` beats the other strategy's with the same seed. */
  wins: number;
}
const rows: Row[] = [];
for (const fn of [branin, hartmann6]) {
  const runs = {
    tpe: Array.from({ length: seeds }, (_, s) => search(fn, 'tpe', s + 1, trials)),
    random: Array.from({ length: seeds }, (_, s) => search(fn, 'random', s + 1, trials)),
  };
  for (const strategy of ['tpe', 'random'] as const) {
    const other = strategy === 'tpe' ? runs.random : runs.tpe;
    rows.push({
      function: fn.name,
      optimum: fn.optimum,
      strategy,
      medianBest: Object.fromEntries(
        checkpoints.map((n) => [n, median(runs[strategy].map((r) => r[n - 1] as number))]),
      ),
      wins: runs[strategy].filter((r, s) => (r[trials - 1] as number) < (other[s]?.[trials - 1] as number))
        .length,
    });
  }
}

out(`Test functions (minimised), ${seeds} seeds × ${trials} trials, median best value after n trials:`);
out(`| function | optimum | strategy | ${checkpoints.map((n) => `n=${n}`).join(' | ')} | wins of ${seeds} |`);
out(`| --- | ---: | --- | ${checkpoints.map(() => '---:').join(' | ')} | ---: |`);
for (const r of rows) {
  out(
    `| ${r.function} | ${r.optimum} | ${r.strategy} | ${checkpoints.map((n) => (r.medianBest[n] as number).toFixed(4)).join(' | ')} | ${r.wins} |`,
  );
}

interface SweepRow {
  strategy: string;
  seed: number;
  best: number | null;
  trials: number;
  seconds: number;
}
const sweepRows: SweepRow[] = [];
if (values.sweep) {
  const here = dirname(fileURLToPath(import.meta.url));
  const specFile = resolve(here, '..', 'configs', 'sweeps', 'search-bench.yaml');
  const base = loadSweepSpec(specFile);
  const experimentsDir = mkdtempSync(join(tmpdir(), 'qqp-bench-search-'));
  try {
    for (let seed = 1; seed <= Number(values['sweep-seeds']); seed++) {
      for (const strategy of ['tpe', 'random'] as const) {
        const text = base.text
          .replace(/^strategy: .*$/m, `strategy: ${strategy}`)
          .replace(/^seed: .*$/m, `seed: ${seed}`)
          .replace(/^tpe: .*$/m, strategy === 'tpe' ? '$&' : '');
        const spec = parseSweepSpec(specFile, text, dirname(specFile));
        const started = performance.now();
        log(`sweep ${strategy}, seed ${seed}: ${spec.maxTrials} trials`);
        const r = await runSweep({
          experimentsDir,
          spec,
          specDir: dirname(specFile),
          parallel: 1,
          executor: localExecutor(experimentsDir, { parallel: 1 }),
        });
        sweepRows.push({
          strategy,
          seed,
          best: r.best?.trial.best ?? null,
          trials: r.trials.length,
          seconds: (performance.now() - started) / 1000,
        });
      }
    }
  } finally {
    rmSync(experimentsDir, { recursive: true, force: true });
  }
  out(`\nReal sweep (${specFile}, ${base.metric}, ${base.mode}imised), best per search:`);
  out('| strategy | seed | best | trials | seconds |');
  out('| --- | ---: | ---: | ---: | ---: |');
  for (const r of sweepRows)
    out(
      `| ${r.strategy} | ${r.seed} | ${r.best === null ? '-' : r.best.toFixed(4)} | ${r.trials} | ${r.seconds.toFixed(0)} |`,
    );
  for (const strategy of ['tpe', 'random'] as const) {
    const bests = sweepRows
      .filter((r) => r.strategy === strategy && r.best !== null)
      .map((r) => r.best as number);
    if (bests.length) out(`median best, ${strategy}: ${median(bests).toFixed(4)}`);
  }
}
if (values.json)
  console.log(JSON.stringify({ seeds, trials, checkpoints, functions: rows, sweep: sweepRows }, null, 2));
