import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RunError } from '../errors.js';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic.js';
import { RUN_FILES } from './files.js';
import { createNamedFolder } from './names.js';

/**
 * An ensemble folder, `experiments/<id>/`, holds the runs of an ensemble spec and what they score
 * together; only this module writes its own files (each run folder under members/ is a RunFolder).
 *
 *   ensemble.yaml    the spec as written
 *   ensemble.json    status, the command line, and each planned run: its config, seed, folder, status
 *   members/<id>/    one ordinary run folder per run (qqp show, qqp eval, qqp serve take each)
 *   eval-*.json      results of the ensemble (the mean of its runs' probabilities)
 */
export const ENSEMBLE_FILES = {
  record: 'ensemble.json',
  spec: 'ensemble.yaml',
  members: 'members',
} as const;

export type EnsembleStatus = 'running' | 'completed' | 'interrupted' | 'failed';
export type EnsembleRunStatus = 'pending' | 'running' | 'completed' | 'interrupted' | 'failed';

export interface EnsembleRunRecord {
  /** Absolute path of the member config. */
  config: string;
  /** experiment.seed of the run; null: the config's own. */
  seed: number | null;
  /** The run's folder name under members/, once it exists. */
  run: string | null;
  status: EnsembleRunStatus;
}

export interface EnsembleRecord {
  kind: 'qqp-ensemble';
  version: 1;
  id: string;
  name: string;
  /** The spec file as the user named it. */
  spec: string;
  createdAt: string;
  updatedAt: string;
  status: EnsembleStatus;
  /** Overrides every run was loaded with (the spec's `set`, then the command line's). */
  set: string[];
  runs: EnsembleRunRecord[];
  command: string[];
}

export class EnsembleFolder {
  private constructor(
    readonly dir: string,
    readonly id: string,
  ) {}

  static create(experimentsDir: string, name: string, now = new Date()): EnsembleFolder {
    const { id, dir } = createNamedFolder(experimentsDir, 'ensemble', name, now);
    return new EnsembleFolder(dir, id);
  }

  /** The ensemble at `ref` (a folder path, or an id under experimentsDir), or undefined when none is. */
  static find(ref: string, experimentsDir: string): EnsembleFolder | undefined {
    const dir = [resolve(ref), resolve(experimentsDir, ref)].find((d) => isEnsembleFolder(d));
    if (dir === undefined) return undefined;
    return new EnsembleFolder(dir, dir.split(/[\\/]/).pop() ?? dir);
  }

  get membersDir(): string {
    return join(this.dir, ENSEMBLE_FILES.members);
  }

  path(file: string): string {
    return join(this.dir, file);
  }

  /** The folder of a run under members/. */
  runDir(run: string): string {
    return join(this.membersDir, run);
  }

  writeSpec(text: string): void {
    writeFileAtomic(this.path(ENSEMBLE_FILES.spec), text);
  }

  write(record: EnsembleRecord): void {
    writeJsonAtomic(this.path(ENSEMBLE_FILES.record), record);
  }

  read(): EnsembleRecord {
    const file = this.path(ENSEMBLE_FILES.record);
    let record: Partial<EnsembleRecord>;
    try {
      record = JSON.parse(readFileSync(file, 'utf8')) as Partial<EnsembleRecord>;
    } catch (err) {
      throw new RunError(
        'ENSEMBLE_FILE_CORRUPT',
        `${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'not valid JSON'}`,
      );
    }
    if (record.kind !== 'qqp-ensemble' || !Array.isArray(record.runs) || record.runs.length === 0) {
      throw new RunError('ENSEMBLE_FILE_CORRUPT', `${file}: not an ensemble record (kind, runs)`);
    }
    return record as EnsembleRecord;
  }

  /**
   * The folders of the ensemble's runs, every one completed; an ensemble whose runs are not all
   * trained is refused, saying how to finish it.
   */
  memberRunDirs(): string[] {
    const record = this.read();
    const done = record.runs.filter((r) => r.status === 'completed' && r.run !== null);
    if (done.length < record.runs.length) {
      throw new RunError(
        'ENSEMBLE_INCOMPLETE',
        `ensemble ${this.id}: ${done.length} of its ${record.runs.length} runs completed (status ${record.status})`,
        { suggestions: [`qqp train --resume ${this.dir}`] },
      );
    }
    return done.map((r) => this.runDir(r.run!));
  }
}

export function isEnsembleFolder(dir: string): boolean {
  return existsSync(join(dir, ENSEMBLE_FILES.record)) && !existsSync(join(dir, RUN_FILES.meta));
}

/**
 * Run references with each ensemble among them replaced by its runs' folders, in order: what
 * `qqp eval` and `qqp predict` score together. Other references pass through unchanged.
 */
export function expandRunRefs(refs: readonly string[], experimentsDir: string): string[] {
  return refs.flatMap((ref) => EnsembleFolder.find(ref, experimentsDir)?.memberRunDirs() ?? [ref]);
}

/**
 * For the commands that take one run (serve, export, dedupe, show…): the error for a reference
 * that names an ensemble, or undefined when it does not.
 */
export function ensembleNotARun(
  ref: string,
  experimentsDir: string,
  command = 'this command',
): RunError | undefined {
  const ensemble = EnsembleFolder.find(ref, experimentsDir);
  if (ensemble === undefined) return undefined;
  let runs: string[] = [];
  try {
    runs = ensemble.read().runs.flatMap((r) => (r.run === null ? [] : [r.run]));
  } catch {
    // A corrupt record still names an ensemble; the message just cannot list its runs.
  }
  return new RunError(
    'RUN_IS_ENSEMBLE',
    `${ref} is an ensemble (${runs.length} runs), and ${command} takes one run: qqp eval and qqp predict take the ensemble`,
    {
      suggestions: runs.length
        ? [`one of its runs, e.g. ${join(ensemble.membersDir, runs[0]!)}`]
        : [`its runs are under ${ensemble.membersDir}`],
    },
  );
}
