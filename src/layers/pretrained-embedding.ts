import * as tfc from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayerVariable } from '@tensorflow/tfjs-layers/dist/variables.js';

type Shape = (number | null)[];

export interface PretrainedEmbeddingArgs {
  inputDim: number;
  outputDim: number;
  /** Ids whose rows are trained (words without a vector, `<oov>`, `<sep>`); every other row is frozen. */
  tunedIds?: number[];
  maskZero?: boolean;
  name?: string;
  /** Initial weights in tfjs' order (trainable first): the tuned rows (if any), then the frozen table (zero at tuned ids). */
  weights?: tfc.Tensor[];
}

/**
 * An embedding table of pretrained vectors kept frozen, with a few rows trained: a non-trainable
 * `embeddings` table `[inputDim, outputDim]` whose tuned rows are zero, and a trainable `tuned`
 * table `[tunedIds.length, outputDim]`. A token's vector is its frozen row plus, for a tuned id,
 * its tuned row, so gradients reach only the tuned rows and the optimizer keeps slots only for
 * them. Known to tfjs' serializer as QqpPretrainedEmbedding (src/layers/index.ts).
 */
export class PretrainedEmbedding extends tfl.layers.Layer {
  static readonly className = 'QqpPretrainedEmbedding';
  readonly inputDim: number;
  readonly outputDim: number;
  readonly tunedIds: number[];
  readonly maskZero: boolean;
  private frozen: LayerVariable | null = null;
  private tuned: LayerVariable | null = null;
  /** Row of each id in [zero row, tuned rows...]: 0 for a frozen id, i + 1 for tunedIds[i]. */
  private rowMap: tfc.Tensor1D | null = null;

  constructor(args: PretrainedEmbeddingArgs) {
    super({ ...(args.name ? { name: args.name } : {}), ...(args.weights ? { weights: args.weights } : {}) });
    this.inputDim = args.inputDim;
    this.outputDim = args.outputDim;
    this.tunedIds = [...(args.tunedIds ?? [])];
    this.maskZero = args.maskZero ?? false;
    this.supportsMasking = true;
    for (const id of this.tunedIds) {
      if (!Number.isInteger(id) || id < 0 || id >= this.inputDim)
        throw new Error(`tuned id ${id} is outside the table (0..${this.inputDim - 1})`);
    }
  }

  override build(): void {
    this.frozen = this.addWeight(
      'embeddings',
      [this.inputDim, this.outputDim],
      'float32',
      tfl.initializers.zeros(),
      undefined,
      false,
    );
    if (this.tunedIds.length > 0) {
      this.tuned = this.addWeight(
        'tuned',
        [this.tunedIds.length, this.outputDim],
        'float32',
        tfl.initializers.zeros(),
        undefined,
        true,
      );
      const map = new Int32Array(this.inputDim);
      this.tunedIds.forEach((id, i) => {
        map[id] = i + 1;
      });
      this.rowMap = tfc.keep(tfc.tensor1d(map, 'int32'));
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape): Shape {
    return [...inputShape, this.outputDim];
  }

  override computeMask(inputs: tfc.Tensor | tfc.Tensor[]): tfc.Tensor {
    // tfjs' own Embedding returns null for no mask, which its types do not admit.
    if (!this.maskZero) return null as unknown as tfc.Tensor;
    return tfc.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      return tfc.notEqual(x, tfc.zerosLike(x));
    });
  }

  override call(inputs: tfc.Tensor | tfc.Tensor[]): tfc.Tensor {
    return tfc.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      const ids = x.dtype === 'int32' ? x : tfc.cast(x, 'int32');
      const frozen = tfc.gather(this.frozen!.read(), ids);
      if (!this.tuned || !this.rowMap) return frozen;
      const table = tfc.concat([tfc.zeros([1, this.outputDim]), this.tuned.read()], 0);
      return tfc.add(frozen, tfc.gather(table, tfc.gather(this.rowMap, ids)));
    });
  }

  override dispose(): ReturnType<tfl.layers.Layer['dispose']> {
    const result = super.dispose();
    if (result.refCountAfterDispose === 0 && this.rowMap) {
      this.rowMap.dispose();
      this.rowMap = null;
    }
    return result;
  }

  override getConfig(): tfc.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      inputDim: this.inputDim,
      outputDim: this.outputDim,
      tunedIds: [...this.tunedIds],
      maskZero: this.maskZero,
    };
  }

  override getClassName(): string {
    return PretrainedEmbedding.className;
  }
}
