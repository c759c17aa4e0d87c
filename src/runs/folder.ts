import { appendFileSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import type * as tfc from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import YAML from 'yaml';
import { type LoadedConfig, loadConfig } from '../config/load.js';
import { mapConfigPaths } from '../config/paths.js';
import type { ResolvedConfig } from '../config/schema.js';
import { type FeatureStats, type FittingVectors, featureStatsProblem } from '../data/features.js';
import type { FeaturesConfig } from '../data/schema.js';
import { Vocabulary } from '../data/vocabulary.js';
import { readSubset, writeSubset } from '../embeddings/cache.js';
import { RunError } from '../errors.js';
import { removeFileLeftovers, replaceDirAtomic, writeFileAtomic, writeJsonAtomic } from '../util/atomic.js';
import {
  CHECKPOINT_FILES,
  checkpointInfo,
  fillCheckpointDir,
  type RunRecovery,
  readOptimizerFiles,
  recoverRunFolder,
  validateCheckpointDir,
} from './checkpoint-files.js';
import { ensembleNotARun } from './ensemble-folder.js';
import { evaluationFileName, RUN_FILES } from './files.js';
import { readModelFiles, writeModelFiles } from './model-files.js';
import { createNamedFolder } from './names.js';
import { type AcquireOptions, type OwnerRead, RunOwner, readOwner } from './owner.js';
import type {
  Checkpoint,
  EpochRecord,
  EvaluationResult,
  EvaluationSource,
  OptimizerSnapshot,
  RunMeta,
  RunSummary,
  TrainerState,
} from './records.js';

/**
 * A run folder, `experiments/<id>/`, describes its run completely: evaluation, prediction, resuming
 * and comparing read nothing else. Only this module writes under `experiments/<id>/`, each file
 * through its own typed method (the record types are in records.ts).
 *
 *   config.yaml      the resolved config (defaults filled; data paths relative to this folder)
 *   run.json         status, timestamps, versions, backend, seed, host, command line, data fingerprint
 *   metrics.jsonl    one line per completed epoch
 *   summary.json     best and last epoch, test metrics (when the run ends)
 *   vocabulary.json  the vocabulary and tokenizer settings
 *   features.json    the pair-feature statistics fitted on the training split (data.features)
 *   feature-vectors.f32  the training words' vectors for vector pair features (data.features.vectors)
 *   model/best/, model/last/   tfjs layers models (model.json + weights.bin)
 *   checkpoint/      the last epoch's model, the optimizer's state and the trainer's, to resume
 *                    (checkpoint-files.ts; each replaced folder ends with a manifest.json)
 *   metrics.superseded.jsonl   epochs a resume could not continue from (kept, never erased)
 *   eval-*.json      results of `qqp eval`
 *   train.log        what the run printed, with times
 *   owner.json       the process training the run, while it trains (owner.ts)
 */

export { CHECKPOINT_FILES, evaluationFileName, RUN_FILES };

/** The resolved config as written into a run folder: data paths made relative to that folder. */
export function configForRunFolder(config: ResolvedConfig, runDir: string, cwd: string): ResolvedConfig {
  const copy = structuredClone(config);
  mapConfigPaths(copy, (p) => (isAbsolute(p) ? p : relative(runDir, resolve(cwd, p))));
  return copy;
}

export class RunFolder {
  private constructor(
    readonly dir: string,
    readonly id: string,
  ) {}

  /** Creates a new, empty run folder under `experimentsDir`; a bad name is refused (see checkName). */
  static create(experimentsDir: string, name: string, now = new Date()): RunFolder {
    const { id, dir } = createNamedFolder(experimentsDir, 'run', name, now);
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
      const ensemble = ensembleNotARun(ref, experimentsDir);
      if (ensemble) throw ensemble;
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

  /** The full path of a file of the folder (one of RUN_FILES), for messages and existence checks. */
  path(file: string): string {
    return join(this.dir, file);
  }

  has(file: string): boolean {
    return existsSync(this.path(file));
  }

  // config.yaml

  writeConfig(config: ResolvedConfig, cwd: string): void {
    const text = `# Resolved config of run ${this.id}: every default filled in, data paths relative to this folder.\n${YAML.stringify(configForRunFolder(config, this.dir, cwd), { lineWidth: 0 })}`;
    writeFileAtomic(this.path(RUN_FILES.config), text);
  }

  /** The run's own config, loaded and validated like any config file. */
  readConfig(): LoadedConfig {
    return loadConfig(this.path(RUN_FILES.config));
  }

  // run.json

  writeMeta(meta: RunMeta): void {
    writeJsonAtomic(this.path(RUN_FILES.meta), meta);
  }

  readMeta(): RunMeta {
    return this.readJson<RunMeta>(RUN_FILES.meta);
  }

  // metrics.jsonl

  /**
   * Rewrites metrics.jsonl with these records, all of them (atomic; a few lines per epoch at most):
   * the checkpoint's list is the truth, so a resumed run drops lines of an epoch it repeats.
   */
  writeEpochs(records: readonly EpochRecord[]): void {
    writeFileAtomic(this.path(RUN_FILES.metrics), records.map((r) => `${JSON.stringify(r)}\n`).join(''));
  }

  readEpochs(): EpochRecord[] {
    const file = this.path(RUN_FILES.metrics);
    if (!existsSync(file)) return [];
    const lines = readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '');
    return lines.map((l, i) => {
      try {
        return JSON.parse(l) as EpochRecord;
      } catch {
        throw new RunError('RUN_FILE_CORRUPT', `${file}:${i + 1}: not valid JSON`);
      }
    });
  }

  // summary.json

  writeSummary(summary: RunSummary): void {
    writeJsonAtomic(this.path(RUN_FILES.summary), summary);
  }

  readSummary(): RunSummary {
    return this.readJson<RunSummary>(RUN_FILES.summary);
  }

  // vocabulary.json

  async saveVocabulary(vocabulary: Vocabulary): Promise<void> {
    await vocabulary.save(this.path(RUN_FILES.vocabulary));
  }

  loadVocabulary(): Promise<Vocabulary> {
    return Vocabulary.load(this.path(RUN_FILES.vocabulary));
  }

  // features.json

  saveFeatures(stats: FeatureStats): void {
    writeJsonAtomic(this.path(RUN_FILES.features), stats);
  }

  /**
   * The run's feature statistics, checked against its config's data.features: missing, not JSON,
   * or not what the config asks for is a RunError naming the file.
   */
  readFeatures(config: FeaturesConfig | undefined): FeatureStats {
    const stats = this.readJson<FeatureStats>(RUN_FILES.features);
    const problem = featureStatsProblem(stats, config);
    if (problem) {
      throw new RunError('RUN_FILE_CORRUPT', `${this.path(RUN_FILES.features)}: ${problem}`, {
        suggestions: [
          'the feature statistics must be the ones the model was trained with; train the run again',
        ],
      });
    }
    return stats;
  }

  // feature-vectors.f32 (the embeddings cache's file format)

  async saveFeatureVectors(v: FittingVectors): Promise<void> {
    const { dim, words, values } = v.vectors;
    await writeSubset(this.path(RUN_FILES.featureVectors), v.sha256, {
      dim,
      words: [...words],
      values,
      total: words.length,
    });
  }

  /** The vectors `stats` were fitted with; missing or not matching them is a RunError naming the file. */
  async readFeatureVectors(stats: FeatureStats): Promise<FittingVectors> {
    const file = this.path(RUN_FILES.featureVectors);
    const want = stats.vectors;
    const subset = want ? await readSubset(file, want.sha256) : null;
    if (!want || !subset || subset.dim !== want.dim || subset.words.length !== want.words) {
      throw new RunError(
        'RUN_FILE_CORRUPT',
        `${file}: ${existsSync(file) ? 'not the vectors features.json was fitted with' : 'missing'} (the vector pair features need it)`,
        {
          suggestions: [
            'the feature vectors must be the ones the model was trained with; train the run again',
          ],
        },
      );
    }
    return { source: want.source, sha256: want.sha256, vectors: subset };
  }

  /**
   * Keeps epoch records aside in metrics.superseded.jsonl (appended, each with `supersededAt`):
   * lines of metrics.jsonl that a resume from an older checkpoint would otherwise drop.
   */
  supersedeEpochs(records: readonly EpochRecord[], at = new Date()): void {
    if (records.length === 0) return;
    const file = this.path(RUN_FILES.supersededMetrics);
    const before = existsSync(file) ? readFileSync(file, 'utf8') : '';
    const lines = records
      .map((r) => `${JSON.stringify({ ...r, supersededAt: at.toISOString() })}\n`)
      .join('');
    writeFileAtomic(file, before + lines);
  }

  // model/best/, model/last/

  /**
   * Writes a model's files as model/best/ or model/last/ (replaced as a whole, atomically; its
   * manifest records `epoch` when given).
   */
  writeModel(which: 'best' | 'last', artifacts: tfc.io.ModelArtifacts, epoch?: number): void {
    replaceDirAtomic(
      this.path(modelDir(which)),
      (dir) => writeModelFiles(dir, artifacts),
      epoch === undefined ? {} : { epoch },
    );
  }

  /** Makes model/best/ or model/last/ a copy of checkpoint/model/ (the checkpoint's epoch). */
  copyCheckpointModel(which: 'best' | 'last', epoch: number): void {
    const files = readModelFiles(this.path(join(RUN_FILES.checkpoint, CHECKPOINT_FILES.model)));
    this.writeModel(
      which,
      {
        format: files.format,
        generatedBy: files.generatedBy,
        convertedBy: files.convertedBy,
        modelTopology: files.modelTopology,
        weightSpecs: files.weightSpecs,
        weightData: files.weightData,
      },
      epoch,
    );
  }

  async loadModel(which: 'best' | 'last'): Promise<tfl.LayersModel> {
    const { loadModel } = await import('./model-io.js');
    return loadModel(this.path(modelDir(which)));
  }

  // checkpoint/

  /** Replaces checkpoint/ as one folder: model, optimizer slots and bytes, trainer state, manifest last. */
  writeCheckpoint(checkpoint: Checkpoint): void {
    replaceDirAtomic(
      this.path(RUN_FILES.checkpoint),
      (dir) => fillCheckpointDir(dir, checkpoint),
      checkpointInfo(checkpoint),
    );
  }

  /**
   * Before a resume reads anything else: each folder replacement a crash interrupted is finished
   * or undone (see checkpoint-files' recoverRunFolder) and the temporary files of interrupted
   * writes are removed. A checkpoint present in no complete form is a RUN_CHECKPOINT_CORRUPT.
   */
  recover(): RunRecovery {
    const recovery = recoverRunFolder(this.dir, {
      checkpoint: RUN_FILES.checkpoint,
      best: RUN_FILES.bestModel,
      last: RUN_FILES.lastModel,
    });
    const files = [
      RUN_FILES.config,
      RUN_FILES.meta,
      RUN_FILES.metrics,
      RUN_FILES.supersededMetrics,
      RUN_FILES.summary,
      RUN_FILES.vocabulary,
      RUN_FILES.features,
      RUN_FILES.featureVectors,
    ];
    for (const f of files) {
      for (const left of removeFileLeftovers(this.path(f)))
        recovery.notes.push(`removed the leftover ${left}`);
    }
    return recovery;
  }

  /**
   * The trainer state of the checkpoint, or null when the run has none (no epoch completed). Every
   * file of the checkpoint is checked first (manifest, state, optimizer, model files): a damaged
   * one is a RUN_CHECKPOINT_CORRUPT naming it.
   */
  readCheckpointState(): TrainerState | null {
    if (!this.has(RUN_FILES.checkpoint)) return null;
    return validateCheckpointDir(this.path(RUN_FILES.checkpoint));
  }

  async loadCheckpointModel(): Promise<tfl.LayersModel> {
    const { loadModel } = await import('./model-io.js');
    return loadModel(this.path(join(RUN_FILES.checkpoint, CHECKPOINT_FILES.model)));
  }

  readCheckpointOptimizer(): OptimizerSnapshot {
    return readOptimizerFiles(this.path(RUN_FILES.checkpoint));
  }

  // eval-*.json

  /** Where an evaluation of this source is saved (evaluationFileName inside the folder). */
  evaluationPath(source: EvaluationSource): string {
    return this.path(evaluationFileName(source));
  }

  /** Saves an evaluation result under the name its source gives (see evaluationFileName). */
  writeEvaluation(result: EvaluationResult): void {
    writeJsonAtomic(this.evaluationPath(result.source), result);
  }

  // owner.json

  /** Takes the run for this process; refused while another live process holds it (owner.ts). */
  acquireOwner(options: AcquireOptions = {}): RunOwner {
    return RunOwner.acquire(this.dir, options);
  }

  readOwner(): OwnerRead {
    return readOwner(this.dir);
  }

  // train.log

  /** Appends a line to train.log (a log; every other file is replaced atomically). */
  log(line: string): void {
    appendFileSync(this.path(RUN_FILES.log), `${new Date().toISOString()} ${line}\n`);
  }

  modifiedAt(file: string): Date | undefined {
    return this.has(file) ? statSync(this.path(file)).mtime : undefined;
  }

  private readJson<T>(file: string): T {
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
}

function modelDir(which: 'best' | 'last'): string {
  return which === 'best' ? RUN_FILES.bestModel : RUN_FILES.lastModel;
}

export function hostName(): string {
  return hostname();
}
