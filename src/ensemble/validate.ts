import type { LoadOptions } from '../config/load.js';
import { QqpError } from '../errors.js';
import { type FileValidation, type ValidationReport, validateConfigFiles } from '../model/check-files.js';
import { ensembleRuns, isEnsembleSpecFile, loadEnsembleRuns, loadEnsembleSpec } from './spec.js';

/**
 * `qqp validate ENSEMBLE.yaml`: the spec, then each member config as `qqp validate` checks a config
 * (validateConfigFiles), then whether every run reads the same pairs. Problems of a member are at its
 * own lines; the spec's at the spec's.
 */
export async function validateEnsembleFile(file: string, options: LoadOptions): Promise<FileValidation> {
  let spec: ReturnType<typeof loadEnsembleSpec>;
  try {
    spec = loadEnsembleSpec(file, options.cwd);
  } catch (err) {
    if (!(err instanceof QqpError)) throw err;
    return {
      file,
      valid: false,
      problems: err.problems.length ? err.problems : [{ source: file, message: err.message }],
    };
  }
  // Each member with the spec's overrides (and the command line's, after them), as it will train.
  const set = [...spec.set, ...(options.overrides ?? [])];
  const members = await validateConfigFiles(spec.members, { ...options, overrides: set });
  const problems = members.files.flatMap((f) => f.problems);
  if (problems.length === 0) {
    try {
      loadEnsembleRuns(spec, spec.members, ensembleRuns(spec.members, spec.seeds), set, options.cwd);
    } catch (err) {
      if (!(err instanceof QqpError)) throw err;
      problems.push(...err.problems);
    }
  }
  return { file, valid: problems.length === 0, problems };
}

/** `qqp validate FILE…`: configs and ensemble specs alike, each file's problems at once. */
export async function validateFiles(
  files: readonly string[],
  options: LoadOptions = {},
): Promise<ValidationReport> {
  const results: FileValidation[] = [];
  for (const file of files) {
    if (isEnsembleSpecFile(file, options.cwd)) results.push(await validateEnsembleFile(file, options));
    else results.push(...(await validateConfigFiles([file], options)).files);
  }
  return { valid: results.every((r) => r.valid), files: results };
}
