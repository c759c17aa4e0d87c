import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import YAML from 'yaml';
import type { ResolvedConfig } from '../config/schema.js';
import { DATA_PATH_FIELDS } from '../data/schema.js';
import { RunError } from '../errors.js';
import { writeFileAtomic, writeJsonAtomic } from './atomic.js';

/**
 * A run folder, `experiments/<id>/`, describes its run completely: evaluation, prediction, resuming
 * and comparing read nothing else. Only this module writes under `experiments/`.
 *
 *   config.yaml      the resolved config (defaults filled; data paths relative to this folder)
 *   run.json         status, timestamps, versions, backend, seed, host, command line, data fingerprint
 *   metrics.jsonl    one line per completed epoch
 *   summary.json     best and last epoch, test metrics (when the run ends)
 *   vocabulary.json  the vocabulary and tokenizer settings
 *   model/best/, model/last/   tfjs layers models (model.json + weights.bin)
 *   checkpoint/      the optimizer's state and the trainer's, to resume
 *   train.log        what the run printed, with times
 */

export type RunStatus = 'running' | 'completed' | 'interrupted' | 'failed';

export const RUN_FILES = {
  config: 'config.yaml',
  meta: 'run.json',
  metrics: 'metrics.jsonl',
  summary: 'summary.json',
  vocabulary: 'vocabulary.json',
  bestModel: join('model', 'best'),
  lastModel: join('model', 'last'),
  checkpoint: 'checkpoint',
  log: 'train.log',
} as const;

export interface RunMeta {
  id: string;
  name: string;
  status: RunStatus;
  createdAt: string;
  updatedAt: string;
  finishedAt?: string;
  /** Seconds spent training, summed over every session of the run (resumes included). */
  trainSeconds: number;
  epochsCompleted: number;
  failure?: { code: string; message: string; epoch?: number; batch?: number };
  seed: number;
  tags: string[];
  backend?: { name: string; reason: string; details?: unknown };
  host: string;
  /** The command lines that ran (the first, then each resume). */
  commands: string[][];
  /** Directory the run was started from. */
  cwd: string;
  gitCommit: string | null;
  versions: Record<string, string>;
  configFiles: string[];
  overrides: string[];
  data?: {
    fingerprint: string;
    mode: string;
    sizes: { train: number; validation: number; test: number };
    /** Which split the per-epoch val_* figures come from. */
    validationSplit: 'validation' | 'test' | 'none';
    files: { file: string; format: string; rows: number; badRows: number; invalidUtf8Lines: number }[];
    vocabularySize: number;
    sequenceLength: number;
  };
  sweep?: { id: string; trial: string };
}

/** Run ids sort by time: `20261128-021502-bilstm`. */
export function makeRunId(name: string, now: Date, taken: (id: string) => boolean): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}-${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
  const base = `${stamp}-${name}`;
  if (!taken(base)) return base;
  for (let i = 2; ; i++) if (!taken(`${base}-${i}`)) return `${base}-${i}`;
}

/** The resolved config as written into a run folder: data paths made relative to that folder. */
export function configForRunFolder(config: ResolvedConfig, runDir: string, cwd: string): ResolvedConfig {
  const copy = structuredClone(config);
  for (const field of DATA_PATH_FIELDS) {
    const p = copy.data[field];
    if (typeof p === 'string' && !isAbsolute(p)) copy.data[field] = relative(runDir, resolve(cwd, p));
  }
  return copy;
}

export class RunFolder {
  private constructor(
    readonly dir: string,
    readonly id: string,
  ) {}

  /** Creates a new, empty run folder under `experimentsDir`. */
  static create(experimentsDir: string, name: string, now = new Date()): RunFolder {
    mkdirSync(experimentsDir, { recursive: true });
    const id = makeRunId(name, now, (candidate) => existsSync(join(experimentsDir, candidate)));
    const dir = join(experimentsDir, id);
    mkdirSync(dir);
    return new RunFolder(dir, id);
  }

  /**
   * Opens an existing run by folder path or by id (under `experimentsDir`), checking that the files
   * every reader needs are there; a missing or corrupt one is a RunError that names it.
   */
  static open(ref: string, experimentsDir: string): RunFolder {
    const candidates = [resolve(ref), resolve(experimentsDir, ref)];
    const dir = candidates.find(
      (d) => existsSync(join(d, RUN_FILES.meta)) || existsSync(join(d, RUN_FILES.config)),
    );
    if (!dir) {
      const known = existsSync(experimentsDir)
        ? readdirSync(experimentsDir).filter((d) => existsSync(join(experimentsDir, d, RUN_FILES.meta)))
        : [];
      const near = known.filter((d) => d.includes(ref)).slice(0, 5);
      throw new RunError(
        'RUN_NOT_FOUND',
        `no run "${ref}" (looked for ${candidates.map((c) => join(c, RUN_FILES.meta)).join(' and ')})`,
        {
          suggestions: near.length
            ? near.map((d) => `did you mean ${d}?`)
            : ['`qqp runs` lists the runs (or give the run folder path)'],
        },
      );
    }
    return new RunFolder(dir, basename(dir));
  }

  path(file: string): string {
    return join(this.dir, file);
  }

  has(file: string): boolean {
    return existsSync(this.path(file));
  }

  writeConfig(config: ResolvedConfig, cwd: string): void {
    const text = `# Resolved config of run ${this.id}: every default filled in, data paths relative to this folder.\n${YAML.stringify(configForRunFolder(config, this.dir, cwd), { lineWidth: 0 })}`;
    writeFileAtomic(this.path(RUN_FILES.config), text);
  }

  writeMeta(meta: RunMeta): void {
    writeJsonAtomic(this.path(RUN_FILES.meta), meta);
  }

  readMeta(): RunMeta {
    return this.readJson<RunMeta>(RUN_FILES.meta);
  }

  /** Rewrites metrics.jsonl with these records (atomic; a few lines per epoch at most). */
  writeMetrics(records: readonly object[]): void {
    writeFileAtomic(this.path(RUN_FILES.metrics), records.map((r) => `${JSON.stringify(r)}\n`).join(''));
  }

  readMetrics<T>(): T[] {
    const file = this.path(RUN_FILES.metrics);
    if (!existsSync(file)) return [];
    const lines = readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '');
    return lines.map((l, i) => {
      try {
        return JSON.parse(l) as T;
      } catch {
        throw new RunError('RUN_FILE_CORRUPT', `${file}:${i + 1}: not valid JSON`);
      }
    });
  }

  writeSummary(summary: object): void {
    writeJsonAtomic(this.path(RUN_FILES.summary), summary);
  }

  writeJson(file: string, value: unknown): void {
    writeJsonAtomic(this.path(file), value);
  }

  readJson<T>(file: string): T {
    const full = this.path(file);
    let text: string;
    try {
      text = readFileSync(full, 'utf8');
    } catch {
      throw new RunError('RUN_FILE_MISSING', `${full}: missing`, {
        suggestions: ['the run folder is incomplete; train the run again'],
      });
    }
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new RunError('RUN_FILE_CORRUPT', `${full}: not valid JSON`);
    }
  }

  /** Appends a line to train.log (a log; every other file is replaced atomically). */
  log(line: string): void {
    appendFileSync(this.path(RUN_FILES.log), `${new Date().toISOString()} ${line}\n`);
  }

  modifiedAt(file: string): Date | undefined {
    return this.has(file) ? statSync(this.path(file)).mtime : undefined;
  }
}

export function hostName(): string {
  return hostname();
}
