/**
 * Nearest neighbours of encodings by cosine similarity, exact: a block of queries against every
 * corpus vector as one matrix product on the backend, then the top k of each row.
 */
import * as tfc from '@tensorflow/tfjs-core';

export class VectorIndex {
  private readonly corpusT: tfc.Tensor2D;
  readonly size: number;

  constructor(
    corpus: Float32Array,
    readonly width: number,
  ) {
    this.size = corpus.length / width;
    this.corpusT = tfc.tidy(() => unit(tfc.tensor2d(corpus, [this.size, width])).transpose());
  }

  /**
   * For queries `[start, end)` of `queries` (row-major, `width` wide): the indices of the `k`
   * most similar corpus vectors, most similar first, leaving out `exclude(q)` (the query itself
   * when a corpus is searched against itself).
   */
  search(
    queries: Float32Array,
    start: number,
    end: number,
    k: number,
    exclude?: (query: number) => number,
  ): Int32Array[] {
    const n = end - start;
    const take = Math.min(this.size, k + (exclude ? 1 : 0));
    if (n <= 0 || take === 0) return [];
    const indices = tfc.tidy(() => {
      const q = unit(tfc.tensor2d(queries.subarray(start * this.width, end * this.width), [n, this.width]));
      return tfc.topk(tfc.matMul(q, this.corpusT), take).indices.dataSync() as Int32Array;
    });
    const out: Int32Array[] = [];
    for (let r = 0; r < n; r++) {
      const row = indices.subarray(r * take, (r + 1) * take);
      const self = exclude?.(start + r) ?? -1;
      const kept = row.filter((i) => i !== self);
      out.push(kept.subarray(0, k));
    }
    return out;
  }

  dispose(): void {
    this.corpusT.dispose();
  }
}

/** Rows scaled to unit length (a zero row stays zero). */
function unit(x: tfc.Tensor2D): tfc.Tensor2D {
  const norm = tfc.maximum(tfc.norm(x, 'euclidean', 1, true), 1e-12);
  return tfc.div(x, norm) as tfc.Tensor2D;
}
