import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import YAML from 'yaml';
import { Rng } from '../../src/util/rng.js';
import { PROJECT_ROOT } from '../helpers/cli.js';

// The fault-injection test of issue 17: a tiny training is killed with SIGKILL at chosen moments
// (fixed seed), many times, including inside each step of the atomic writes of checkpoint/, the
// models, metrics.jsonl and run.json. The moments are the process's own fault points
// (src/util/faults.ts: QQP_FAULT_AT=n kills it at the n-th), so which moment a case tests never
// depends on timing. After each kill: every file of the run folder parses, `qqp runs` says
// `crashed`, and a resume ends with exactly the metrics and weights of a run that never stopped.

const BIN = join(PROJECT_ROOT, 'bin', 'run.js');
const tmp = mkdtempSync(join(tmpdir(), 'qqp-faults-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function qqp(args: string[], env: NodeJS.ProcessEnv = {}): Exit {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, NO_COLOR: '1', QQP_FAULT_AT: undefined, QQP_FAULT_LOG: undefined, ...env },
    encoding: 'utf8',
    timeout: 300_000,
  });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

function pick<T>(items: readonly T[], n: number, rng: Rng): T[] {
  const pool = [...items];
  const out: T[] = [];
  while (out.length < n && pool.length > 0) out.push(...pool.splice(rng.int(0, pool.length - 1), 1));
  return out;
}

/** 3 epochs of 9 batches of a tiny LSTM on the cpu backend, with Adam (the optimizer whose state matters). */
const configFile = join(tmp, 'faults.yaml');
writeFileSync(
  configFile,
  YAML.stringify({
    experiment: { name: 'faults', seed: 11 },
    data: {
      source: join(PROJECT_ROOT, 'data', 'qqp-synthetic.csv'),
      limit: 400,
      split: { train: 0.7, validation: 0.15, test: 0.15, seed: 1 },
      encoding: { pair: 'concat', maxLength: 8 },
      vocabulary: { maxSize: 300 },
    },
    model: {
      type: 'sequential',
      layers: [
        { type: 'embedding', outputDim: 8 },
        { type: 'lstm', units: 6 },
        { type: 'dropout', rate: 0.2 },
        { type: 'dense', units: 1, activation: 'sigmoid' },
      ],
    },
    training: { epochs: 3, batchSize: 32, backend: 'cpu', optimizer: { type: 'adam', learningRate: 0.01 } },
  }),
);

/** The one run folder under an experiments folder (none when the kill came before it was made). */
function runDir(experiments: string): string | null {
  if (!existsSync(experiments)) return null;
  const dirs = readdirSync(experiments).filter((d) => statSync(join(experiments, d)).isDirectory());
  assert.ok(dirs.length <= 1, `one run folder expected, found ${dirs.join(', ')}`);
  return dirs.length ? join(experiments, dirs[0] as string) : null;
}

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? files(p) : [p];
  });
}

/** Temporary names of the atomic writes (`.name.<pid>.<hex>.tmp...`): leftovers, never read. */
const isTemporary = (path: string) => path.split(/[\\/]/).some((part) => part.startsWith('.'));

/** Every file a reader would open parses: JSON, JSON lines, YAML, and each model's weights match its manifest. */
function assertFilesParse(dir: string): void {
  for (const file of files(dir).filter((f) => !isTemporary(relative(dir, f)))) {
    const where = relative(dir, file);
    const text = () => readFileSync(file, 'utf8');
    if (file.endsWith('.json')) assert.doesNotThrow(() => JSON.parse(text()), `${where} is not JSON`);
    if (file.endsWith('.jsonl')) {
      for (const line of text()
        .split('\n')
        .filter((l) => l !== ''))
        assert.doesNotThrow(() => JSON.parse(line), `${where} has a line that is not JSON`);
    }
    if (file.endsWith('.yaml')) assert.doesNotThrow(() => YAML.parse(text()), `${where} is not YAML`);
    if (file.endsWith('model.json')) {
      const manifest = JSON.parse(text()) as {
        weightsManifest: { paths: string[]; weights: { shape: number[]; dtype: string }[] }[];
      };
      for (const group of manifest.weightsManifest) {
        const expected = group.weights.reduce((sum, w) => sum + 4 * w.shape.reduce((a, b) => a * b, 1), 0);
        const actual = group.paths.reduce((sum, p) => sum + statSync(join(file, '..', p)).size, 0);
        assert.equal(
          actual,
          expected,
          `${where}: weights hold ${actual} bytes, the manifest says ${expected}`,
        );
      }
    }
  }
}

/** What must be identical between an interrupted-and-resumed run and one that never stopped. */
function outcome(dir: string): { epochs: unknown[]; test: unknown; weights: string } {
  const epochs = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const { seconds: _s, examplesPerSecond: _e, ...rest } = JSON.parse(l) as Record<string, unknown>;
      return rest;
    });
  const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { test: unknown };
  const weights = readFileSync(join(dir, 'model', 'last', 'weights.bin')).toString('base64');
  return { epochs, test: summary.test, weights };
}

function statusOf(experiments: string, dir: string): string | undefined {
  const r = qqp(['runs', '--experiments-dir', experiments, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const runs = (JSON.parse(r.stdout) as { runs: { dir: string; status: string }[] }).runs;
  return runs.find((x) => x.dir === dir)?.status;
}

function assertNoStackTrace(r: Exit): void {
  assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+/, `stack trace on stderr:\n${r.stderr}`);
}

/** Kills a training at fault point `at`; checks the folder as a reader finds it; returns it. */
function killAt(args: string[], experiments: string, at: number): string | null {
  const r = qqp([...args, '--experiments-dir', experiments], { QQP_FAULT_AT: String(at) });
  assert.equal(r.signal, 'SIGKILL', `fault point ${at} was never reached (exit ${r.code}):\n${r.stderr}`);
  const dir = runDir(experiments);
  if (dir === null) return null;
  assertFilesParse(dir);
  if (existsSync(join(dir, 'run.json'))) assert.equal(statusOf(experiments, dir), 'crashed');
  return dir;
}

/** Resumes a killed run to its end; a run killed before its run.json existed is refused cleanly. */
function resume(experiments: string, dir: string): Exit {
  const r = qqp(['train', '--resume', dir, '--experiments-dir', experiments, '--json']);
  assertNoStackTrace(r);
  return r;
}

describe('kill -9 at chosen moments of a training, then resume', { timeout: 900_000 }, () => {
  let reference: ReturnType<typeof outcome>;
  let points: { n: number; name: string }[] = [];

  before(() => {
    const experiments = join(tmp, 'reference');
    const log = join(tmp, 'points.log');
    const r = qqp(['train', configFile, '--experiments-dir', experiments, '--json'], { QQP_FAULT_LOG: log });
    assert.equal(r.code, 0, r.stderr);
    reference = outcome(runDir(experiments) as string);
    points = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => {
        const [n, ...name] = l.split(' ');
        return { n: Number(n), name: name.join(' ') };
      });
  });

  it('has fault points in every step of the checkpoint write and in the batches', () => {
    const names = new Set(points.map((p) => p.name));
    for (const step of ['filled', 'old moved aside', 'new in place'])
      assert.ok(names.has(`replace checkpoint: ${step}`), `no fault point "replace checkpoint: ${step}"`);
    assert.ok(names.has('batch'), 'no fault point in the batches');
    assert.ok(points.filter((p) => p.name === 'batch').length === 27, '3 epochs of 9 batches were expected');
  });

  it('after each kill every file parses, runs says crashed, and resume ends as if never stopped', (t) => {
    const rng = new Rng(2026);
    const inCheckpoint = points.filter((p) => p.name.includes('checkpoint'));
    const others = points.filter((p) => !p.name.includes('checkpoint'));
    const chosen = [...pick(inCheckpoint, 6, rng), ...pick(others, 6, rng)].sort((a, b) => a.n - b.n);
    t.diagnostic(
      `of ${points.length} fault points, killed at ${chosen.map((p) => `${p.n} (${p.name})`).join('; ')}`,
    );
    for (const point of chosen) {
      const experiments = join(tmp, `kill-${point.n}`);
      const dir = killAt(['train', configFile], experiments, point.n);
      const label = `killed at point ${point.n} (${point.name})`;
      if (dir === null) continue; // killed before the run folder existed: nothing to resume
      const r = resume(experiments, dir);
      if (!existsSync(join(dir, 'run.json'))) {
        assert.equal(r.code, 6, `${label}: a folder without run.json is refused with exit 6:\n${r.stderr}`);
        continue;
      }
      assert.equal(r.code, 0, `${label}: resume failed:\n${r.stderr}`);
      assert.deepEqual(outcome(dir), reference, `${label}: the resumed run differs`);
      assert.deepEqual(
        files(dir).filter((f) => isTemporary(relative(dir, f))),
        [],
        `${label}: temporary files left behind`,
      );
      assert.equal(statusOf(experiments, dir), 'completed');
    }
  });

  it('a run killed three times in a row, each time while resuming, still ends as if never stopped', () => {
    const rng = new Rng(17);
    const experiments = join(tmp, 'chain');
    const first = 1 + Math.floor(points.length * (0.2 + 0.2 * rng.float()));
    const dir = killAt(['train', configFile], experiments, first);
    assert.ok(
      dir !== null && existsSync(join(dir, 'run.json')),
      `killed at point ${first}: no run to resume`,
    );
    for (let i = 0; i < 2; i++) {
      // A resumed process counts its own points from 1; these fall inside its epochs.
      const at = 1 + Math.floor(points.length * (0.15 + 0.15 * rng.float()));
      killAt(['train', '--resume', dir], experiments, at);
    }
    const r = resume(experiments, dir);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(outcome(dir), reference);
  });
});
