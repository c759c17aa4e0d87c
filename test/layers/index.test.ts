import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tfc from '@tensorflow/tfjs-core';
import { useInspectionBackend } from '../../src/backend/index.js';
import { layerClasses, registerLayerClasses } from '../../src/layers/index.js';

/** Constructor arguments for each of qqp's layer classes: a new class must add a sample here. */
const SAMPLES: Record<string, Record<string, unknown>> = {
  QqpFusedLSTM: { units: 3, returnSequences: true, goBackwards: true, recurrentActivation: 'hardSigmoid' },
  QqpFusedGRU: { units: 2, activation: 'relu' },
  QqpAbsDifference: { name: 'abs_diff' },
  QqpElementwise: { op: 'subtract', name: 'sub' },
  QqpPretrainedEmbedding: { inputDim: 6, outputDim: 3, tunedIds: [1, 2, 5], maskZero: true },
  QqpAlign: { scale: 'learned', projectionUnits: 4, projectionActivation: 'tanh' },
  QqpEnhance: { parts: ['input', 'product'] },
  QqpMaskedPool: { mode: 'mean' },
  QqpHighway: { activation: 'elu', transformBias: -2 },
  QqpResidual: { name: 'res' },
  QqpAugmentedResidual: { name: 'aug' },
};

describe('layer classes', () => {
  it('every class has a sample here, and no sample is for a class that is gone', () => {
    assert.deepEqual(layerClasses.map((c) => c.className).sort(), Object.keys(SAMPLES).sort());
  });

  for (const cls of layerClasses) {
    it(`${cls.className} round-trips through getConfig and tfjs' deserializer`, async () => {
      await useInspectionBackend();
      registerLayerClasses();
      const Ctor = cls as unknown as new (args: Record<string, unknown>) => tfc.serialization.Serializable;
      const layer = new Ctor(SAMPLES[cls.className]!);
      assert.equal(layer.getClassName(), cls.className);
      const config = layer.getConfig();
      const entry = tfc.serialization.SerializationMap.getMap().classNameMap[cls.className];
      assert.ok(entry, `${cls.className} is not registered with tfjs' serializer`);
      const [registered, fromConfig] = entry;
      const again = fromConfig(registered, config);
      assert.ok(again instanceof cls);
      assert.deepEqual(again.getConfig(), config);
    });
  }
});
