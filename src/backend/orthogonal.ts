import * as tfc from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

type Initializer = ReturnType<typeof tfl.initializers.zeros>;
type OrthogonalArgs = { seed?: number; gain?: number };

const OrthogonalBase = tfl.initializers.orthogonal({}).constructor as new (
  args: OrthogonalArgs,
) => Initializer & {
  seed?: number;
  gain: number;
};

/**
 * tfjs' Orthogonal initializer runs its QR decomposition as tensor ops: about 2 s for one LSTM(64)
 * recurrent kernel on the cpu backend, and a bidirectional layer builds two. This class draws from
 * the same distribution (Q of a Gaussian matrix, signs fixed so R has a positive diagonal) by
 * modified Gram–Schmidt in float64, in milliseconds. It keeps the class name `Orthogonal`, so saved
 * models stay standard, and replaces the stock class in tfjs' serialization map (layers such as
 * Bidirectional rebuild their inner layer from its config).
 */
export class FastOrthogonal extends OrthogonalBase {
  static readonly className = 'Orthogonal';

  override apply(shape: number[], dtype?: tfc.DataType): tfc.Tensor {
    if (shape.length < 2 || (dtype !== undefined && dtype !== 'float32')) return super.apply(shape, dtype);
    const cols = shape[shape.length - 1]!;
    const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const m = Math.max(rows, cols);
    const n = Math.min(rows, cols);
    // n Gaussian vectors of length m, orthonormalized in order: the rows of q are Q's columns.
    const q = Float64Array.from(
      tfc.tidy(() => tfc.randomNormal([n, m], 0, 1, 'float32', this.seed).dataSync()),
    );
    for (let j = 0; j < n; j++) {
      const qj = q.subarray(j * m, (j + 1) * m);
      for (let i = 0; i < j; i++) {
        const qi = q.subarray(i * m, (i + 1) * m);
        let dot = 0;
        for (let k = 0; k < m; k++) dot += qi[k]! * qj[k]!;
        for (let k = 0; k < m; k++) qj[k]! -= dot * qi[k]!;
      }
      let norm = 0;
      for (let k = 0; k < m; k++) norm += qj[k]! * qj[k]!;
      norm = Math.sqrt(norm);
      for (let k = 0; k < m; k++) qj[k]! /= norm;
    }
    const gain = this.gain;
    const out = new Float32Array(rows * cols);
    if (rows >= cols) {
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = gain * q[c * m + r]!;
    } else {
      for (let i = 0; i < out.length; i++) out[i] = gain * q[i]!;
    }
    return tfc.tensor(out, shape, 'float32');
  }
}
