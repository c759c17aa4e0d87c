import * as tfc from '@tensorflow/tfjs-core';
import '../tfjs.js';
import { registerFusedAlignKernels } from '../kernels/align.js';
import { registerConvGradKernels } from '../kernels/conv-grad.js';
import { registerFusedRnnKernels } from '../kernels/rnn.js';
import { registerSegmentSumKernel } from '../kernels/segment-sum.js';
import { type Attempt, type BackendEntry, fusedReport } from './entry.js';

/** tfjs' plain JavaScript backend (registered by @tensorflow/tfjs, so always there). */
async function startCpu(): Promise<Attempt> {
  cpuBackend.registerKernels();
  if (!(await tfc.setBackend('cpu'))) return { ok: false, reason: 'the cpu backend did not start' };
  const fused = fusedReport();
  return {
    ok: true,
    label: `cpu (plain JavaScript, slow; ${fused.label})`,
    details: {
      tfjs: tfc.version_core,
      provider: '@tensorflow/tfjs-backend-cpu',
      threads: 1,
      ...fused.details,
    },
  };
}

export const cpuBackend: BackendEntry<'cpu'> = {
  name: 'cpu',
  // The scatter-add UnsortedSegmentSum (tfjs' own loops over every segment: the gradient of a
  // 10,000-row Embedding crawls), Conv2D's gradient with dilations, the fused LSTM/GRU and
  // alignment kernels.
  registerKernels() {
    registerSegmentSumKernel('cpu');
    registerConvGradKernels('cpu');
    registerFusedRnnKernels('cpu');
    registerFusedAlignKernels('cpu');
  },
  start: startCpu,
  suggestions: [],
};
