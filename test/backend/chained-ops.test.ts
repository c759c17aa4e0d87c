/**
 * The chained tensor methods qqp adds to tfjs-core's CommonJS build (src/backend/chained-ops.ts):
 * the same set as tfjs-core's ES-module build registers, each computing what its op does.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as tfc from '@tensorflow/tfjs-core';
import '../../src/backend/tfjs.js';
import { CHAINED_AS_OPS, registerChainedOps } from '../../src/backend/chained-ops.js';
import { PROJECT_ROOT } from '../helpers/cli.js';

// biome-ignore lint/suspicious/noExplicitAny: the methods take the op's arguments, whatever they are
type Method = (...args: any[]) => tfc.Tensor;
/** The chained methods these tests call, typed loosely: the point is that they exist and compute. */
interface Chained {
  add: Method;
  as1D: Method;
  as3D: Method;
  asScalar: Method;
  asType: Method;
  concat: Method;
  flatten: Method;
  reshapeAs: Method;
  slice: Method;
  stack: Method;
  sum: Method;
  toInt: Method;
  transpose: Method;
  where: Method;
}
const chained = (t: tfc.Tensor): Chained => t as unknown as Chained;

/** The method names tfjs-core's ES-module build adds, read from its chained_ops folder. */
function esmChainedNames(): string[] {
  const dir = join(PROJECT_ROOT, 'node_modules', '@tensorflow', 'tfjs-core', 'dist', 'public', 'chained_ops');
  const names = new Set<string>();
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.js'))) {
    for (const m of readFileSync(join(dir, f), 'utf8').matchAll(/\.prototype\.([A-Za-z0-9]+) = function/g)) {
      names.add(m[1] as string);
    }
  }
  return [...names].sort();
}

describe('chained tensor methods', () => {
  it('every method of tfjs-core’s ES-module build is on Tensor.prototype', () => {
    const expected = esmChainedNames();
    assert.ok(expected.length > 100, `read ${expected.length} names: the chained_ops folder moved?`);
    const proto = tfc.Tensor.prototype as unknown as Record<string, unknown>;
    const missing = expected.filter((n) => typeof proto[n] !== 'function');
    assert.deepEqual(missing, []);
  });

  it('registering again adds nothing (idempotent)', () => {
    assert.deepEqual(registerChainedOps(), []);
  });

  it('the methods that are op(this, ...args) give the op’s result', () => {
    const x = tfc.tensor2d([
      [1, -2],
      [3, 4],
    ]);
    assert.deepEqual(chained(x).add(x).arraySync(), tfc.add(x, x).arraySync());
    assert.deepEqual(chained(x).sum(1).arraySync(), [-1, 7]);
    assert.deepEqual(chained(x).transpose().arraySync(), [
      [1, 3],
      [-2, 4],
    ]);
    assert.deepEqual(chained(x).slice([1, 0], [1, 2]).arraySync(), [[3, 4]]);
    assert.ok(
      CHAINED_AS_OPS.every((n) => typeof (tfc as unknown as Record<string, unknown>)[n] === 'function'),
    );
  });

  it('the written-out methods: flatten, concat and stack of one or a list, where, asScalar, casts', () => {
    const x = tfc.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    assert.deepEqual(chained(x).flatten().arraySync(), [1, 2, 3, 4]);
    assert.deepEqual(chained(x).as1D().shape, [4]);
    assert.deepEqual(chained(x).as3D(1, 2, 2).shape, [1, 2, 2]);
    assert.deepEqual(chained(x).reshapeAs(tfc.zeros([4, 1])).shape, [4, 1]);
    assert.deepEqual(chained(x).concat(x, 0).shape, [4, 2]);
    assert.deepEqual(chained(x).concat([x, x], 1).shape, [2, 6]);
    assert.deepEqual(chained(x).stack(x).shape, [2, 2, 2]);
    assert.deepEqual(chained(x).stack([x, x], 1).shape, [2, 3, 2]);
    const mask = tfc.tensor2d(
      [
        [1, 0],
        [0, 1],
      ],
      undefined,
      'bool',
    );
    assert.deepEqual(chained(x).where(mask, tfc.zerosLike(x)).arraySync(), [
      [1, 0],
      [0, 4],
    ]);
    assert.equal(chained(x).toInt().dtype, 'int32');
    assert.equal(chained(x).asType('bool').dtype, 'bool');
    assert.equal(chained(tfc.tensor1d([5])).asScalar().rank, 0);
    assert.throws(() => chained(x).asScalar(), /only 1 element/);
  });

  it('a disposed tensor refuses, as tfjs’ own methods do', () => {
    const x = tfc.tensor1d([1, 2]);
    x.dispose();
    assert.throws(() => chained(x).flatten(), /disposed/);
  });
});
