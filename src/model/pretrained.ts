import type { LoadedConfig } from '../config/load.js';
import { peekDimension } from '../embeddings/parse.js';
import { resolveSource } from '../embeddings/source.js';
import { ConfigError, type Problem, QqpError } from '../errors.js';
import { pretrainedLayers } from '../registry/layers.js';
import type { ConfigPath } from '../util/paths.js';

/** The dimension of each pretrained source a config names, and what is wrong with them. */
export interface PretrainedCheck {
  dims: Map<string, number>;
  problems: Problem[];
}

/**
 * Reads the head of each `pretrained.source` of the model (cheap): a source that cannot be read is
 * a problem at `pretrained.source`, an `outputDim` other than the vectors' dimension one at `outputDim`;
 * so is `data.features.vectors.source` (the vectors of the vector pair features).
 */
export async function checkPretrained(loaded: LoadedConfig, cwd = process.cwd()): Promise<PretrainedCheck> {
  const dims = new Map<string, number>();
  const problems: Problem[] = [];
  /** The source's dimension (read once), or undefined with a problem at `at`. */
  const dimOf = async (source: string, at: ConfigPath): Promise<number | undefined> => {
    const known = dims.get(source);
    if (known !== undefined) return known;
    try {
      const resolved = resolveSource(source, cwd);
      const dim = await peekDimension(resolved.path, resolved.format);
      dims.set(source, dim);
      return dim;
    } catch (err) {
      if (!(err instanceof QqpError)) throw err;
      const hint = err.suggestions.length ? ` (${err.suggestions.join('; ')})` : '';
      problems.push({ ...loaded.locate(at), message: `${err.message}${hint}` });
      return undefined;
    }
  };
  for (const { path, outputDim, pretrained } of pretrainedLayers(loaded.config.model)) {
    const dim = await dimOf(pretrained.source, [...path, 'pretrained', 'source']);
    if (dim !== undefined && outputDim !== undefined && outputDim !== dim) {
      problems.push({
        ...loaded.locate([...path, 'outputDim']),
        message: `outputDim is ${outputDim} but the vectors of ${pretrained.source} have ${dim} dimensions: set outputDim: ${dim}, or leave it out to take the vectors' dimension`,
      });
    }
  }
  // The vectors of the vector pair features: readable, like an embedding's.
  const vectors = loaded.config.data.features?.vectors;
  if (vectors) await dimOf(vectors.source, ['data', 'features', 'vectors', 'source']);
  return { dims, problems };
}

/** As checkPretrained, refusing a config with a problem (a ConfigError at file:line:col). */
export async function pretrainedDims(
  loaded: LoadedConfig,
  cwd = process.cwd(),
): Promise<Map<string, number>> {
  const { dims, problems } = await checkPretrained(loaded, cwd);
  if (problems.length > 0) {
    throw new ConfigError(
      'CONFIG_PRETRAINED',
      `${loaded.file}: ${problems.length} problem(s) with pretrained vectors`,
      {
        problems,
      },
    );
  }
  return dims;
}
