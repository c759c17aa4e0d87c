import { useInspectionBackend } from '../backend/index.js';
import { checkConfigFile, type LoadOptions } from '../config/load.js';
import { type Problem, QqpError } from '../errors.js';
import { buildFromLoaded, dimsLookup } from './build.js';
import { checkPretrained } from './pretrained.js';

export interface FileValidation {
  file: string;
  valid: boolean;
  problems: Problem[];
}

export interface ValidationReport {
  valid: boolean;
  files: FileValidation[];
}

/**
 * Checks each config fully: YAML, schema, cross-field checks, and building its model (with the
 * vocabulary size as a placeholder), so that a layer tfjs would refuse is caught too.
 */
export async function validateConfigFiles(
  files: readonly string[],
  options: LoadOptions = {},
): Promise<ValidationReport> {
  let backendReady = false;
  const results: FileValidation[] = [];
  for (const file of files) {
    const check = checkConfigFile(file, options);
    const problems = [...check.problems];
    if (check.loaded) {
      if (!backendReady) {
        await useInspectionBackend();
        backendReady = true;
      }
      const pretrained = await checkPretrained(check.loaded);
      problems.push(...pretrained.problems);
      try {
        if (pretrained.problems.length === 0) {
          const { maxSize } = check.loaded.config.data.vocabulary;
          buildFromLoaded(check.loaded, maxSize, dimsLookup(pretrained.dims)).dispose();
        }
      } catch (err) {
        if (!(err instanceof QqpError)) throw err;
        problems.push(
          ...(err.problems.length ? err.problems : [{ source: check.file, message: err.message }]),
        );
      }
    }
    results.push({ file: check.file, valid: problems.length === 0, problems });
  }
  return { valid: results.every((r) => r.valid), files: results };
}
