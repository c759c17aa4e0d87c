/**
 * Fake experiments folders for the report tests: run.json, config.yaml, metrics.jsonl and
 * summary.json written by hand (no training), in the shapes the trainer writes them.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import type { BinaryEvaluation, SliceTable } from '../../src/runs/records.js';
import { evaluateBinary } from '../../src/train/metrics.js';
import { Rng } from '../../src/util/rng.js';

export interface FakeRun {
  id: string;
  status?: 'running' | 'completed' | 'interrupted' | 'failed';
  createdAt: string;
  /** Config overrides merged over a small base config. */
  config?: Record<string, unknown>;
  /** One entry per epoch: [loss, val_loss, accuracy, val_accuracy]. */
  epochs: [number, number, number, number][];
  test?: { accuracy: number; f1: number; auc: number; logLoss: number } | null;
  /** A whole evaluation (curve included) for summary.json's test, instead of `test`. */
  evaluation?: BinaryEvaluation;
  /** eval-<name>.json files: an evaluation of the test split, with slices if given. */
  evals?: { name: string; evaluation: BinaryEvaluation; slices?: SliceTable[] }[];
  sweep?: { id: string; trial: string; attempt?: number };
  /** A completed trial that its sweep's scheduler (ASHA) ended early. */
  stoppedBy?: 'scheduler';
  tags?: string[];
  /** Files to leave out, or to write with this exact (broken) content. */
  omit?: string[];
  overwrite?: Record<string, string>;
}

const BASE = {
  experiment: { name: 'tiny', seed: 7, tags: [] },
  data: { source: '../../data/qqp-synthetic.csv', limit: 400, encoding: { pair: 'concat', maxLength: 8 } },
  model: {
    type: 'sequential',
    layers: [
      { type: 'embedding', outputDim: 8 },
      { type: 'lstm', units: 6, activation: 'tanh', recurrentActivation: 'sigmoid' },
      { type: 'dense', units: 1, activation: 'sigmoid' },
    ],
  },
  training: {
    epochs: 3,
    batchSize: 32,
    backend: 'cpu',
    metrics: ['accuracy'],
    optimizer: { type: 'adam', learningRate: 0.001 },
    loss: 'binaryCrossentropy',
  },
};

function merge(a: unknown, b: unknown): unknown {
  if (typeof a !== 'object' || a === null || Array.isArray(a)) return b;
  if (typeof b !== 'object' || b === null || Array.isArray(b)) return b;
  const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
  for (const [k, v] of Object.entries(b)) out[k] = merge(out[k], v);
  return out;
}

export function tempDir(prefix = 'qqp-report-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeRun(experimentsDir: string, run: FakeRun): string {
  const dir = join(experimentsDir, run.id);
  mkdirSync(dir, { recursive: true });
  const status = run.status ?? 'completed';
  const records = run.epochs.map(([loss, vl, acc, va], i) => ({
    epoch: i + 1,
    learningRate: 0.001,
    seconds: 1.5,
    examplesPerSecond: 200 + 10 * i,
    loss,
    accuracy: acc,
    val_loss: vl,
    val_accuracy: va,
  }));
  let best = records[0] ?? null;
  for (const r of records) if (best && r.val_loss < best.val_loss) best = r;
  const trainSeconds = 1.5 * records.length;
  const files: Record<string, string> = {
    'run.json': JSON.stringify(
      {
        id: run.id,
        name: run.id.split('-').slice(2).join('-') || run.id,
        status,
        createdAt: run.createdAt,
        updatedAt: run.createdAt,
        trainSeconds,
        epochsCompleted: records.length,
        seed: 7,
        tags: run.tags ?? [],
        backend: { name: 'cpu', reason: 'requested' },
        host: 'test',
        commands: [['train']],
        cwd: '/',
        gitCommit: null,
        versions: {},
        configFiles: [],
        overrides: [],
        data: { sizes: { train: 280, validation: 60, test: 60 }, validationSplit: 'validation' },
        ...(status === 'failed'
          ? { failure: { code: 'NAN_LOSS', message: 'loss became NaN', epoch: records.length + 1 } }
          : {}),
        ...(run.sweep ? { sweep: run.sweep } : {}),
      },
      null,
      2,
    ),
    'config.yaml': `# Resolved config of run ${run.id}\n${YAML.stringify(merge(BASE, run.config ?? {}))}`,
    'metrics.jsonl': records.map((r) => `${JSON.stringify(r)}\n`).join(''),
  };
  if (status === 'completed' || status === 'interrupted') {
    const t = run.test;
    files['summary.json'] = JSON.stringify({
      status,
      epochs: records.length,
      stoppedEarly: false,
      ...(run.stoppedBy ? { stoppedBy: run.stoppedBy } : {}),
      bestMonitor: 'val_loss',
      bestEpoch: best?.epoch ?? null,
      best,
      last: records.at(-1) ?? null,
      finalWeights: 'best',
      test: run.evaluation
        ? { split: 'test', ...run.evaluation }
        : t === undefined || t === null
          ? null
          : {
              split: 'test',
              count: 60,
              positives: 24,
              logLoss: t.logLoss,
              rocAuc: t.auc,
              atHalf: {
                threshold: 0.5,
                accuracy: t.accuracy,
                precision: 0.5,
                recall: 0.5,
                f1: t.f1,
                confusion: {},
              },
              bestF1: {
                threshold: 0.4,
                accuracy: t.accuracy,
                precision: 0.5,
                recall: 0.6,
                f1: t.f1 + 0.01,
                confusion: {},
              },
            },
      trainSeconds,
    });
  }
  for (const e of run.evals ?? []) {
    files[`eval-${e.name}.json`] = JSON.stringify({
      run: { id: run.id, dir, weights: 'best', completed: true, notes: [] },
      source: { kind: 'split', split: e.name, dataFingerprint: 'f' },
      backend: 'cpu',
      evaluatedAt: run.createdAt,
      savedTo: join(dir, `eval-${e.name}.json`),
      ...e.evaluation,
      ...(e.slices ? { slices: e.slices } : {}),
    });
  }
  for (const f of run.omit ?? []) delete files[f];
  Object.assign(files, run.overwrite ?? {});
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/**
 * A seeded evaluation of `n` pairs (40% duplicates) whose probabilities separate the classes by
 * `separation` (0: chance), threshold chosen on validation: the shape the trainer writes.
 */
export function fakeEvaluation(seed: number, separation: number, n = 400): BinaryEvaluation {
  const rng = new Rng(seed);
  const probs = new Float32Array(n);
  const labels = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = rng.chance(0.4) ? 1 : 0;
    const p = 0.5 + (labels[i]! - 0.5) * separation + (rng.float() - 0.5) * 0.9;
    probs[i] = Math.min(1, Math.max(0, p));
  }
  return evaluateBinary(probs, labels, { threshold: 0.45, chosenOn: 'validation' });
}

/**
 * Three runs of different settings (learning rate and batch size differ; one failed), plus a
 * folder with a broken summary.json and a stray folder that is not a run.
 */
export function standardExperiments(): { dir: string; ids: string[] } {
  const dir = join(tempDir(), 'experiments');
  const runs: FakeRun[] = [
    {
      id: '20261101-100000-a',
      createdAt: '2026-11-01T10:00:00.000Z',
      epochs: [
        [0.69, 0.68, 0.55, 0.6],
        [0.6, 0.62, 0.65, 0.66],
        [0.5, 0.58, 0.72, 0.7],
      ],
      test: { accuracy: 0.7, f1: 0.6, auc: 0.75, logLoss: 0.57 },
    },
    {
      id: '20261102-100000-b',
      createdAt: '2026-11-02T10:00:00.000Z',
      config: { training: { optimizer: { learningRate: 0.01 } } },
      epochs: [
        [0.65, 0.6, 0.6, 0.68],
        [0.45, 0.52, 0.75, 0.74],
        [0.35, 0.55, 0.82, 0.73],
      ],
      test: { accuracy: 0.74, f1: 0.66, auc: 0.8, logLoss: 0.53 },
    },
    {
      id: '20261103-100000-c',
      status: 'failed',
      createdAt: '2026-11-03T10:00:00.000Z',
      config: { training: { batchSize: 64 } },
      epochs: [[0.7, 0.69, 0.5, 0.55]],
    },
  ];
  for (const r of runs) writeRun(dir, r);
  writeRun(dir, {
    id: '20261104-100000-broken',
    createdAt: '2026-11-04T10:00:00.000Z',
    epochs: [[0.7, 0.66, 0.5, 0.61]],
    overwrite: { 'summary.json': '{ "status": "compl' },
  });
  mkdirSync(join(dir, 'not-a-run'));
  writeFileSync(join(dir, 'not-a-run', 'notes.txt'), 'hello');
  return { dir, ids: runs.map((r) => r.id) };
}

/** A sweep of four runs over learning rate (numeric, log-spaced) and optimizer type (categorical). */
export function sweepExperiments(): string {
  const dir = join(tempDir(), 'experiments');
  const trials: [number, string, number][] = [
    [0.0001, 'adam', 0.66],
    [0.001, 'adam', 0.55],
    [0.01, 'sgd', 0.6],
    [0.1, 'sgd', 0.68],
  ];
  for (const [i, [lr, type, vl]] of trials.entries()) {
    writeRun(dir, {
      id: `20261110-10000${i}-lr-${i}`,
      createdAt: `2026-11-10T10:00:0${i}.000Z`,
      sweep: { id: 'lr-search', trial: String(i) },
      config: { training: { optimizer: { type, learningRate: lr } } },
      epochs: [
        [0.69, vl + 0.05, 0.55, 0.6],
        [0.6, vl, 0.65, 0.66],
      ],
      test: { accuracy: 0.7, f1: 0.6, auc: 0.75, logLoss: vl },
    });
  }
  // A run outside the sweep, which --sweep must leave out.
  writeRun(dir, {
    id: '20261111-100000-other',
    createdAt: '2026-11-11T10:00:00.000Z',
    epochs: [[0.69, 0.5, 0.55, 0.6]],
  });
  return dir;
}

/**
 * Sweep `asha-retry`: trial `a` ran twice (its first folder's process died while running, so that
 * folder still says running, with no owner), trial `b` was stopped at a rung by ASHA.
 */
export function retriedSweepExperiments(): {
  dir: string;
  superseded: string;
  latest: string;
  stopped: string;
} {
  const dir = join(tempDir(), 'experiments');
  const sweep = (trial: string, attempt: number) => ({ id: 'asha-retry', trial, attempt });
  const epochs: [number, number, number, number][] = [[0.69, 0.6, 0.55, 0.6]];
  const superseded = '20261120-100000-asha-retry-t0';
  const stopped = '20261120-100001-asha-retry-t1';
  const latest = '20261120-100002-asha-retry-t0';
  writeRun(dir, {
    id: superseded,
    status: 'running',
    createdAt: '2026-11-20T10:00:00.000Z',
    sweep: sweep('a', 1),
    epochs,
  });
  writeRun(dir, {
    id: stopped,
    createdAt: '2026-11-20T10:00:01.000Z',
    sweep: sweep('b', 1),
    stoppedBy: 'scheduler',
    epochs,
  });
  writeRun(dir, {
    id: latest,
    createdAt: '2026-11-20T10:00:02.000Z',
    sweep: sweep('a', 2),
    epochs: [...epochs, ...epochs],
  });
  return { dir, superseded, latest, stopped };
}

export const TRIALS_SWEEP = {
  id: 'opt-search',
  lr: 'training.optimizer.learningRate',
  type: 'training.optimizer.type',
  momentum: 'training.optimizer.momentum',
} as const;

/**
 * Sweep `opt-search` with its folder (experiments/sweeps/opt-search/manifest.json, written by hand as
 * a newer writer might: a cancelled sweep, a `bracket` on each trial, cancelled and pending trials),
 * mode min on val_loss, over learning rate (log-spread), optimizer type and momentum, which only the
 * sgd trials have (a conditional parameter). Eight trials: 1-4 and 7 completed, 5 failed (no value),
 * 6 stopped by ASHA, 8 cancelled before it ran; trial 4 is the best (0.45). A run folder for each
 * trial that ran.
 */
export function trialsSweepExperiments(): string {
  const dir = join(tempDir(), 'experiments');
  const { id, lr, type, momentum } = TRIALS_SWEEP;
  const trials: {
    params: Record<string, number | string>;
    status: string;
    best: number | null;
    run: boolean;
  }[] = [
    { params: { [lr]: 0.0001, [type]: 'adam' }, status: 'completed', best: 0.6, run: true },
    { params: { [lr]: 0.001, [type]: 'sgd', [momentum]: 0.9 }, status: 'completed', best: 0.5, run: true },
    { params: { [lr]: 0.01, [type]: 'adam' }, status: 'completed', best: 0.55, run: true },
    { params: { [lr]: 0.001, [type]: 'sgd', [momentum]: 0.5 }, status: 'completed', best: 0.45, run: true },
    { params: { [lr]: 0.01, [type]: 'sgd', [momentum]: 0.9 }, status: 'failed', best: null, run: true },
    { params: { [lr]: 0.0001, [type]: 'adam' }, status: 'stopped', best: 0.65, run: true },
    { params: { [lr]: 0.01, [type]: 'sgd', [momentum]: 0.5 }, status: 'completed', best: 0.48, run: true },
    { params: { [lr]: 0.001, [type]: 'adam' }, status: 'cancelled', best: null, run: false },
  ];
  const manifestTrials = trials.map((t, i) => {
    const index = i + 1;
    const runId = `20261115-10000${index}-opt-search-t${index}`;
    const optimizer: Record<string, unknown> = { type: t.params[type], learningRate: t.params[lr] };
    if (t.params[momentum] !== undefined) optimizer.momentum = t.params[momentum];
    if (t.run)
      writeRun(dir, {
        id: runId,
        status: t.status === 'failed' ? 'failed' : 'completed',
        createdAt: `2026-11-15T10:00:0${index}.000Z`,
        sweep: { id, trial: `h${index}` },
        config: { training: { optimizer } },
        ...(t.status === 'stopped' ? { stoppedBy: 'scheduler' as const } : {}),
        epochs:
          t.best === null
            ? [[0.7, 0.7, 0.5, 0.5]]
            : t.status === 'stopped'
              ? [[0.69, t.best, 0.55, 0.6]]
              : [
                  [0.69, t.best + 0.05, 0.55, 0.6],
                  [0.6, t.best, 0.65, 0.66],
                ],
      });
    const epochs = t.best === null ? 0 : t.status === 'stopped' ? 1 : 2;
    return {
      index,
      id: `h${index}`,
      params: t.params,
      overrides: [],
      config: `trials/h${index}.yaml`,
      status: t.status,
      attempts: t.run ? 1 : 0,
      bracket: i % 2,
      ...(t.run ? { runId, runDir: join(dir, runId), host: 'test' } : {}),
      epochs,
      history: t.best === null ? [] : [{ epoch: epochs, value: t.best }],
      best: t.best,
      bestEpoch: t.best === null ? null : epochs,
      ...(t.status === 'failed' ? { failure: 'loss became NaN' } : {}),
    };
  });
  const sweepDir = join(dir, 'sweeps', id);
  mkdirSync(sweepDir, { recursive: true });
  writeFileSync(
    join(sweepDir, 'manifest.json'),
    JSON.stringify(
      {
        version: 1,
        id,
        name: id,
        specDir: '/specs',
        specFile: '/specs/opt-search.yaml',
        strategy: 'random',
        metric: 'val_loss',
        metricKey: 'val_loss',
        mode: 'min',
        status: 'cancelled',
        createdAt: '2026-11-15T10:00:00.000Z',
        updatedAt: '2026-11-15T11:00:00.000Z',
        trials: manifestTrials,
      },
      null,
      2,
    ),
  );
  return dir;
}

/** The Chromium binary, or null when absent (the browser tests then skip). */
export function findChromium(): string | null {
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  }
  return null;
}

/** Loads a page in headless Chromium (no network, fresh profile) and returns the DOM after scripts ran. */
export function dumpDom(chromium: string, file: string, extra: readonly string[] = []): string {
  const profile = tempDir('qqp-chromium-');
  const r = spawnSync(
    chromium,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${profile}`,
      ...extra,
      '--dump-dom',
      `file://${file}`,
    ],
    { encoding: 'utf8', timeout: 90_000, maxBuffer: 64 * 1024 * 1024 },
  );
  if (r.status !== 0) throw new Error(`chromium exited ${r.status}: ${r.stderr.slice(-2000)}`);
  return r.stdout;
}

/**
 * Runs with evaluations: `a` and `b` (learning rate and hidden units differ) saved curves at the end
 * of training, `b` also an eval-test.json with slices by kind and by length; `old` has test figures
 * from before curves were saved; `failed` has none.
 */
export function evaluatedExperiments(): { dir: string; a: string; b: string; old: string; failed: string } {
  const dir = join(tempDir(), 'experiments');
  const epochs: [number, number, number, number][] = [
    [0.69, 0.66, 0.55, 0.6],
    [0.55, 0.58, 0.7, 0.7],
  ];
  const a = '20261201-100000-bilstm';
  const b = '20261201-110000-bilstm';
  const old = '20261130-100000-gru';
  const failed = '20261201-120000-bilstm';
  const row = (value: string, pairs: number, errors: number) => ({
    value,
    pairs,
    positives: Math.round(pairs * 0.4),
    errors,
    accuracy: 1 - errors / pairs,
    precision: 0.8,
    recall: 0.7,
    f1: 0.75,
    logLoss: 0.4,
    rocAuc: 0.85,
  });
  writeRun(dir, {
    id: old,
    createdAt: '2026-11-30T10:00:00.000Z',
    config: { experiment: { name: 'gru' } },
    epochs,
    test: { accuracy: 0.66, f1: 0.55, auc: 0.7, logLoss: 0.6 },
  });
  writeRun(dir, {
    id: a,
    createdAt: '2026-12-01T10:00:00.000Z',
    config: { experiment: { name: 'bilstm' } },
    epochs,
    evaluation: fakeEvaluation(1, 0.45),
  });
  writeRun(dir, {
    id: b,
    createdAt: '2026-12-01T11:00:00.000Z',
    config: {
      experiment: { name: 'bilstm' },
      training: { optimizer: { learningRate: 0.01 } },
    },
    epochs,
    evaluation: fakeEvaluation(2, 0.8),
    evals: [
      {
        name: 'test',
        evaluation: fakeEvaluation(2, 0.8),
        slices: [
          {
            by: 'kind',
            threshold: 0.5,
            rows: [row('paraphrase', 200, 20), row('negation', 80, 30), row('number', 120, 18)],
          },
          {
            by: 'length',
            threshold: 0.5,
            note: 'words in the longer question',
            rows: [row('1-8', 150, 20), row('9-16', 250, 48)],
          },
        ],
      },
    ],
  });
  writeRun(dir, {
    id: failed,
    status: 'failed',
    createdAt: '2026-12-01T12:00:00.000Z',
    config: { experiment: { name: 'bilstm' }, training: { batchSize: 64 } },
    epochs: [[0.7, 0.69, 0.5, 0.55]],
  });
  return { dir, a, b, old, failed };
}

/**
 * Loads a page in headless Chromium at a window of `width` × `height` with `measure` (a script's
 * source) run after the page's own scripts, and returns the DOM then: the measure script writes what
 * it found into the page (e.g. attributes of <body>). The page file itself is not changed.
 */
export function measureInChromium(
  chromium: string,
  file: string,
  measure: string,
  size: { width: number; height: number },
): string {
  const copy = join(tempDir('qqp-measure-'), 'page.html');
  const html = readFileSync(file, 'utf8');
  const at = html.lastIndexOf('</body>');
  writeFileSync(copy, `${html.slice(0, at)}<script>${measure}</script>${html.slice(at)}`);
  return dumpDom(chromium, copy, [`--window-size=${size.width},${size.height}`, '--hide-scrollbars']);
}
