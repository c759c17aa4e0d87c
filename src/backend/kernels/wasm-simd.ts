import { KernelSettingError, kernelSetting } from './kernel-table.js';

/**
 * Which of the two WebAssembly builds of native/rnn.c the wasm engine runs (native/build.sh):
 * - `relaxed`: native/rnn-relaxed.wasm, relaxed SIMD (the matrix products' multiply-adds fused,
 *   f32x4.relaxed_madd), where this Node's WebAssembly accepts it: Node 22 and later by default,
 *   Node 20 only when started with --experimental-wasm-relaxed-simd;
 * - `plain`: native/rnn.wasm, SIMD alone, everywhere else.
 * `QQP_WASM_SIMD=relaxed|plain` chooses; unset (or `auto`), relaxed where it runs, else plain. A
 * request for relaxed that cannot be met is an error saying why (kernel-runner.ts asks only when
 * the wasm engine is the one that runs).
 */

export type WasmSimd = 'plain' | 'relaxed';

/** How the kernels' engine label names each module. */
export const WASM_SIMD_LABELS: Record<WasmSimd, string> = {
  plain: 'wasm SIMD',
  relaxed: 'wasm relaxed SIMD',
};

/** The part of the WebAssembly API used here (Node has it; the project's type libraries do not declare it). */
declare const WebAssembly: { validate(bytes: Uint8Array): boolean };

/**
 * A module of one function, `() -> v128`, that returns f32x4.relaxed_madd of a v128 local three
 * times: valid exactly where relaxed SIMD is (the rest is plain SIMD).
 */
export const RELAXED_SIMD_PROBE = Uint8Array.of(
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // magic, version 1
  ...[0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b], // type section: one type, () -> v128
  ...[0x03, 0x02, 0x01, 0x00], // function section: one function of type 0
  ...[0x0a, 0x0f, 0x01, 0x0d], // code section: one body of 13 bytes
  ...[0x01, 0x01, 0x7b], // one local, v128
  ...[0x20, 0x00, 0x20, 0x00, 0x20, 0x00], // local.get 0, three times
  ...[0xfd, 0x85, 0x02], // f32x4.relaxed_madd
  0x0b, // end
);

let detected: boolean | undefined;
let pretend: boolean | undefined;

/** Whether this Node runs relaxed SIMD (WebAssembly.validate of the probe, once a process). */
export function relaxedSimdRuns(): boolean {
  if (pretend !== undefined) return pretend;
  detected ??= WebAssembly.validate(RELAXED_SIMD_PROBE);
  return detected;
}

/**
 * Pretends that relaxed SIMD does (or does not) run here, or goes back to detecting it
 * (undefined); for tests, since Node 22 and later always run it and have no flag to turn it off.
 */
export function setRelaxedSimdForTest(runs: boolean | undefined): void {
  pretend = runs;
}

/** Why relaxed SIMD does not run on this Node, in the words of an error message. */
export function relaxedSimdMissing(): string {
  const major = Number(process.versions.node.split('.')[0]);
  const why = `this Node (${process.version}) does not run relaxed SIMD (its WebAssembly refuses f32x4.relaxed_madd)`;
  return major < 22
    ? `${why}: Node 20 runs it only when started as node --experimental-wasm-relaxed-simd (NODE_OPTIONS may not carry that flag); Node 22 and later by default`
    : why;
}

/** QQP_WASM_SIMD, checked (an unknown value is an error, whichever engine runs). */
export function requestedWasmSimd(): WasmSimd | 'auto' {
  return kernelSetting('QQP_WASM_SIMD', ['relaxed', 'plain']);
}

let forced: WasmSimd | undefined;

/** Chooses the module for the whole process, over QQP_WASM_SIMD (undefined: back to it); for tests and the bench. */
export function setWasmSimd(simd: WasmSimd | undefined): void {
  forced = simd;
}

/** The module the wasm engine runs; throws when relaxed is asked for where it cannot run. */
export function chooseWasmSimd(): WasmSimd {
  const want = forced ?? requestedWasmSimd();
  if (want === 'plain') return 'plain';
  if (relaxedSimdRuns()) return 'relaxed';
  if (want === 'relaxed')
    throw new KernelSettingError('QQP_WASM_SIMD', `QQP_WASM_SIMD=relaxed, but ${relaxedSimdMissing()}`);
  return 'plain';
}
