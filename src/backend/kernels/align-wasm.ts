import { i32, input, type KernelFunction, type KernelParam, output, rows, scratch } from './kernel-table.js';
import { runModuleFunction } from './rnn-wasm.js';

/**
 * The fused alignment kernels of native/rnn.c (align_forward, align_backward): their parameters in
 * C order for the runner (kernel-runner.ts), which splits batch rows over threads. The
 * tfjs kernels that use them are in align.ts.
 */

export interface AlignShape {
  batch: number;
  /** Ta, Tb: the two sequences' lengths. */
  stepsA: number;
  stepsB: number;
  /** P: the width of the score inputs (the projection's units, or D without one). */
  scoreWidth: number;
  /** D: the width of the value inputs. */
  width: number;
}

type Param = KernelParam<AlignShape>;

const SIZES: Param[] = [
  rows('B', (c) => c.batch),
  i32('Ta', (c) => c.stepsA),
  i32('Tb', (c) => c.stepsB),
  i32('P', (c) => c.scoreWidth),
  i32('D', (c) => c.width),
];

const OPTIONAL = { optional: true } as const;

const alignForward: Param[] = [
  ...SIZES,
  input('sa', 'rows'),
  input('sb', 'rows'),
  input('a', 'rows'),
  input('b', 'rows'),
  input('ma', 'rows', OPTIONAL),
  input('mb', 'rows', OPTIONAL),
  input('scale', 'whole'),
  output('at', 'rows', (c) => [c.batch, c.stepsA, c.width]),
  output('bt', 'rows', (c) => [c.batch, c.stepsB, c.width]),
  // The weights, kept for the backward pass; scratch when only predicting.
  output('pa', 'rows', (c) => [c.batch, c.stepsA, c.stepsB], { whenNull: 'scratch' }),
  output('pb', 'rows', (c) => [c.batch, c.stepsB, c.stepsA], { whenNull: 'scratch' }),
  scratch('sbt', 'part', (c) => [c.scoreWidth, c.stepsB]),
];

const alignBackward: Param[] = [
  ...SIZES,
  input('sa', 'rows'),
  input('sb', 'rows'),
  input('a', 'rows'),
  input('b', 'rows'),
  input('scale', 'whole'),
  input('pa', 'rows'),
  input('pb', 'rows'),
  input('dat', 'rows'),
  input('dbt', 'rows'),
  output('dsa', 'rows', (c) => [c.batch, c.stepsA, c.scoreWidth]),
  output('dsb', 'rows', (c) => [c.batch, c.stepsB, c.scoreWidth]),
  output('da', 'rows', (c) => [c.batch, c.stepsA, c.width]),
  output('db', 'rows', (c) => [c.batch, c.stepsB, c.width]),
  output('dscale', 'sum', () => [1]),
  scratch('de', 'part', (c) => [c.stepsA, c.stepsB]),
  scratch('dpb', 'part', (c) => [c.stepsB, c.stepsA]),
  scratch('tr', 'part', (c) => [Math.max(c.width, c.scoreWidth), Math.max(c.stepsA, c.stepsB)]),
];

const fn = (name: string, params: Param[]): KernelFunction<AlignShape> => ({
  name,
  kind: 'fused alignment kernel',
  params,
});

export const ALIGN_FUNCTIONS = {
  align_forward: fn('align_forward', alignForward),
  align_backward: fn('align_backward', alignBackward),
} as const;

export type AlignEntryName = keyof typeof ALIGN_FUNCTIONS;

export function runAlignEntry(
  name: AlignEntryName,
  shape: AlignShape,
  arrays: Record<string, Float32Array | null | undefined>,
): void {
  runModuleFunction(ALIGN_FUNCTIONS[name], shape, arrays);
}
